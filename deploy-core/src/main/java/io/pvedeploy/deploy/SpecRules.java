package io.pvedeploy.deploy;

import io.pvedeploy.deploy.internal.Durations;
import io.pvedeploy.deploy.internal.Ipv4;
import io.pvedeploy.docker.ComposeProject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Every rule a {@link DeploymentSpec} must keep, checked all at once. Problems name fields by
 * their YAML path; the YAML loader adds lines and columns.
 */
final class SpecRules {
  static final Pattern APP = Pattern.compile("[a-z][a-z0-9-]{0,39}");
  static final Pattern SECRET_NAME = Pattern.compile("[a-z0-9_][a-z0-9_.-]{0,63}");
  static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  static final Pattern NODE = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?");
  static final Pattern STORAGE = Pattern.compile("[a-z][a-z0-9_.-]*[a-z0-9]");
  static final Pattern VOLUME_ID = Pattern.compile("[a-z][a-z0-9_.-]*[a-z0-9]:[^\\s,;'\"`$\\\\]+");
  static final Pattern BRIDGE = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,14}");
  static final Pattern LABEL = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?");
  static final Pattern GUEST_PATH = Pattern.compile("(/[A-Za-z0-9_.@+-]+)+");
  private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
  private static final String DOMAIN = "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
      + "(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?/)";
  static final Pattern IMAGE = Pattern.compile(DOMAIN + "?" + COMPONENT + "(?:/" + COMPONENT + ")*"
      + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?");
  private static final Set<String> SYSTEM_DIRS = Set.of("/", "/bin", "/boot", "/etc", "/lib", "/lib64",
      "/sbin", "/usr", "/var", "/run", "/tmp", "/root", "/home", "/opt", "/var/lib", "/var/lib/docker");
  static final int MIN_VMID = 100;
  static final int MAX_VMID = 999_999_999;
  static final int MIN_MEMORY_MB = 256;
  static final int MAX_MEMORY_MB = 4 * 1024 * 1024;
  static final int MIN_DISK_GB = 2;
  static final int MAX_DISK_GB = 65_536;
  static final int MAX_CORES = 8192;
  static final int MAX_RELEASES = 100;
  static final Duration MIN_DEADLINE = Duration.ofSeconds(5);
  static final Duration MAX_DEADLINE = Duration.ofHours(24);
  static final String TEMPLATE_EXAMPLE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";

  private final List<SpecProblem> problems = new ArrayList<>();

  private SpecRules() {}

  static List<SpecProblem> check(String app, GuestSpec guest, DockerSpec docker, ComposeSpec compose,
      List<SecretSpec> secrets, HealthSpec health, int releasesToKeep, Requirements requirements) {
    SpecRules r = new SpecRules();
    r.app(app);
    r.guest(guest, requirements == null ? Requirements.none() : requirements);
    r.docker(docker);
    r.compose(compose);
    r.secrets(secrets);
    r.health(health);
    if (releasesToKeep < 1 || releasesToKeep > MAX_RELEASES) {
      r.add("releases", releasesToKeep + " is out of range: keep 1 to " + MAX_RELEASES + " releases ("
          + ComposeProject.DEFAULT_RELEASES_KEPT + " by default; older ones are pruned, the last good one"
          + " is what a failed release rolls back to)");
    }
    r.requirements(requirements);
    return List.copyOf(r.problems);
  }

  private void add(String field, String message) {
    problems.add(SpecProblem.of(field, message));
  }

  private void app(String app) {
    if (app == null || app.isBlank()) {
      add("app", "required: the app's name, e.g. shop");
    } else if (!APP.matcher(app).matches()) {
      add("app", quote(app) + " is not an app name: a lower-case letter, then up to 39 lower-case letters,"
          + " digits or '-' (it names the compose project, its directories and labels)");
    }
  }

  private void guest(GuestSpec g, Requirements req) {
    if (g == null) {
      add("guest", "required: the guest to run in (kind, template, network …)");
      return;
    }
    if (g.kind() == null) {
      add("guest.kind", "required: lxc or vm");
    }
    template(g);
    g.vmid().ifPresent(id -> {
      if (id < MIN_VMID || id > MAX_VMID) {
        add("guest.vmid", id + " is out of range: PVE guest ids are " + MIN_VMID + " to " + MAX_VMID
            + " (or leave vmid out to let the planner pick a free one)");
      } else if (g.template() instanceof GuestTemplate.VmTemplate t && t.vmid() == id) {
        add("guest.vmid", id + " is the template itself; the clone needs its own id");
      }
    });
    if (g.placement() instanceof Placement.OnNode n) {
      if (n.node() == null || !NODE.matcher(n.node()).matches()) {
        add("guest.node", quote(n.node()) + " is not a PVE node name (letters, digits and inner '-', e.g."
            + " pve1)");
      }
    }
    g.hostname().ifPresent(h -> {
      if (!isDnsName(h)) {
        add("guest.hostname", quote(h) + " is not a host name (dot-separated labels of letters, digits"
            + " and inner '-', each at most 63 characters)");
      }
    });
    if (g.cores() < 1 || g.cores() > MAX_CORES) {
      add("guest.cores", g.cores() + " is out of range: 1 to " + MAX_CORES);
    } else if (req.minCores() > 0 && g.cores() < req.minCores()) {
      add("guest.cores", g.cores() + " cores is below the " + req.minCores()
          + " the stack requires (requirements.minCores)");
    }
    if (g.memoryMb() < MIN_MEMORY_MB || g.memoryMb() > MAX_MEMORY_MB) {
      add("guest.memory", g.memoryMb() + " MiB is out of range: " + MIN_MEMORY_MB + " to " + MAX_MEMORY_MB
          + " MiB (Docker alone needs about 200 MiB)");
    } else if (req.minMemoryMb() > 0 && g.memoryMb() < req.minMemoryMb()) {
      add("guest.memory", g.memoryMb() + " MiB is below the " + req.minMemoryMb()
          + " MiB the stack requires (requirements.minMemory)");
    }
    if (g.diskGb() < MIN_DISK_GB || g.diskGb() > MAX_DISK_GB) {
      add("guest.disk", g.diskGb() + " GiB is out of range: " + MIN_DISK_GB + " to " + MAX_DISK_GB
          + " GiB (the OS and Docker's images live there)");
    } else if (req.minDiskGb() > 0 && g.diskGb() < req.minDiskGb()) {
      add("guest.disk", g.diskGb() + " GiB is below the " + req.minDiskGb()
          + " GiB the stack requires (requirements.minDisk)");
    }
    if (g.storage() == null || !STORAGE.matcher(g.storage()).matches()) {
      add("guest.storage", quote(g.storage()) + " is not a PVE storage id (a lower-case letter, then"
          + " [a-z0-9-_.], e.g. local-lvm)");
    }
    g.data().ifPresent(this::data);
    network(g.network());
    security(g);
  }

  private void template(GuestSpec g) {
    GuestTemplate t = g.template();
    if (t == null) {
      add("guest.template", "required: for lxc an OS template volume like " + TEMPLATE_EXAMPLE
          + "; for vm the vmid of a VM template with cloud-init and the guest agent, e.g. 9000");
      return;
    }
    if (t instanceof GuestTemplate.OsTemplate os) {
      if (g.kind() == GuestKind.VM) {
        add("guest.template", "a vm is cloned from a VM template's id (e.g. 9000), not from the container"
            + " template " + quote(os.volumeId()) + "; for a container write kind: lxc");
      } else if (os.volumeId() == null || !VOLUME_ID.matcher(os.volumeId()).matches()) {
        add("guest.template", quote(os.volumeId()) + " is not a PVE volume id (STORAGE:PATH, e.g. "
            + TEMPLATE_EXAMPLE + ")");
      }
    } else if (t instanceof GuestTemplate.VmTemplate vm) {
      if (g.kind() == GuestKind.LXC) {
        add("guest.template", "an lxc container is made from an OS template volume (e.g. " + TEMPLATE_EXAMPLE
            + "), not from VM " + vm.vmid() + "; to clone VM template " + vm.vmid() + " write kind: vm");
      } else if (vm.vmid() < MIN_VMID || vm.vmid() > MAX_VMID) {
        add("guest.template", vm.vmid() + " is out of range: PVE guest ids are " + MIN_VMID + " to " + MAX_VMID);
      }
    }
  }

  private void data(DataVolume d) {
    if (d.sizeGb() < 1 || d.sizeGb() > MAX_DISK_GB) {
      add("guest.data.size", d.sizeGb() + " GiB is out of range: 1 to " + MAX_DISK_GB + " GiB");
    }
    String p = d.mountPath();
    if (p == null || !p.startsWith("/")) {
      add("guest.data.path", quote(p) + " is not an absolute path in the guest (e.g. "
          + DataVolume.DEFAULT_MOUNT_PATH + ")");
    } else if (!GUEST_PATH.matcher(p).matches() || p.contains("/./") || p.contains("/../")
        || p.endsWith("/.") || p.endsWith("/..")) {
      add("guest.data.path", quote(p) + " is not a plain absolute path: letters, digits and . _ @ + -"
          + " between slashes, no '.' or '..' steps, no trailing slash");
    } else if (SYSTEM_DIRS.contains(p) || p.startsWith("/proc/") || p.startsWith("/sys/")
        || p.startsWith("/dev/") || p.equals("/proc") || p.equals("/sys") || p.equals("/dev")) {
      add("guest.data.path", quote(p) + " is a system directory; mount the data volume on a directory of"
          + " its own, e.g. " + DataVolume.DEFAULT_MOUNT_PATH);
    }
  }

  private void network(NetworkSpec n) {
    if (n == null) {
      add("guest.network", "required: the bridge and a static ipv4 with its gateway (or ipv4: dhcp)");
      return;
    }
    if (n.bridge() == null || !BRIDGE.matcher(n.bridge()).matches()) {
      add("guest.network.bridge", quote(n.bridge()) + " is not a bridge name (e.g. vmbr0; at most 15"
          + " characters)");
    }
    n.vlan().ifPresent(v -> {
      if (v < 1 || v > 4094) {
        add("guest.network.vlan", v + " is out of range: VLAN tags are 1 to 4094");
      }
    });
    Addressing a = n.addressing();
    if (a == null) {
      add("guest.network.ipv4", "required: a static address with its prefix, like 10.0.0.20/24, and a"
          + " gateway; or ipv4: dhcp to ask for DHCP (the address may then move)");
    } else if (a instanceof Addressing.Static s) {
      staticAddress(s);
    }
  }

  private void staticAddress(Addressing.Static s) {
    String cidr = s.cidr();
    int slash = cidr == null ? -1 : cidr.indexOf('/');
    OptionalLong address = slash < 0 ? OptionalLong.empty() : Ipv4.parse(cidr.substring(0, slash));
    int prefix = Ipv4.prefix(cidr);
    if (address.isEmpty() || prefix < 8 || prefix > 32) {
      String hint = slash < 0 && Ipv4.parse(cidr).isPresent()
          ? " (the prefix is missing: write e.g. " + cidr + "/24)"
          : " (expected like 10.0.0.20/24)";
      add("guest.network.ipv4", quote(cidr) + " is not an IPv4 address with prefix" + hint);
      address = OptionalLong.empty();
    } else if (prefix <= 30) {
      long mask = Ipv4.mask(prefix);
      long host = address.getAsLong() & ~mask & 0xffffffffL;
      if (host == 0) {
        add("guest.network.ipv4", quote(cidr) + " is the network's own address, not a host's (e.g. "
            + Ipv4.format(address.getAsLong() + 20) + "/" + prefix + ")");
        address = OptionalLong.empty();
      } else if (host == (~mask & 0xffffffffL)) {
        add("guest.network.ipv4", quote(cidr) + " is the network's broadcast address, not a host's");
        address = OptionalLong.empty();
      }
    }
    if (s.gateway().isEmpty()) {
      return; // an isolated network, asked for explicitly
    }
    String gw = s.gateway().get();
    OptionalLong gateway = Ipv4.parse(gw);
    if (gateway.isEmpty()) {
      add("guest.network.gateway", quote(gw) + " is not an IPv4 address (expected like 10.0.0.1)");
    } else if (address.isPresent()) {
      long mask = Ipv4.mask(prefix);
      long a = address.getAsLong();
      long g = gateway.getAsLong();
      if ((a & mask) != (g & mask)) {
        add("guest.network.gateway", gw + " is outside the guest's subnet " + Ipv4.format(a & mask) + "/"
            + prefix + " (" + cidr + "); the gateway must be reachable on the link");
      } else if (a == g) {
        add("guest.network.gateway", gw + " is the guest's own address; the gateway is the router");
      }
    }
  }

  private void security(GuestSpec g) {
    SecurityPolicy s = g.security();
    checkReason(s.privilegedReason(), "guest.security.privileged",
        "a privileged container needs a stated reason (its root is the node's root); Docker runs in an"
            + " unprivileged container with nesting=1,keyctl=1");
    checkReason(s.apparmorUnconfinedReason(), "guest.security.apparmorUnconfined",
        "turning AppArmor off needs a stated reason");
    if (g.kind() == GuestKind.VM) {
      if (s.privilegedReason().isPresent()) {
        add("guest.security.privileged", "applies to LXC containers only; a VM has no privileged mode,"
            + " remove it (or write kind: lxc)");
      }
      if (s.apparmorUnconfinedReason().isPresent()) {
        add("guest.security.apparmorUnconfined", "applies to LXC containers only; remove it (or write kind:"
            + " lxc)");
      }
    }
  }

  private void checkReason(Optional<String> reason, String field, String why) {
    if (reason.isPresent()) {
      String r = reason.get();
      if (r.isBlank()) {
        add(field + ".reason", why);
      } else if (r.length() > 500 || r.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        add(field + ".reason", "a reason is one line of at most 500 characters");
      }
    }
  }

  private void docker(DockerSpec d) {
    if (d == null || d.daemon() == null) {
      add("docker", "required: the Docker daemon's settings (DockerSpec.defaults() for ours)");
    }
  }

  private void compose(ComposeSpec c) {
    if (c == null) {
      add("compose", "required: the compose bundle's directory (bundle:) and the images to ship");
      return;
    }
    if (c.bundleDirectory() == null) {
      add("compose.bundle", "required: the directory with docker-compose.yml (relative to the spec's file)");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < c.images().size(); i++) {
      ImageSpec image = c.images().get(i);
      String field = "compose.images[" + i + "]";
      String problem = imageProblem(image == null ? null : image.reference());
      if (problem != null) {
        add(field, problem);
      } else if (!seen.add(image.reference())) {
        add(field, quote(image.reference()) + " is listed twice");
      }
    }
  }

  static String imageProblem(String ref) {
    if (ref == null || ref.isEmpty()) {
      return "an image reference must not be empty (e.g. shop/backend:1.4)";
    }
    String bad = null;
    if (ref.indexOf('\n') >= 0 || ref.indexOf('\r') >= 0) {
      bad = "a line break";
    } else if (ref.chars().anyMatch(Character::isWhitespace)) {
      bad = "a space";
    } else if (ref.indexOf('\'') >= 0 || ref.indexOf('"') >= 0 || ref.indexOf('`') >= 0) {
      bad = "a quote";
    } else if (ref.indexOf('$') >= 0) {
      bad = "'$' (shell expansion)";
    } else if (ref.indexOf(';') >= 0 || ref.indexOf('&') >= 0 || ref.indexOf('|') >= 0
        || ref.indexOf('<') >= 0 || ref.indexOf('>') >= 0 || ref.indexOf('\\') >= 0) {
      bad = "a shell metacharacter";
    } else if (ref.chars().anyMatch(ch -> ch < 0x20 || ch > 0x7e)) {
      bad = "a character outside printable ASCII";
    }
    if (bad != null) {
      return quote(ref) + " contains " + bad + "; an image reference is like shop/backend:1.4 or"
          + " registry.example:5000/shop/backend:1.4";
    }
    if (ref.length() > 512 || !IMAGE.matcher(ref).matches()) {
      return quote(ref) + " is not an image reference: lower-case path components separated by '/', a"
          + " tag after ':' (e.g. shop/backend:1.4), optionally @sha256:<digest>";
    }
    String last = ref.substring(ref.lastIndexOf('/') + 1);
    if (last.indexOf(':') < 0 && last.indexOf('@') < 0) {
      return quote(ref) + " has no tag: name the version you built, e.g. " + ref + ":1.0 (no tag means"
          + " :latest, which moves)";
    }
    return null;
  }

  private void secrets(List<SecretSpec> secrets) {
    if (secrets == null) {
      return;
    }
    Map<String, String> files = new TreeMap<>();
    Set<String> names = new HashSet<>();
    for (SecretSpec s : secrets) {
      String name = s.name();
      String base = "secrets." + name;
      if (name == null || !SECRET_NAME.matcher(name).matches()) {
        add(base, quote(name) + " is not a secret name: a lower-case letter, digit or '_', then up to 63"
            + " of [a-z0-9_.-] (it becomes a file name and a compose key)");
      } else if (!names.add(name)) {
        add(base, "declared twice; each secret is declared once, with every service that gets it");
        continue;
      }
      generator(base, s.generate());
      Set<String> services = new HashSet<>();
      for (int i = 0; i < s.services().size(); i++) {
        String svc = s.services().get(i);
        String f = base + ".services[" + i + "]";
        if (svc == null || !SERVICE.matcher(svc).matches()) {
          add(f, quote(svc) + " is not a compose service name (letters, digits, _ . -)");
        } else if (!services.add(svc)) {
          add(f, quote(svc) + " is listed twice");
        }
      }
      if (s.fileName().isPresent()) {
        String file = s.fileName().get();
        if (!FILE_NAME.matcher(file).matches() || file.equals(".") || file.equals("..")) {
          add(base + ".file", quote(file) + " is not a file name (letters, digits, _ . -; no '/')");
          continue;
        }
      }
      String previous = files.putIfAbsent(s.effectiveFileName(), name);
      if (previous != null) {
        add(s.fileName().isPresent() ? base + ".file" : base, "its file name " + quote(s.effectiveFileName())
            + " is also secret " + quote(previous) + "'s; give one of them another file:");
      }
    }
  }

  private void generator(String base, GeneratorSpec g) {
    if (g == null) {
      add(base + ".generate", "required: password, hex, base64, or never (a value someone puts into the"
          + " store)");
    } else if (g instanceof GeneratorSpec.Password p) {
      if (p.length() < 4 || p.length() > 4096) {
        add(base + ".length", p.length() + " is out of range: a password has 4 to 4096 characters");
      }
      String a = p.alphabet();
      if (a == null || a.length() < 2 || a.length() > 256 || a.chars().distinct().count() != a.length()
          || a.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
        add(base + ".alphabet", "an alphabet is 2 to 256 distinct printable ASCII characters without spaces");
      }
    } else if (g instanceof GeneratorSpec.Hex h) {
      bytes(base, h.bytes());
    } else if (g instanceof GeneratorSpec.Base64 b) {
      bytes(base, b.bytes());
    }
  }

  private void bytes(String base, int bytes) {
    if (bytes < 8 || bytes > 4096) {
      add(base + ".bytes", bytes + " is out of range: 8 to 4096 random bytes");
    }
  }

  private void health(HealthSpec h) {
    Duration d = h == null ? null : h.deadline();
    if (d == null) {
      add("health.deadline", "required: how long services have to become healthy, e.g. 3m");
    } else if (d.compareTo(MIN_DEADLINE) < 0 || d.compareTo(MAX_DEADLINE) > 0) {
      add("health.deadline", Durations.format(d) + " is out of range: 5s to 24h");
    } else if (d.getNano() != 0) {
      add("health.deadline", d + " is not a whole number of seconds");
    }
  }

  private void requirements(Requirements r) {
    if (r == null) {
      return;
    }
    if (r.minMemoryMb() < 0 || r.minMemoryMb() > MAX_MEMORY_MB) {
      add("requirements.minMemory", r.minMemoryMb() + " is out of range: 0 (none) to " + MAX_MEMORY_MB + " MiB");
    }
    if (r.minCores() < 0 || r.minCores() > MAX_CORES) {
      add("requirements.minCores", r.minCores() + " is out of range: 0 (none) to " + MAX_CORES);
    }
    if (r.minDiskGb() < 0 || r.minDiskGb() > MAX_DISK_GB) {
      add("requirements.minDisk", r.minDiskGb() + " is out of range: 0 (none) to " + MAX_DISK_GB + " GiB");
    }
  }

  static boolean isDnsName(String name) {
    if (name == null || name.isEmpty() || name.length() > 253) {
      return false;
    }
    for (String label : name.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }

  static String quote(String s) {
    return s == null ? "(none)" : "'" + s.replace("\n", "\\n").replace("\r", "\\r") + "'";
  }
}
