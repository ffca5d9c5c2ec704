package io.pvedeploy.proxmox;

import java.util.regex.Pattern;

/**
 * One raw LXC key of a container's config, such as {@code lxc.apparmor.profile: unconfined}.
 * PVE keeps these as lines of {@code /etc/pve/lxc/<vmid>.conf} that only an admin on the node
 * writes (there is no API parameter for them; see {@link NodeShell#setRawLxcKey}), returns them
 * in {@code GET …/config} as {@code lxc: [[key, value], …]}, and appends them to the container's
 * generated LXC config at start, where they override its own settings.
 *
 * @param key the LXC key, {@code lxc.} and lower-case letters, digits, {@code .}, {@code _}, {@code -}
 * @param value its value, one line
 */
public record LxcRawEntry(String key, String value) {
  /** The keys pve-container's config parser accepts as raw lines. */
  private static final Pattern KEY = Pattern.compile("lxc\\.[a-z0-9_.-]{1,120}");

  public LxcRawEntry {
    if (key == null || !KEY.matcher(key).matches()) {
      throw new IllegalArgumentException("'" + key + "' is not a raw LXC key: expected 'lxc.' followed by"
          + " lower-case letters, digits, '.', '_' or '-', e.g. lxc.apparmor.profile");
    }
    if (value == null || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("the value of " + key + " must be one line of text without NUL");
    }
    if (!value.equals(value.strip())) {
      // PVE's parser strips it: the value written would not be the value read back.
      throw new IllegalArgumentException("the value of " + key + " must not start or end with white space");
    }
  }

  /** The line as PVE writes it in the config file. */
  public String render() {
    return key + ": " + value;
  }
}
