package io.pvedeploy.proxmox;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A change to a guest's config: keys to set, keys to delete, and optionally the {@code digest}
 * of the config it was computed from, so that a concurrent change is detected ({@link
 * ConfigChangedException}) instead of overwritten.
 *
 * <pre>{@code
 * LxcConfig config = ct.config();
 * ct.updateConfig(ConfigUpdate.builder()
 *     .memory(2048)
 *     .features(LxcFeatures.docker())
 *     .delete("mp1")
 *     .digest(config.digest())
 *     .build());
 * }</pre>
 *
 * <p>Values are printed in {@link #toString()} only by key: some (a cloud-init password) are
 * secrets.
 */
public final class ConfigUpdate {
  private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9_\\-]*");
  /** Keys whose values are secrets; they never appear anywhere but the request body. */
  static final Set<String> SENSITIVE_KEYS = Set.of("cipassword", "password");

  private final Map<String, String> set;
  private final Set<String> delete;
  private final String digest;

  private ConfigUpdate(Map<String, String> set, Set<String> delete, String digest) {
    this.set = Map.copyOf(set);
    this.delete = Set.copyOf(delete);
    this.digest = digest;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The keys this update sets, with their values (as PVE will store them). */
  public Map<String, String> values() {
    return set;
  }

  public Set<String> deletions() {
    return delete;
  }

  public Optional<String> digest() {
    return Optional.ofNullable(digest);
  }

  public boolean isEmpty() {
    return set.isEmpty() && delete.isEmpty();
  }

  Params toParams() {
    Params params = Params.of();
    new java.util.TreeMap<>(set).forEach(params::put);
    if (!delete.isEmpty()) {
      params.put("delete", String.join(",", new java.util.TreeSet<>(delete)));
    }
    params.put("digest", digest);
    return params;
  }

  @Override
  public String toString() {
    return "ConfigUpdate[set=" + new java.util.TreeSet<>(set.keySet()) + ", delete="
        + new java.util.TreeSet<>(delete) + (digest != null ? ", digest=" + digest : "") + "]";
  }

  /** Builds a {@link ConfigUpdate}. */
  public static final class Builder {
    private final Map<String, String> set = new LinkedHashMap<>();
    private final Set<String> delete = new LinkedHashSet<>();
    private String digest;

    private Builder() {}

    /**
     * Sets a key PVE knows that this builder has no typed method for. The value must be one line;
     * property strings should come from their records' {@code render()}.
     */
    public Builder set(String key, String value) {
      checkKey(key);
      if (value == null) {
        throw new IllegalArgumentException("value of '" + key + "' must not be null; use delete(\"" + key + "\")");
      }
      if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "value of '" + key + "' must be a single line (PVE's config file is line-based)");
      }
      if (delete.contains(key)) {
        throw new IllegalArgumentException("'" + key + "' is both set and deleted in one update");
      }
      set.put(key, value);
      return this;
    }

    public Builder set(String key, long value) {
      return set(key, Long.toString(value));
    }

    public Builder set(String key, boolean value) {
      return set(key, value ? "1" : "0");
    }

    /** Removes keys from the config (PVE's {@code delete} parameter). */
    public Builder delete(String... keys) {
      for (String key : keys) {
        checkKey(key);
        if (set.containsKey(key)) {
          throw new IllegalArgumentException("'" + key + "' is both set and deleted in one update");
        }
        delete.add(key);
      }
      return this;
    }

    /** Fails the update with {@link ConfigChangedException} if the config no longer has this digest. */
    public Builder digest(String digest) {
      if (digest == null || !digest.matches("[0-9a-fA-F]{40,64}")) {
        throw new IllegalArgumentException("digest must be the hex digest PVE returned with the config, got '" + digest + "'");
      }
      this.digest = digest;
      return this;
    }

    /** Memory in MiB. */
    public Builder memory(int mebibytes) {
      if (mebibytes < 16) {
        throw new IllegalArgumentException("memory must be at least 16 MiB, got " + mebibytes);
      }
      return set("memory", mebibytes);
    }

    public Builder cores(int cores) {
      if (cores < 1 || cores > 8192) {
        throw new IllegalArgumentException("cores must be 1 to 8192, got " + cores);
      }
      return set("cores", cores);
    }

    /** A container's feature flags. */
    public Builder features(LxcFeatures features) {
      return set("features", features.render());
    }

    /** A container's {@code net[index]}. */
    public Builder network(int index, LxcNetwork network) {
      return set("net" + index(index, 31, "net"), network.render());
    }

    /** A VM's {@code net[index]}. */
    public Builder network(int index, QemuNetwork network) {
      return set("net" + index(index, 31, "net"), network.render());
    }

    /** A container's {@code mp[index]}. */
    public Builder mountPoint(int index, MountPoint mountPoint) {
      return set("mp" + index(index, 255, "mp"), mountPoint.render());
    }

    /** A VM's cloud-init {@code ipconfig[index]}. */
    public Builder ipConfig(int index, IpConfig ipConfig) {
      return set("ipconfig" + index(index, 31, "ipconfig"), ipConfig.render());
    }

    /** A VM's cloud-init user. */
    public Builder ciUser(String user) {
      if (user == null || !user.matches("[a-z_][a-z0-9_\\-]{0,31}")) {
        throw new IllegalArgumentException("cloud-init user '" + user + "' is not a valid user name");
      }
      return set("ciuser", user);
    }

    /**
     * A VM's cloud-init authorized keys, one OpenSSH public key each. PVE wants them
     * percent-encoded in one parameter; this does it.
     */
    public Builder sshKeys(List<String> publicKeys) {
      List<String> keys = new ArrayList<>();
      for (String key : publicKeys) {
        if (key == null || !key.matches("(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-\\S+) [A-Za-z0-9+/=]+( [^\\n]*)?")) {
          throw new IllegalArgumentException(
              "not an OpenSSH public key line: '" + key + "' (expected 'ssh-ed25519 AAAA… comment')");
        }
        keys.add(key.strip());
      }
      return set("sshkeys",
          URLEncoder.encode(String.join("\n", keys), StandardCharsets.UTF_8).replace("+", "%20"));
    }

    /** A VM's cloud-init password; sent once, never printed. */
    public Builder ciPassword(char[] password) {
      if (password == null || password.length == 0) {
        throw new IllegalArgumentException("cloud-init password must not be empty");
      }
      String value = new String(password);
      Arrays.fill(password, '\0');
      return set("cipassword", value);
    }

    public Builder nameserver(String nameserver) {
      return set("nameserver", nameserver);
    }

    public Builder tags(List<String> tags) {
      for (String tag : tags) {
        if (!tag.matches("[a-z0-9_][a-z0-9_\\-+.]*")) {
          throw new IllegalArgumentException("tag '" + tag + "' is not a PVE tag (lower-case letters, digits, _ - + .)");
        }
      }
      return set("tags", String.join(";", tags));
    }

    public Builder onBoot(boolean onBoot) {
      return set("onboot", onBoot);
    }

    public ConfigUpdate build() {
      return new ConfigUpdate(set, delete, digest);
    }

    private static int index(int index, int max, String what) {
      if (index < 0 || index > max) {
        throw new IllegalArgumentException(what + " index must be 0 to " + max + ", got " + index);
      }
      return index;
    }

    private static void checkKey(String key) {
      if (key == null || !KEY.matcher(key).matches() || key.equals("digest") || key.equals("delete")) {
        throw new IllegalArgumentException(
            "config key '" + key + "' is not a PVE config key (lower-case word such as 'memory' or 'net0')");
      }
    }
  }
}
