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
      Files.writeString(dir.resolve(OWNER), String.valueOf(ProcessHandle.current().pid()));
      Path cli = installCli(dir, access);
      keygen(dir.resolve("ssh_host_ed25519_key"), "pvedeploy-sandbox-host");
      Path identity = dir.resolve("id_ed25519");
      keygen(identity, "pvedeploy-sandbox-client");
      Files.copy(dir.resolve("id_ed25519.pub"), dir.resolve("authorized_keys"));
      Files.createDirectories(Path.of("/run/sshd"));
      IllegalStateException last = null;
      for (int attempt = 0; attempt < 3; attempt++) {
        int port = freePort();
        try {
          return launch(dir, cli, identity, port);
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
    Process p = new ProcessBuilder(SSHD, "-D", "-e", "-f", config.toString())
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
    if (!missing.isEmpty()) {
      throw new IllegalStateException("the sandbox's node shell needs " + String.join(", ", missing)
          + "; install with: apt-get install -y openssh-server openssh-client python3");
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
