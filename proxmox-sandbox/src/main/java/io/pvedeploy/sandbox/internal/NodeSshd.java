package io.pvedeploy.sandbox.internal;

import io.pvedeploy.sandbox.SshEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox node's shell: a real OpenSSH server on 127.0.0.1 with its own config, host key and
 * one authorized client key, whose sessions find the sandbox's {@code pct}, {@code qm} and {@code
 * vzdump} first on their PATH. Everything lives in one private directory that {@link #close()}
 * removes; the sshd dies with the JVM.
 *
 * <p>sshd runs in a private mount namespace of its own ({@code unshare --mount}), where {@code
 * /etc} is an overlay (the host's {@code /etc} below, an upper directory in the private
 * directory) and {@code /etc/pve} is a bind of the sandbox's {@link EtcPve} stand-in: its
 * sessions see the node's {@code /etc/pve}, and whatever they write under {@code /etc} stays in
 * the overlay, so the host's {@code /etc} is never touched. The shell execs sshd, which keeps the
 * pid that {@link Process}, the pid file and the cleanup of dead owners know; the mounts exist
 * only in the namespace and go away with its last process.
 */
final class NodeSshd implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeSshd.class);
  private static final String SSHD = "/usr/sbin/sshd";
  private static final String KEYGEN = "ssh-keygen";
  private static final String PYTHON = "/usr/bin/python3";
  private static final List<String> CLI = List.of("pct", "qm", "vzdump", "pvecli.py");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
  private static final String PREFIX = "pvedeploy-node-ssh-";
  private static final String OWNER = "owner.pid";
  /** In the private directory: the overlay's upper, work and (until moved onto /etc) mount directories. */
  private static final String ETC_UPPER = "etc-upper";
  private static final String ETC_WORK = "etc-work";
  private static final String ETC_MERGED = "etc-merged";
  /** In the private directory: the /etc/pve stand-in, bound on the namespace's /etc/pve. */
  private static final String ETC_PVE = "etc-pve";
  private static final String UNSHARE = "unshare";
  private static final String MOUNT = "mount";
  /** The namespace script's exit code when a mount fails (sshd exits 255, unshare 1). */
  private static final int MOUNT_FAILED = 97;
  /**
   * Run by {@code sh} inside the new mount namespace (private propagation: nothing leaks to the
   * host): mounts the overlay aside first, so that bind mounts below the host's /etc (a
   * container's resolv.conf and hosts) can be carried onto it, moves it onto /etc, binds the
   * stand-in on /etc/pve, then becomes sshd. Arguments: upper, work, merged, stand-in, sshd,
   * config, then /etc's submounts relative to /etc.
   */
  private static final String NAMESPACE_SCRIPT = String.join("\n",
      "upper=$1 work=$2 merged=$3 pve=$4 sshd=$5 config=$6",
      "shift 6",
      "fail() { echo \"pvedeploy node shell: $*\" >&2; exit " + MOUNT_FAILED + "; }",
      "mount -t overlay pvedeploy-etc -o \"lowerdir=/etc,upperdir=$upper,workdir=$work\" \"$merged\""
          + " || fail \"cannot mount an overlay of /etc (upper $upper)\"",
      "for m in \"$@\"; do",
      "  mount --rbind \"/etc/$m\" \"$merged/$m\" || fail \"cannot carry /etc/$m onto the overlay\"",
      "done",
      "mount --move \"$merged\" /etc || fail \"cannot move the overlay onto /etc\"",
      "mkdir -p /etc/pve && mount --bind \"$pve\" /etc/pve || fail \"cannot bind $pve on /etc/pve\"",
      "exec \"$sshd\" -D -e -f \"$config\"");

  /** What the CLI needs to reach the API: written, with the secrets, to a 0600 file. */
  record ApiAccess(String url, String node, String tokenId, String tokenSecret, String user, String password, String certificatePem) {}

  private final Path dir;
  private final Process process;
  private final SshEndpoint endpoint;
  private final Thread killer;

  private NodeSshd(Path dir, Process process, SshEndpoint endpoint, Thread killer) {
    this.dir = dir;
    this.process = process;
    this.endpoint = endpoint;
    this.killer = killer;
  }

  static NodeSshd start(ApiAccess access) {
    requireTools();
    cleanUpAfterDeadOwners();
    Path dir;
    try {
      dir = Files.createTempDirectory(PREFIX, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the node sshd's directory", e);
    }
    try {
      if (dir.toString().contains(",")) {
        throw new IllegalStateException("the node shell's directory " + dir + " has a ',' in its path, which the "
            + "overlay mount's options cannot carry; point java.io.tmpdir at a directory without one");
      }
      Files.writeString(dir.resolve(OWNER), String.valueOf(ProcessHandle.current().pid()));
      Path cli = installCli(dir, access);
      keygen(dir.resolve("ssh_host_ed25519_key"), "pvedeploy-sandbox-host");
      Path identity = dir.resolve("id_ed25519");
      keygen(identity, "pvedeploy-sandbox-client");
      Files.copy(dir.resolve("id_ed25519.pub"), dir.resolve("authorized_keys"));
      Files.createDirectories(Path.of("/run/sshd"));
      for (String d : List.of(ETC_UPPER, ETC_WORK, ETC_MERGED, ETC_PVE)) {
        Files.createDirectory(dir.resolve(d));
      }
      // The upper directory is the overlay's root, so the namespace's /etc gets its mode.
      Files.setPosixFilePermissions(dir.resolve(ETC_UPPER), PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.setPosixFilePermissions(dir.resolve(ETC_PVE), PosixFilePermissions.fromString("rwxr-xr-x"));
      IllegalStateException last = null;
      for (int attempt = 0; attempt < 3; attempt++) {
        int port = freePort();
        try {
          return launch(dir, cli, identity, port);
        } catch (NamespaceFailed e) {
          throw e; // another port will not help
        } catch (IllegalStateException e) {
          last = e; // most likely someone took the port between probe and bind; try another
        }
      }
      throw last;
    } catch (IOException | RuntimeException e) {
      deleteTree(dir);
      if (e instanceof IOException io) {
        throw new UncheckedIOException("cannot set up the node's sshd in " + dir, io);
      }
      throw (RuntimeException) e;
    }
  }

  /** The node shell's private mount namespace could not be set up: retrying will not help. */
  private static final class NamespaceFailed extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    NamespaceFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static NodeSshd launch(Path dir, Path cli, Path identity, int port) throws IOException {
    Path config = dir.resolve("sshd_config");
    Files.writeString(config, String.join("\n",
        "# The pvedeploy sandbox node's sshd; generated, removed when the sandbox closes.",
        "Port " + port,
        "ListenAddress 127.0.0.1",
        "HostKey " + dir.resolve("ssh_host_ed25519_key"),
        "PidFile " + dir.resolve("sshd.pid"),
        "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
        "PubkeyAuthentication yes",
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "PermitUserEnvironment no",
        "PrintMotd no",
        "PrintLastLog no",
        "X11Forwarding no",
        "AllowTcpForwarding no",
        "MaxStartups 100:30:200",
        // The CLI first on PATH. SHLVL=1 makes bash skip ~/.bashrc (it reads it for sshd's
        // top-level shells only): the node's shell stays a pristine PVE root shell, whatever
        // the host's root has set up (a pyenv init there costs seconds per command).
        "SetEnv PATH=" + cli + ":/usr/sbin:/usr/bin:/sbin:/bin SHLVL=1 LC_ALL=C.UTF-8",
        "Subsystem sftp internal-sftp",
        ""));
    Path log = dir.resolve("sshd.log");
    List<String> command = new ArrayList<>(List.of(UNSHARE, "--mount", "--propagation", "private", "--",
        "/bin/sh", "-c", NAMESPACE_SCRIPT, "pvedeploy-node-shell",
        dir.resolve(ETC_UPPER).toString(), dir.resolve(ETC_WORK).toString(), dir.resolve(ETC_MERGED).toString(),
        dir.resolve(ETC_PVE).toString(), SSHD, config.toString()));
    command.addAll(etcSubmounts());
    Process p = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    Thread killer = new Thread(() -> destroyTree(p), "sandbox-sshd-kill");
    Runtime.getRuntime().addShutdownHook(killer);
    try {
      awaitBanner(p, port, log);
    } catch (IllegalStateException e) {
      destroyTree(p);
      removeHook(killer);
      int exit = p.isAlive() ? -1 : p.exitValue();
      String tail = tail(log);
      if (exit == MOUNT_FAILED || exit == 1 && tail.contains("unshare")) {
        throw new NamespaceFailed("cannot start the node shell: its sshd runs in a private mount namespace where /etc is "
            + "an overlay of the host's /etc (upper directory " + dir.resolve(ETC_UPPER) + ") and /etc/pve is the sandbox's "
            + "stand-in, and setting that up failed: " + tail + ". It needs root (CAP_SYS_ADMIN), util-linux's "
            + "unshare and mount, and overlayfs in the kernel (modprobe overlay; in a container, run it "
            + "privileged); the upper directory must be on a file system overlayfs accepts as upper (ext4, xfs, "
            + "tmpfs; not overlayfs itself): point java.io.tmpdir at one. The host's /etc is never changed.", e);
      }
      throw e;
    }
    String hostKey = Files.readString(dir.resolve("ssh_host_ed25519_key.pub")).trim();
    String[] parts = hostKey.split(" ");
    Path knownHosts = dir.resolve("known_hosts");
    Files.writeString(knownHosts, "[127.0.0.1]:" + port + " " + parts[0] + " " + parts[1] + "\n");
    String user = System.getProperty("user.name", "root");
    LOG.info("node shell: ssh -i {} -o UserKnownHostsFile={} -p {} {}@127.0.0.1", identity, knownHosts, port, user);
    return new NodeSshd(dir, p, new SshEndpoint("127.0.0.1", port, user, identity, knownHosts), killer);
  }

  /**
   * The mount points strictly below /etc (a container's resolv.conf, hosts, hostname), relative
   * to /etc, outermost only: an overlay's lower layer shows what is under them, so the namespace
   * script binds each onto the overlay again.
   */
  private static List<String> etcSubmounts() {
    List<String> points;
    try {
      points = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
          .map(l -> l.split(" "))
          .filter(f -> f.length > 4)
          .map(f -> unescapeMountinfo(f[4]))
          .filter(m -> m.startsWith("/etc/") && !m.equals("/etc/pve") && !m.startsWith("/etc/pve/"))
          .distinct().sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/self/mountinfo", e);
    }
    List<String> outermost = new ArrayList<>();
    for (String m : points) {
      if (outermost.stream().noneMatch(o -> m.startsWith("/etc/" + o + "/"))) {
        outermost.add(m.substring("/etc/".length()));
      }
    }
    return outermost;
  }

  /** mountinfo writes space, tab, newline and backslash as {@code \ooo}. */
  private static String unescapeMountinfo(String field) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        b.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** Waits until the port speaks SSH (our sshd, not a squatter), or sshd has died. */
  private static void awaitBanner(Process p, int port, Path log) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("sshd exited with " + p.exitValue() + " on port " + port + ": " + tail(log));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        s.setSoTimeout(2000);
        byte[] banner = new byte[8];
        InputStream in = s.getInputStream();
        if (in.readNBytes(banner, 0, 8) == 8 && new String(banner, StandardCharsets.US_ASCII).startsWith("SSH-2.0")) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for sshd", e);
      }
    }
    throw new IllegalStateException("sshd did not answer on 127.0.0.1:" + port + " within " + START_TIMEOUT + ": " + tail(log));
  }

  /** Copies the CLI scripts next to their credentials (0600) and the sandbox's certificate. */
  private static Path installCli(Path dir, ApiAccess a) throws IOException {
    Path cli = Files.createDirectory(dir.resolve("cli"));
    for (String name : CLI) {
      try (InputStream in = NodeSshd.class.getResourceAsStream("/io/pvedeploy/sandbox/cli/" + name)) {
        if (in == null) {
          throw new IllegalStateException("missing resource io/pvedeploy/sandbox/cli/" + name);
        }
        Path target = cli.resolve(name);
        Files.copy(in, target);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(name.endsWith(".py") ? "rw-r--r--" : "rwxr-xr-x"));
      }
    }
    Files.writeString(cli.resolve("sandbox-ca.pem"), a.certificatePem());
    Path credentials = cli.resolve("credentials.json");
    Files.createFile(credentials, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    java.util.Map<String, Object> json = new java.util.LinkedHashMap<>();
    json.put("url", a.url());
    json.put("node", a.node());
    json.put("tokenId", a.tokenId());
    json.put("tokenSecret", a.tokenSecret());
    json.put("user", a.user());
    json.put("password", a.password());
    json.put("ca", cli.resolve("sandbox-ca.pem").toString());
    Files.writeString(credentials, Json.write(json));
    return cli;
  }

  private static void keygen(Path key, String comment) throws IOException {
    run(List.of(KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key.toString()));
  }

  private static void run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + out.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IllegalStateException("interrupted while running " + command.get(0), e);
    }
  }

  private static void requireTools() {
    List<String> missing = new ArrayList<>();
    if (!Files.isExecutable(Path.of(SSHD))) {
      missing.add("openssh-server (" + SSHD + ")");
    }
    if (!onPath(KEYGEN)) {
      missing.add("openssh-client (ssh-keygen)");
    }
    if (!Files.isExecutable(Path.of(PYTHON))) {
      missing.add("python3 (" + PYTHON + ")");
    }
    if (!onPath(UNSHARE) || !onPath(MOUNT)) {
      missing.add("util-linux and mount (unshare, mount)");
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException("the sandbox's node shell needs " + String.join(", ", missing)
          + "; install with: apt-get install -y openssh-server openssh-client python3 util-linux mount");
    }
    if (!isRoot()) {
      throw new IllegalStateException("the sandbox's node shell needs root: its sshd serves root's shell and runs in "
          + "a private mount namespace (for /etc/pve), which only root may make; run the sandbox as root, or "
          + "without nodeSsh");
    }
  }

  /** Whether this process runs as uid 0 (the owner of /proc/self is the process's uid). */
  private static boolean isRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  private static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  /**
   * A JVM killed with SIGKILL runs no shutdown hook: its sshd lives on. Stops the sshd of every
   * node-ssh directory whose owning JVM is gone (only a process whose command line names that
   * directory's config), and removes the directory.
   */
  private static void cleanUpAfterDeadOwners() {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    try (Stream<Path> dirs = Files.list(tmp)) {
      for (Path d : dirs.filter(x -> x.getFileName().toString().startsWith(PREFIX)).toList()) {
        try {
          long owner = Long.parseLong(Files.readString(d.resolve(OWNER)).trim());
          if (ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) {
            continue;
          }
          Path pidFile = d.resolve("sshd.pid");
          if (Files.exists(pidFile)) {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            String config = d.resolve("sshd_config").toString();
            ProcessHandle.of(pid)
                .filter(h -> readCmdline(pid).contains(config))
                .ifPresent(h -> {
                  h.descendants().forEach(ProcessHandle::destroyForcibly);
                  h.destroyForcibly();
                });
          }
          LOG.info("removing the node sshd left by dead process {}: {}", owner, d);
          deleteTree(d);
        } catch (IOException | NumberFormatException e) {
          // not ours, half-written, or not readable: leave it alone
        }
      }
    } catch (IOException e) {
      LOG.debug("cannot scan {} for stale node sshds: {}", tmp, e.toString());
    }
  }

  private static String readCmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline")), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  SshEndpoint endpoint() {
    return endpoint;
  }

  /** The directory the sessions see as /etc/pve: empty until an {@link EtcPve} lays it out. */
  Path etcPve() {
    return dir.resolve(ETC_PVE);
  }

  /** Stops sshd and its sessions, then removes keys, config and credentials. */
  @Override
  public void close() {
    destroyTree(process);
    removeHook(killer);
    deleteTree(dir);
  }

  private static void destroyTree(Process p) {
    List<ProcessHandle> children = p.descendants().toList();
    p.destroy();
    children.forEach(ProcessHandle::destroy);
    try {
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
    children.forEach(ProcessHandle::destroyForcibly);
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or about to: nothing left to remove
    }
  }

  private static String tail(Path log) {
    try {
      String s = Files.exists(log) ? Files.readString(log).strip() : "";
      return s.isEmpty() ? "(no output)" : s.substring(Math.max(0, s.length() - 800));
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("could not remove {}: {}", dir, e.toString());
    }
  }
}
