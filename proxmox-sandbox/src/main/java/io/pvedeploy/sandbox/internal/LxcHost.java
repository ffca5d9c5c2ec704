package io.pvedeploy.sandbox.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host side of real guests: checks the prerequisites, owns a runtime directory (marked with
 * an owner file), a bridge with NAT and a dnsmasq for DHCP/DNS, and removes all of it again, also
 * after a crashed run of the same runtime directory.
 */
final class LxcHost implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LxcHost.class);
  static final String INSTALL_HINT =
      "apt-get install -y lxc debootstrap dnsmasq-base iptables zstd iproute2 uidmap";
  static final int ID_BASE = 100_000;
  static final int ID_COUNT = 65_536;
  static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final Duration T = Duration.ofSeconds(30);
  private static final String[] TOOLS = {
    "lxc-start", "lxc-attach", "lxc-stop", "lxc-info", "lxc-usernsexec", "debootstrap", "dnsmasq",
    "iptables", "zstd", "ip", "tar", "cp", "rm", "sysctl", "ssh-keygen", "losetup"
  };
  private static final Pattern CIDR = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)\\.(\\d+)/(\\d+)");

  final Path runtimeDir;
  final Path lxcPath;
  final Path dumpDir;
  final Path snapshotsDir;
  /** Image files of VMs' data disks, attached to loop devices while their VM runs. */
  final Path disksDir;
  final String bridge;
  /** Gateway address on the bridge, e.g. 10.99.0.1. */
  final String gateway;
  final int prefix;
  final String subnet;
  final boolean appArmor;
  private final boolean tempRuntime;
  private final String natComment;
  private final Path netDir;
  private String previousIpForward;
  private volatile boolean closed;
  private Thread shutdownHook;
  private Runnable beforeClose = () -> { };

  /**
   * @param stateDir the sandbox's state directory, or null for a temp runtime directory
   * @param subnetCidr the guests' network, e.g. {@code 10.99.0.0/24}; the host takes .1
   */
  LxcHost(Path stateDir, String subnetCidr) {
    checkPrerequisites();
    Matcher m = CIDR.matcher(subnetCidr);
    if (!m.matches() || Integer.parseInt(m.group(5)) < 16 || Integer.parseInt(m.group(5)) > 28) {
      throw new IllegalArgumentException("guest subnet must be an IPv4 CIDR /16../28, got " + subnetCidr);
    }
    prefix = Integer.parseInt(m.group(5));
    long base = ipToLong(m.group(1) + "." + m.group(2) + "." + m.group(3) + "." + m.group(4)) & mask(prefix);
    subnet = longToIp(base) + "/" + prefix;
    gateway = longToIp(base + 1);
    appArmor = appArmorEnabled();
    try {
      if (stateDir != null) {
        runtimeDir = stateDir.toAbsolutePath().resolve("lxc-runtime");
        Files.createDirectories(runtimeDir);
        tempRuntime = false;
      } else {
        runtimeDir = Files.createTempDirectory("pvedeploy-sandbox-");
        tempRuntime = true;
      }
      Files.setPosixFilePermissions(runtimeDir, PosixFilePermissions.fromString("rwxr-xr-x"));
      checkTraversable(runtimeDir);
      lxcPath = mkdir(runtimeDir.resolve("lxc"));
      dumpDir = mkdir(runtimeDir.resolve("dump"));
      snapshotsDir = mkdir(runtimeDir.resolve("snapshots"));
      disksDir = mkdir(runtimeDir.resolve("disks"));
      netDir = mkdir(runtimeDir.resolve("net"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the sandbox's runtime directory", e);
    }
    cleanLeftovers();
    cleanDeadTempRuntimes();
    ensureSubIds();
    natComment = "pvedeploy-sandbox-" + UUID.randomUUID().toString().substring(0, 8);
    reclaimDeadBridges();
    bridge = freeBridgeName();
    writeOwner();
    shutdownHook = new Thread(this::close, "sandbox-lxc-teardown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    try {
      setUpNetwork();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Runs before the network goes away on close (stops the containers). */
  void beforeClose(Runnable r) {
    beforeClose = r;
  }

  // ---- prerequisites ----

  static void checkPrerequisites() {
    if (!isRoot()) {
      throw new IllegalStateException("Sandbox guests LXC need root (real containers, a bridge, NAT); "
          + "this JVM runs as uid " + uid() + ". Run as root, or use Guests.SIMULATED.");
    }
    List<String> missing = new ArrayList<>();
    for (String tool : TOOLS) {
      if (which(tool) == null) {
        missing.add(tool);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException("Sandbox guests LXC need " + missing + " on the host, which are missing. "
          + "Install them: " + INSTALL_HINT);
    }
  }

  static String which(String tool) {
    for (String dir : PATH.split(":")) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }

  private static boolean isRoot() {
    return "0".equals(uid());
  }

  private static String uid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[1];
        }
      }
    } catch (IOException e) {
      return "?";
    }
    return "?";
  }

  private static boolean appArmorEnabled() {
    Path p = Path.of("/sys/module/apparmor/parameters/enabled");
    try {
      return Files.exists(p) && Files.readString(p).trim().equals("Y");
    } catch (IOException e) {
      return false;
    }
  }

  /** Unprivileged containers map root to 100000; every directory above a rootfs must let it pass. */
  private static void checkTraversable(Path dir) throws IOException {
    for (Path p = dir; p != null; p = p.getParent()) {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
      if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
        throw new IllegalStateException("unprivileged containers' root (uid " + ID_BASE + ") cannot traverse " + p
            + " (mode " + PosixFilePermissions.toString(perms) + ") above the runtime directory " + dir
            + "; use a state directory whose parents are all mode 755 (or o+x), or none (a temp directory)");
      }
    }
  }

  private static void ensureSubIds() {
    for (String file : List.of("/etc/subuid", "/etc/subgid")) {
      Path p = Path.of(file);
      String line = "root:" + ID_BASE + ":" + ID_COUNT;
      try {
        String content = Files.exists(p) ? Files.readString(p) : "";
        if (!content.lines().anyMatch(l -> l.trim().equals(line))) {
          Files.writeString(p, (content.isEmpty() || content.endsWith("\n") ? content : content + "\n") + line + "\n");
          LOG.warn("added '{}' to {} so that unprivileged containers can map root to {}", line, file, ID_BASE);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot add " + line + " to " + file, e);
      }
    }
  }

  private static Path mkdir(Path p) throws IOException {
    Files.createDirectories(p);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  // ---- network ----

  private String freeBridgeName() {
    for (int n = 0; n < 1000; n++) {
      String name = "pvdsbx" + n;
      if (!Files.exists(Path.of("/sys/class/net", name))) {
        return name;
      }
    }
    throw new IllegalStateException("no free bridge name pvdsbx0..999");
  }

  private void setUpNetwork() {
    String routes = Proc.run(List.of("ip", "-4", "route", "show", "table", "all"), T).check().outText();
    long net = ipToLong(subnet.split("/")[0]);
    for (String line : routes.split("\n")) {
      String dest = line.trim().split("\\s+")[0];
      if (dest.isEmpty() || dest.equals("default") || dest.equals("broadcast") || dest.equals("local")
          || dest.equals("unreachable") || dest.equals("multicast")) {
        if (!dest.equals("local") && !dest.equals("broadcast")) {
          continue;
        }
        String[] parts = line.trim().split("\\s+");
        dest = parts.length > 1 ? parts[1] : "";
      }
      Matcher d = Pattern.compile("(\\d+\\.\\d+\\.\\d+\\.\\d+)(?:/(\\d+))?").matcher(dest);
      if (!d.matches()) {
        continue;
      }
      int p = d.group(2) == null ? 32 : Integer.parseInt(d.group(2));
      long dnet = ipToLong(d.group(1));
      int common = Math.min(p, prefix);
      if ((dnet & mask(common)) == (net & mask(common)) && !(dnet >>> 24 == 127)) {
        throw new IllegalStateException("the sandbox's guest network " + subnet + " overlaps the host's route '"
            + line.trim() + "'; " + routeOwner(line) + " Stop it, or choose another subnet "
            + "(system property pvedeploy.sandbox.subnet).");
      }
    }
    LOG.info("creating bridge {} ({}/{}) with NAT and dnsmasq for the sandbox's guests (PVE's vmbr0)", bridge, gateway, prefix);
    Proc.run(List.of("ip", "link", "add", bridge, "type", "bridge"), T).check();
    ProcessHandle self = ProcessHandle.current();
    Proc.run(List.of("ip", "link", "set", "dev", bridge, "alias",
        new BridgeOwner(self.pid(), startTime(self.pid()), natComment, runtimeDir.toString()).render()), T).check();
    Proc.run(List.of("ip", "addr", "add", gateway + "/" + prefix, "dev", bridge), T).check();
    Proc.run(List.of("ip", "link", "set", bridge, "up"), T).check();
    previousIpForward = Proc.run(List.of("sysctl", "-n", "net.ipv4.ip_forward"), T).check().outText().trim();
    writeOwner();
    if (!previousIpForward.equals("1")) {
      Proc.run(List.of("sysctl", "-q", "-w", "net.ipv4.ip_forward=1"), T).check();
    }
    Proc.run(List.of("iptables", "-w", "-t", "nat", "-A", "POSTROUTING", "-s", subnet, "!", "-d", subnet,
        "-j", "MASQUERADE", "-m", "comment", "--comment", natComment), T).check();
    Proc.run(List.of("iptables", "-w", "-I", "FORWARD", "-i", bridge, "-j", "ACCEPT",
        "-m", "comment", "--comment", natComment), T).check();
    Proc.run(List.of("iptables", "-w", "-I", "FORWARD", "-o", bridge, "-m", "conntrack", "--ctstate",
        "RELATED,ESTABLISHED", "-j", "ACCEPT", "-m", "comment", "--comment", natComment), T).check();
    long first = net + Math.max(2, Math.min(100, (1L << (32 - prefix)) / 2));
    long last = Math.min(first + 99, net + (1L << (32 - prefix)) - 2);
    Proc.run(List.of("dnsmasq", "--strict-order", "--bind-interfaces", "--interface=" + bridge,
        "--except-interface=lo", "--listen-address=" + gateway,
        "--dhcp-range=" + longToIp(first) + "," + longToIp(last) + ",12h",
        "--dhcp-leasefile=" + netDir.resolve("dnsmasq.leases"),
        "--pid-file=" + netDir.resolve("dnsmasq.pid"), "--conf-file=/dev/null", "--dhcp-authoritative",
        "--log-facility=" + netDir.resolve("dnsmasq.log")), T).check();
  }

  /** Who holds a route that overlaps ours, as far as the bridge's alias tells. */
  private static String routeOwner(String route) {
    Matcher dev = Pattern.compile("\\bdev (\\S+)").matcher(route);
    if (dev.find()) {
      BridgeOwner owner = BridgeOwner.parse(ifAlias(dev.group(1))).orElse(null);
      if (owner != null) {
        return "it belongs to the running sandbox pid " + owner.pid() + " with the runtime directory " + owner.dir() + ".";
      }
    }
    return "another program or network on this host uses it.";
  }

  private static String ifAlias(String device) {
    try {
      Path p = Path.of("/sys/class/net", device, "ifalias");
      return Files.exists(p) ? Files.readString(p).strip() : "";
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * Bridges of sandboxes that died without cleaning up (kill -9, a killed machine session) keep
   * their route and would block the network for good; each bridge names its owner in its alias,
   * so a dead owner's bridge, dnsmasq, NAT rules and containers are removed here.
   */
  private static void reclaimDeadBridges() {
    try (var s = Files.newDirectoryStream(Path.of("/sys/class/net"), "pvdsbx*")) {
      for (Path dev : s) {
        String br = dev.getFileName().toString();
        BridgeOwner owner = BridgeOwner.parse(ifAlias(br)).orElse(null);
        if (owner == null || alive(owner.pid(), owner.start())) {
          continue;
        }
        LOG.warn("removing bridge {} of a sandbox (pid {}, runtime directory {}) that died without cleaning up",
            br, owner.pid(), owner.dir());
        Path dir = Path.of(owner.dir());
        Properties leftover = readOwner(dir);
        if (String.valueOf(owner.pid()).equals(leftover.getProperty("pid"))) {
          cleanUp(dir, leftover, false);
        }
        stopDnsmasqOn(br);
        deleteRules(owner.natComment());
        if (Files.exists(dev)) {
          Proc.run(List.of("ip", "link", "del", br), T);
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot look for dead sandboxes' bridges", e);
    }
  }

  /** A dnsmasq still bound to a dead sandbox's bridge (its pid file may be gone with its directory). */
  private static void stopDnsmasqOn(String br) {
    ProcessHandle.allProcesses()
        .filter(h -> h.info().command().map(c -> c.endsWith("/dnsmasq")).orElse(false))
        .filter(h -> cmdline(h.pid()).contains("\0--interface=" + br + "\0"))
        .forEach(ProcessHandle::destroy);
  }

  private static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline")), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** The DHCP range's first address; static addresses below it never clash with leases. */
  String dhcpRange() {
    long net = ipToLong(subnet.split("/")[0]);
    long first = net + Math.max(2, Math.min(100, (1L << (32 - prefix)) / 2));
    return longToIp(first) + "-" + longToIp(Math.min(first + 99, net + (1L << (32 - prefix)) - 2));
  }

  // ---- ownership marker and leftovers ----

  private Path ownerFile() {
    return runtimeDir.resolve("owner.properties");
  }

  private void writeOwner() {
    Properties p = new Properties();
    ProcessHandle self = ProcessHandle.current();
    p.setProperty("pid", String.valueOf(self.pid()));
    p.setProperty("start", startTime(self.pid()));
    if (bridge != null) {
      p.setProperty("bridge", bridge);
    }
    if (natComment != null) {
      p.setProperty("natComment", natComment);
    }
    if (previousIpForward != null) {
      p.setProperty("previousIpForward", previousIpForward);
    }
    try (var w = Files.newBufferedWriter(ownerFile(), StandardCharsets.UTF_8)) {
      p.store(w, "pvedeploy sandbox runtime directory: the process that owns it and what it created");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + ownerFile(), e);
    }
  }

  /** The process's start time in clock ticks (field 22 of /proc/PID/stat), to tell a reused pid. */
  private static String startTime(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return f[19];
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private static boolean alive(Properties owner) {
    String pid = owner.getProperty("pid", "");
    return !pid.isEmpty() && alive(Long.parseLong(pid), owner.getProperty("start"));
  }

  /** Whether the process that wrote a marker still runs: same pid and same start time (pids get reused). */
  private static boolean alive(long pid, String start) {
    if (pid == ProcessHandle.current().pid()) {
      return false;
    }
    return Files.exists(Path.of("/proc", String.valueOf(pid))) && startTime(pid).equals(start);
  }

  private static Properties readOwner(Path dir) {
    Path f = dir.resolve("owner.properties");
    Properties p = new Properties();
    if (Files.exists(f)) {
      try (var r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException e) {
        LOG.warn("cannot read {}", f, e);
      }
    }
    return p;
  }

  /** A previous run of this runtime directory that crashed: stop its containers, drop its network. */
  private void cleanLeftovers() {
    Properties owner = readOwner(runtimeDir);
    if (owner.isEmpty()) {
      return;
    }
    if (alive(owner)) {
      throw new IllegalStateException("the runtime directory " + runtimeDir + " belongs to the running process "
          + owner.getProperty("pid") + " (another sandbox with the same state directory); stop it first");
    }
    LOG.warn("cleaning up after a sandbox (pid {}) that used {} and did not stop cleanly",
        owner.getProperty("pid"), runtimeDir);
    cleanUp(runtimeDir, owner, false);
  }

  /** Temp runtime directories of sandboxes whose JVM died (kill -9): same cleanup, then delete. */
  private void cleanDeadTempRuntimes() {
    Path tmp = runtimeDir.getParent();
    if (!tempRuntime) {
      tmp = Path.of(System.getProperty("java.io.tmpdir"));
    }
    try (var s = Files.newDirectoryStream(tmp, "pvedeploy-sandbox-*")) {
      for (Path dir : s) {
        if (dir.equals(runtimeDir) || !Files.isDirectory(dir)) {
          continue;
        }
        Properties owner = readOwner(dir);
        if (!owner.isEmpty() && !alive(owner)) {
          LOG.warn("cleaning up the leftovers of a dead sandbox (pid {}) in {}", owner.getProperty("pid"), dir);
          cleanUp(dir, owner, true);
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot look for dead sandboxes' leftovers in {}", tmp, e);
    }
  }

  private static void cleanUp(Path dir, Properties owner, boolean delete) {
    Path lxc = dir.resolve("lxc");
    if (Files.isDirectory(lxc)) {
      try (var s = Files.newDirectoryStream(lxc)) {
        for (Path ct : s) {
          if (Files.exists(ct.resolve("config"))) {
            Proc.run(List.of("lxc-stop", "-k", "-n", ct.getFileName().toString(), "-P", lxc.toString()), T);
          }
        }
      } catch (IOException e) {
        LOG.warn("cannot list containers in {}", lxc, e);
      }
    }
    detachLoops(dir.resolve("disks"));
    stopDnsmasq(dir.resolve("net"));
    String comment = owner.getProperty("natComment");
    if (comment != null) {
      deleteRules(comment);
    }
    String br = owner.getProperty("bridge");
    if (br != null && br.startsWith("pvdsbx") && Files.exists(Path.of("/sys/class/net", br))) {
      Proc.run(List.of("ip", "link", "del", br), T);
    }
    restoreIpForward(owner.getProperty("previousIpForward"));
    if (delete) {
      Proc.run(List.of("rm", "-rf", "--one-file-system", dir.toString()), Duration.ofMinutes(5));
    } else {
      try {
        Files.deleteIfExists(dir.resolve("owner.properties"));
      } catch (IOException e) {
        LOG.warn("cannot delete the owner marker in {}", dir, e);
      }
    }
  }

  // ---- loop devices of VMs' data disks ----

  /** Every attached loop device → its backing file (a deleted file's name ends in " (deleted)"). */
  @SuppressWarnings("unchecked")
  static Map<String, String> loops() {
    String json = Proc.run(List.of("losetup", "--json", "--list", "--output", "NAME,BACK-FILE"), T).check().outText();
    Map<String, String> res = new LinkedHashMap<>();
    if (json.isBlank()) {
      return res; // no loop device attached at all
    }
    for (Object o : (List<Object>) ((Map<String, Object>) Json.read(json)).get("loopdevices")) {
      Map<String, Object> l = (Map<String, Object>) o;
      res.put((String) l.get("name"), String.valueOf(l.get("back-file")));
    }
    return res;
  }

  /** Detaches the loop devices of image files in {@code disksDir} (their VMs are stopped). */
  static void detachLoops(Path disksDir) {
    if (!Files.isDirectory(disksDir)) {
      return;
    }
    String prefix;
    try {
      prefix = disksDir.toRealPath() + "/"; // the kernel names backing files by their real path
    } catch (IOException e) {
      LOG.warn("cannot resolve {}", disksDir, e);
      return;
    }
    Map<String, String> loops;
    try {
      loops = loops();
    } catch (RuntimeException e) {
      LOG.warn("cannot list loop devices; any of {} stay attached", disksDir, e); // the rest of the cleanup goes on
      return;
    }
    loops.forEach((loop, file) -> {
      if (file.startsWith(prefix)) {
        Proc.Result r = Proc.run(List.of("losetup", "-d", loop), T);
        if (!r.ok()) {
          LOG.warn("cannot detach {} from {}: {}", loop, file, r.describe());
        }
      }
    });
  }

  private static void stopDnsmasq(Path netDir) {
    Path pidFile = netDir.resolve("dnsmasq.pid");
    try {
      if (!Files.exists(pidFile)) {
        return;
      }
      String pid = Files.readString(pidFile).trim();
      Path cmdline = Path.of("/proc", pid, "cmdline");
      if (!pid.isEmpty() && Files.exists(cmdline)
          && new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8).contains(pidFile.toString())) {
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(h -> {
          h.destroy();
          try {
            h.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
          } catch (Exception e) {
            h.destroyForcibly();
          }
        });
      }
      Files.deleteIfExists(pidFile);
    } catch (IOException | NumberFormatException e) {
      LOG.warn("cannot stop dnsmasq from {}", pidFile, e);
    }
  }

  /** Deletes every iptables rule (nat and filter) that carries this sandbox's comment. */
  private static void deleteRules(String comment) {
    for (String table : List.of("nat", "filter")) {
      String rules = Proc.run(List.of("iptables", "-w", "-t", table, "-S"), T).outText();
      for (String rule : rules.split("\n")) {
        if (rule.startsWith("-A ") && rule.contains("--comment " + comment)) {
          List<String> argv = new ArrayList<>(List.of("iptables", "-w", "-t", table, "-D"));
          for (String tok : rule.substring(3).trim().split("\\s+")) {
            argv.add(tok.replace("\"", ""));
          }
          Proc.run(argv, T);
        }
      }
    }
  }

  private static void restoreIpForward(String previous) {
    if (!"0".equals(previous)) {
      return;
    }
    try (var s = Files.newDirectoryStream(Path.of("/sys/class/net"), "pvdsbx*")) {
      if (s.iterator().hasNext()) {
        return; // another sandbox still forwards
      }
    } catch (IOException e) {
      return;
    }
    Proc.run(List.of("sysctl", "-q", "-w", "net.ipv4.ip_forward=0"), T);
  }

  /** Stops everything this sandbox created on the host; idempotent; also the JVM's shutdown hook. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      beforeClose.run();
    } catch (RuntimeException e) {
      LOG.warn("stopping the sandbox's containers failed", e);
    }
    Properties owner = new Properties();
    owner.setProperty("bridge", bridge == null ? "" : bridge);
    if (natComment != null) {
      owner.setProperty("natComment", natComment);
    }
    if (previousIpForward != null) {
      owner.setProperty("previousIpForward", previousIpForward);
    }
    cleanUp(runtimeDir, owner, tempRuntime);
    if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down already
      }
    }
    LOG.info("removed the sandbox's containers, bridge {}, NAT rules and dnsmasq", bridge);
  }

  // ---- addresses ----

  static long ipToLong(String ip) {
    String[] p = ip.split("\\.");
    return (Long.parseLong(p[0]) << 24) | (Long.parseLong(p[1]) << 16) | (Long.parseLong(p[2]) << 8) | Long.parseLong(p[3]);
  }

  static String longToIp(long v) {
    return ((v >> 24) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 8) & 0xff) + "." + (v & 0xff);
  }

  private static long mask(int prefix) {
    return prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
  }
}
