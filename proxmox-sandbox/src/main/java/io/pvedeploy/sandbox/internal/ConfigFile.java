package io.pvedeploy.sandbox.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A guest's config file as PVE writes and reads it: pve-container's {@code write_pct_config} and
 * {@code parse_pct_config}, qemu-server's {@code write_vm_config} and {@code parse_vm_config}.
 *
 * <p>A container's raw LXC keys ({@code lxc.apparmor.profile: unconfined}) live in its config map
 * under {@link #RAW}, one {@code key: value} line per entry in file order, duplicates allowed. A
 * map entry rather than a field of {@link Guest}, so that everything that copies a config
 * (snapshots, rollback, vzdump's archived config, restore, state.json) keeps them without knowing
 * about them; the PUT schema has no {@code lxc} parameter, so no API call can set it, as in PVE.
 */
final class ConfigFile {
  /** The config-map key of a container's raw {@code lxc.*} entries; PVE's {@code $conf->{lxc}}. */
  static final String RAW = "lxc";
  /** pve-container keeps {@code lxc.environment.runtime} lines in {@code env}, NUL-separated. */
  static final String ENV = "env";
  private static final String ENV_KEY = "lxc.environment.runtime";

  /** One raw LXC entry. */
  record Raw(String key, String value) {}

  /** A parsed file: the main section, the snapshot sections in file order, what was skipped or odd. */
  record Parsed(Map<String, String> config, Map<String, Map<String, String>> snapshots, List<String> warnings) {}

  private static final Pattern RAW_LINE = Pattern.compile("^(lxc\\.[a-z0-9_\\-.]+)(:|\\s*=)\\s*(.*?)\\s*$");
  private static final Pattern LXC_KEY_LINE = Pattern.compile("^([a-z][a-z_]*\\d*):\\s*(.+?)\\s*$");
  private static final Pattern QEMU_KEY_LINE = Pattern.compile("^([a-z][a-z_\\-]*\\d*):\\s*(.+?)\\s*$");
  private static final Pattern DESCRIPTION_LINE = Pattern.compile("^(description):\\s*(.*\\S)\\s*$");
  private static final Pattern SNAPSTATE_LINE = Pattern.compile("snapstate:\\s*(prepare|delete)\\s*$");
  private static final Pattern DELETE_LINE = Pattern.compile("^delete:\\s*(.*\\S)\\s*$");
  private static final Pattern LXC_PENDING = Pattern.compile("^\\[pve:pending\\]\\s*$", Pattern.CASE_INSENSITIVE);
  private static final Pattern QEMU_PENDING = Pattern.compile("^\\[PENDING\\]\\s*$", Pattern.CASE_INSENSITIVE);
  private static final Pattern QEMU_SPECIAL =
      Pattern.compile("^\\[special:(cloudinit|fleecing)\\]\\s*$", Pattern.CASE_INSENSITIVE);
  private static final Pattern SNAPSHOT = Pattern.compile("^\\[([a-z][a-z0-9_\\-]+)\\]\\s*$", Pattern.CASE_INSENSITIVE);
  private static final Pattern OTHER_SECTION = Pattern.compile("^\\[([^\\]]*)\\]\\s*$");

  /**
   * Keys the sandbox writes that are no PUT/POST parameter (PVE's GET returns them); a new
   * snapshot section written by hand has them too.
   */
  private static final Set<String> STATE_KEYS = Set.of("parent", "snaptime", "snapstate", "vmstate", "runningmachine", "runningcpu");

  /** pve-container's {@code $valid_lxc_conf_keys}: 1, or why PVE refuses the key. */
  private static final Map<String, String> LXC_KEYS = new HashMap<>();
  /** pve-container's {@code $deprecated_lxc_conf_keys}: accepted, with a warning naming the new key. */
  private static final Map<String, String> DEPRECATED_LXC_KEYS = new HashMap<>();

  static {
    for (String k : List.of("lxc.apparmor.profile", "lxc.apparmor.allow_incomplete", "lxc.apparmor.allow_nesting",
        "lxc.apparmor.raw", "lxc.selinux.context", "lxc.include", "lxc.arch", "lxc.uts.name", "lxc.signal.halt",
        "lxc.signal.reboot", "lxc.signal.stop", "lxc.init.cmd", "lxc.init.cwd", "lxc.init.uid", "lxc.init.gid",
        "lxc.init.groups", "lxc.pty.max", "lxc.console.logfile", "lxc.console.path", "lxc.tty.max",
        "lxc.devtty.dir", "lxc.hook.autodev", "lxc.autodev", "lxc.kmsg", "lxc.mount.fstab", "lxc.mount.entry",
        "lxc.mount.auto", "lxc.rootfs.mount", "lxc.cap.drop", "lxc.cap.keep", "lxc.seccomp.profile",
        "lxc.seccomp.notify.proxy", "lxc.seccomp.notify.cookie", "lxc.idmap", "lxc.hook.pre-start",
        "lxc.hook.pre-mount", "lxc.hook.mount", "lxc.hook.start", "lxc.hook.stop", "lxc.hook.post-stop",
        "lxc.hook.clone", "lxc.hook.destroy", "lxc.hook.version", "lxc.log.level", "lxc.log.file",
        "lxc.start.auto", "lxc.start.delay", "lxc.start.order", "lxc.group", "lxc.environment",
        "lxc.environment.runtime", "lxc.environment.hooks", "lxc.sysctl.fs.mqueue", "lxc.sysctl.kernel.msgmax",
        "lxc.sysctl.kernel.msgmnb", "lxc.sysctl.kernel.msgmni", "lxc.sysctl.kernel.sem",
        "lxc.sysctl.kernel.shmall", "lxc.sysctl.kernel.shmmax", "lxc.sysctl.kernel.shmmni",
        "lxc.sysctl.kernel.shm_rmid_forced")) {
      LXC_KEYS.put(k, "1");
    }
    LXC_KEYS.put("lxc.rootfs.path", "lxc.rootfs.path is auto generated from rootfs");
    LXC_KEYS.put("lxc.rootfs.options",
        "lxc.rootfs.options is not supported, please use mount point options in the \"rootfs\" key");
    String[][] deprecated = {
        {"lxc.aa_profile", "lxc.apparmor.profile"}, {"lxc.aa_allow_incomplete", "lxc.apparmor.allow_incomplete"},
        {"lxc.console", "lxc.console.path"}, {"lxc.devttydir", "lxc.tty.dir"},
        {"lxc.haltsignal", "lxc.signal.halt"}, {"lxc.rebootsignal", "lxc.signal.reboot"},
        {"lxc.stopsignal", "lxc.signal.stop"}, {"lxc.id_map", "lxc.idmap"}, {"lxc.init_cmd", "lxc.init.cmd"},
        {"lxc.loglevel", "lxc.log.level"}, {"lxc.logfile", "lxc.log.file"}, {"lxc.mount", "lxc.mount.fstab"},
        {"lxc.network.type", "lxc.net.INDEX.type"}, {"lxc.network.flags", "lxc.net.INDEX.flags"},
        {"lxc.network.link", "lxc.net.INDEX.link"}, {"lxc.network.mtu", "lxc.net.INDEX.mtu"},
        {"lxc.network.name", "lxc.net.INDEX.name"}, {"lxc.network.hwaddr", "lxc.net.INDEX.hwaddr"},
        {"lxc.network.ipv4", "lxc.net.INDEX.ipv4.address"},
        {"lxc.network.ipv4.gateway", "lxc.net.INDEX.ipv4.gateway"},
        {"lxc.network.ipv6", "lxc.net.INDEX.ipv6.address"},
        {"lxc.network.ipv6.gateway", "lxc.net.INDEX.ipv6.gateway"},
        {"lxc.network.script.up", "lxc.net.INDEX.script.up"},
        {"lxc.network.script.down", "lxc.net.INDEX.script.down"}, {"lxc.pts", "lxc.pty.max"},
        {"lxc.se_context", "lxc.selinux.context"}, {"lxc.seccomp", "lxc.seccomp.profile"},
        {"lxc.tty", "lxc.tty.max"}, {"lxc.utsname", "lxc.uts.name"}};
    for (String[] d : deprecated) {
      DEPRECATED_LXC_KEYS.put(d[0], d[1]);
    }
  }

  private ConfigFile() {}

  // ---- raw entries ----

  /** The section's raw entries, in file order; empty when it has none. */
  static List<Raw> raw(Map<String, String> section) {
    String text = section.get(RAW);
    List<Raw> res = new ArrayList<>();
    if (text == null) {
      return res;
    }
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        res.add(new Raw(line.substring(0, colon), line.substring(colon + 1).strip()));
      }
    }
    return res;
  }

  /** Stores the entries under {@link #RAW}, or removes the key when there are none. */
  static void setRaw(Map<String, String> section, List<Raw> entries) {
    if (entries.isEmpty()) {
      section.remove(RAW);
      return;
    }
    StringBuilder b = new StringBuilder();
    for (Raw r : entries) {
      if (b.length() > 0) {
        b.append('\n');
      }
      b.append(r.key()).append(": ").append(r.value());
    }
    section.put(RAW, b.toString());
  }

  /**
   * pve-container's {@code is_valid_lxc_conf_key}: null when PVE takes the key (with a warning
   * added for a deprecated one), {@code "unknown"} for a key it does not know (PVE then says it
   * cannot parse the line), else why it refuses the key.
   */
  static String refusal(int vmid, String key, List<String> warnings) {
    if (key.startsWith("lxc.limit.")) {
      warnings.add("vm " + vmid + " - " + key + ": lxc.limit.* was renamed to lxc.prlimit.*");
      return null;
    }
    String renamed = DEPRECATED_LXC_KEYS.get(key);
    if (renamed != null) {
      warnings.add("vm " + vmid + " - " + key + " is deprecated and was renamed to " + renamed);
      return null;
    }
    String validity = LXC_KEYS.get(key);
    if (validity != null) {
      return validity.equals("1") ? null : validity;
    }
    if (key.startsWith("lxc.cgroup.")) {
      warnings.add("vm " + vmid + " - " + key + " is deprecated, this will be a hard error in the future!");
      return null;
    }
    if (key.startsWith("lxc.cgroup2.") || key.startsWith("lxc.prlimit.") || key.startsWith("lxc.net.")) {
      return null;
    }
    return "unknown";
  }

  // ---- writing ----

  /** The file's text: main section, then the snapshots sorted by name, as PVE writes them. */
  static String render(Guest g) {
    StringBuilder b = new StringBuilder();
    renderSection(b, g.type, g.config);
    for (Guest.Snapshot s : new TreeMap<>(g.snapshots).values()) {
      b.append('\n').append('[').append(s.name()).append("]\n");
      renderSection(b, g.type, s.config());
    }
    return b.toString();
  }

  /** Description as {@code #} lines, sorted {@code key: value} lines, then a container's raw lines. */
  private static void renderSection(StringBuilder b, GuestType type, Map<String, String> section) {
    String description = section.get("description");
    if (description != null && !description.isEmpty()) {
      // Perl's split drops trailing empty fields: "text\n", as PVE reads it back, is one line.
      for (String line : description.split("\n")) {
        b.append('#').append(encodeText(line)).append('\n');
      }
    }
    boolean lxc = type == GuestType.LXC;
    new TreeMap<>(section).forEach((k, v) -> {
      if (!k.equals("description") && !(lxc && (k.equals(RAW) || k.equals(ENV)))) {
        b.append(k).append(": ").append(v).append('\n');
      }
    });
    if (!lxc) {
      return;
    }
    String env = section.get(ENV);
    if (env != null && !env.isEmpty()) {
      for (String variable : env.split("\0+")) {
        b.append(ENV_KEY).append(": ").append(variable).append('\n');
      }
    }
    for (Raw r : raw(section)) {
      if (!r.key().equals(ENV_KEY)) {
        b.append(r.key()).append(": ").append(r.value()).append('\n');
      }
    }
  }

  // ---- reading ----

  /**
   * Reads a file as PVE's non-strict parser does: what PVE warns about is a warning here, and the
   * line is skipped. Unlike PVE, a value that fails the schema (or a key the schema does not
   * know) is skipped too, not kept, because the sandbox relies on its config's values being well
   * formed; values equal to {@code previous}'s (the guest's config before the edit, or null) are
   * taken unchecked, so an edit elsewhere in the file never loses what the sandbox itself wrote.
   */
  static Parsed parse(GuestType type, int vmid, String text, Guest previous) {
    boolean lxc = type == GuestType.LXC;
    Map<String, Map<String, Object>> schema = Schema.bundled()
        .endpoint(lxc ? "PUT" : "POST", "/nodes/{node}/" + type.path + "/{vmid}/config")
        .orElseThrow().parameters();
    List<String> warnings = new ArrayList<>();
    Map<String, String> main = new LinkedHashMap<>();
    Map<String, Map<String, String>> snapshots = new LinkedHashMap<>();
    Section s = new Section(main, previous == null ? Map.of() : previous.config);
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      Matcher m;
      if ((lxc ? LXC_PENDING : QEMU_PENDING).matcher(line).matches()
          || !lxc && QEMU_SPECIAL.matcher(line).matches()) {
        if (s != null) {
          s.finish(lxc);
        }
        warnings.add("vm " + vmid + " - skipping section " + line.strip()
            + ": the sandbox applies changes at once and keeps no pending or special sections");
        s = null;
        continue;
      } else if ((m = SNAPSHOT.matcher(line)).matches()) {
        if (s != null) {
          s.finish(lxc);
        }
        String name = m.group(1);
        if (snapshots.containsKey(name)) {
          warnings.add("vm " + vmid + " - duplicate snapshot section: " + name);
        }
        Map<String, String> section = new LinkedHashMap<>();
        snapshots.put(name, section);
        Guest.Snapshot old = previous == null ? null : previous.snapshots.get(name);
        s = new Section(section, old == null ? Map.of() : old.config());
        continue;
      } else if (!lxc && (m = OTHER_SECTION.matcher(line)).matches()) {
        if (s != null) {
          s.finish(false);
        }
        warnings.add("vm " + vmid + " - skipping unknown section: '" + m.group(1) + "'");
        s = null;
        continue;
      }
      if (s == null) {
        continue; // inside a skipped section
      }
      if (line.startsWith("#")) {
        s.description.append(decodeText(line.substring(1))).append('\n');
        s.hasDescription = true;
        continue;
      }
      if (lxc && (m = RAW_LINE.matcher(line)).matches()) {
        String key = m.group(1);
        String value = m.group(3);
        String refusal = refusal(vmid, key, warnings);
        if (key.equals(ENV_KEY)) {
          s.config.merge(ENV, value, (a, b) -> a + "\0" + b);
        } else if (refusal == null) {
          s.raw.add(new Raw(key, value));
        } else if (refusal.equals("unknown")) {
          warnings.add("vm " + vmid + " - unable to parse config: " + line);
        } else {
          warnings.add("vm " + vmid + " - " + key + ": " + refusal);
        }
      } else if ((m = DESCRIPTION_LINE.matcher(line)).matches()) {
        s.description.append(decodeText(m.group(2)));
        s.hasDescription = true;
      } else if ((m = SNAPSTATE_LINE.matcher(line)).find()) {
        s.config.put("snapstate", m.group(1));
      } else if (DELETE_LINE.matcher(line).matches()) {
        warnings.add("vm " + vmid + " - property 'delete' is only allowed in "
            + (lxc ? "[pve:pending]" : "[PENDING]"));
      } else if ((m = (lxc ? LXC_KEY_LINE : QEMU_KEY_LINE).matcher(line)).matches()) {
        String key = m.group(1);
        String value = m.group(2);
        String problem = value.equals(s.previous.get(key)) ? null : check(schema, key, value);
        if (problem == null) {
          s.config.put(key, value);
        } else {
          warnings.add("vm " + vmid + " - unable to parse value of '" + key + "' - " + problem + " (line skipped)");
        }
      } else {
        warnings.add("vm " + vmid + " - unable to parse config: " + line);
      }
    }
    if (s != null) {
      s.finish(lxc);
    }
    main.remove("snapstate"); // parse_pct_config: "just to be sure"
    return new Parsed(main, snapshots, warnings);
  }

  /** One section being read: its map, its description and raw lines so far, its old values. */
  private static final class Section {
    final Map<String, String> config;
    final Map<String, String> previous;
    final StringBuilder description = new StringBuilder();
    boolean hasDescription;
    final List<Raw> raw = new ArrayList<>();

    Section(Map<String, String> config, Map<String, String> previous) {
      this.config = config;
      this.previous = previous;
    }

    /**
     * pve-container keeps the description as read ({@code #} lines end in "\n") when not empty;
     * qemu-server strips its trailing white space and keeps even an empty one.
     */
    void finish(boolean lxc) {
      if (lxc) {
        if (description.length() > 0) {
          config.put("description", description.toString());
        }
        setRaw(config, raw);
      } else if (hasDescription) {
        config.put("description", description.toString().replaceAll("\\s+$", ""));
      }
    }
  }

  /** Why the schema refuses {@code key: value}; null when it takes it. */
  private static String check(Map<String, Map<String, Object>> schema, String key, String value) {
    Map<String, Object> ps = ParamValidator.propertySchema(schema, key);
    if (ps == null) {
      return STATE_KEYS.contains(key) ? null : "unknown setting '" + key + "'";
    }
    Map<String, String> errors = new LinkedHashMap<>();
    ParamValidator.checkProp(value, ps, key, errors);
    return errors.isEmpty() ? null : String.join("; ", errors.values());
  }

  // ---- PVE::ParseUtils::encode_text / decode_text ----

  /** Escapes control characters, non-ASCII bytes (as UTF-8), ':' and '%' as {@code %XX}. */
  static String encodeText(String text) {
    StringBuilder b = new StringBuilder();
    for (byte x : text.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%' && c != ':') {
        b.append((char) c);
      } else {
        b.append('%').append(String.format("%02X", c));
      }
    }
    return b.toString();
  }

  /** URI-unescapes every {@code %XX}, then reads the bytes as UTF-8. */
  static String decodeText(String data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] in = data.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < in.length; i++) {
      if (in[i] == '%' && i + 2 < in.length && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
        out.write(hex(in[i + 1]) * 16 + hex(in[i + 2]));
        i += 2;
      } else {
        out.write(in[i]);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static int hex(byte c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  }
}
