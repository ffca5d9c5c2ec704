package io.pvedeploy.examples;

import com.squareup.moshi.JsonAdapter;
import com.squareup.moshi.Moshi;
import com.squareup.moshi.Types;
import io.pvedeploy.proxmox.NodeShell;
import io.pvedeploy.proxmox.ProxmoxClient;
import io.pvedeploy.proxmox.ProxmoxException;
import io.pvedeploy.proxmox.TlsPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The demo's Proxmox VE: the embedded sandbox with real LXC guests, run as a background process
 * that outlives each demo run, so the deployed stack keeps answering between runs and a second
 * run finds it as the first left it (as a real cluster would be).
 *
 * <p>Its guests live on a bridge of their own, {@value #SUBNET}, apart from the one the test
 * suite's sandboxes use. What a client needs to connect (URL, certificate fingerprint, API token,
 * the node's SSH endpoint) is kept in {@code private/sandbox.json}, mode 0600, and never printed.
 */
final class DemoSandbox {
  /** The demo's guest network; the host (and the guests' gateway) is .1. */
  static final String SUBNET = "10.99.8.0/24";
  static final Duration START_TIMEOUT = Duration.ofMinutes(15);
  private static final Duration STOP_TIMEOUT = Duration.ofMinutes(2);
  private static final String MAIN_CLASS = "io.pvedeploy.sandbox.SandboxMain";

  private final DemoState state;

  DemoSandbox(DemoState state) {
    this.state = state;
  }

  /** How to reach the running sandbox. */
  record Connection(String url, String fingerprint, String tokenId, String tokenSecret, String sshHost,
      int sshPort, String sshUser, Path identityFile, Path knownHostsFile) {
    @Override
    public String toString() {
      return "Connection[" + url + ", token " + tokenId + ", ssh " + sshUser + "@" + sshHost + ":" + sshPort + "]";
    }

    ProxmoxClient client() {
      return ProxmoxClient.builder().baseUrl(url).apiToken(tokenId, tokenSecret)
          // The sandbox, like a fresh PVE node, has a self-signed certificate: pin it.
          .tls(TlsPolicy.pinnedFingerprint(fingerprint))
          .readTimeout(Duration.ofMinutes(2)).build();
    }

    NodeShell nodeShell() {
      // Shipping an image is one long pct exec; give it the time a slow disk needs.
      return NodeShell.builder().host(sshHost).port(sshPort).user(sshUser).identityFile(identityFile)
          .knownHostsFile(knownHostsFile).commandTimeout(Duration.ofMinutes(30)).build();
    }
  }

  /** The running sandbox's connection, if one of this state directory is running. */
  Optional<Connection> running() {
    Optional<ProcessHandle> process = process();
    if (process.isEmpty() || !Files.exists(state.sandboxConnection())) {
      return Optional.empty();
    }
    return Optional.of(readConnection());
  }

  /** The running sandbox, started first when none is running; {@code progress} hears what takes long. */
  Connection ensureRunning(Consumer<String> progress) throws IOException, InterruptedException {
    Optional<Connection> now = running();
    if (now.isPresent()) {
      return now.get();
    }
    Files.deleteIfExists(state.sandboxConnection());
    // The ready line holds the API token and password: it lands in private/ (0700), never in
    // the world-readable state directory, even for the moment before sandbox.json takes it.
    Path out = state.directory().resolve("private/sandbox.out");
    Path log = state.directory().resolve("sandbox.log");
    Files.deleteIfExists(out);
    List<String> command = new ArrayList<>();
    // setsid: the sandbox gets a session of its own, so a Ctrl-C in this terminal stops the demo
    // run but not the cluster the stack runs on.
    command.add("setsid");
    command.add(ProcessHandle.current().info().command().orElse(
        Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.add("-Dpvedeploy.sandbox.subnet=" + SUBNET);
    command.add("-cp");
    command.add(classPath());
    command.add(MAIN_CLASS);
    command.addAll(List.of("--port", "0", "--nodes", "pve1", "--guests", "lxc", "--ssh", "true",
        "--task-duration", "50", "--state-dir", state.sandboxState().toString()));
    progress.accept("starting the sandbox (Proxmox VE stand-in, real LXC guests on " + SUBNET + "); the"
        + " first start debootstraps its Debian template, about 2 minutes");
    Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      String line = firstLine(out);
      if (line != null) {
        Connection c = parse(line);
        writePrivate(state.sandboxConnection(), line + "\n");
        // The pid and the process's start time: a pid the kernel reuses later is not taken for it.
        Files.writeString(state.sandboxPid(), p.pid() + " " + startMillis(p.toHandle()) + "\n");
        Files.delete(out); // sandbox.json (0600) keeps the connection now
        return c;
      }
      if (!p.isAlive()) {
        throw new IllegalStateException("the sandbox exited with " + p.exitValue() + " before it was ready; the"
            + " end of " + log + ":\n" + tail(log));
      }
      if (System.nanoTime() > deadline) {
        p.destroy();
        throw new IllegalStateException("the sandbox was not ready within " + START_TIMEOUT + "; see " + log);
      }
      Thread.sleep(250);
    }
  }

  /**
   * This JVM's class path for the sandbox process, with absolute entries (it must not depend on
   * the directory the demo was started from). A single jar (java -jar) is copied into the state
   * directory first: rebuilding pvedeploy replaces that jar, and a JVM whose jar changes under it
   * fails to load classes it has not loaded yet, e.g. the ones it needs to shut down.
   */
  private String classPath() throws IOException {
    String[] entries = System.getProperty("java.class.path").split(java.io.File.pathSeparator);
    if (entries.length == 1 && entries[0].endsWith(".jar")) {
      Path copy = state.directory().resolve("sandbox-runtime.jar");
      Files.copy(Path.of(entries[0]), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return copy.toString();
    }
    List<String> absolute = new ArrayList<>();
    for (String e : entries) {
      absolute.add(Path.of(e).toAbsolutePath().toString());
    }
    return String.join(java.io.File.pathSeparator, absolute);
  }

  /** Stops the running sandbox: its guests stop, their disks and the cluster's state stay. */
  boolean stop() throws IOException, InterruptedException {
    Optional<ProcessHandle> process = process();
    if (process.isEmpty()) {
      return false;
    }
    // SIGTERM: the sandbox's shutdown hook stops the containers and removes bridge and NAT rules.
    process.get().destroy();
    try {
      process.get().onExit().get(STOP_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the sandbox (pid " + process.get().pid() + ") did not stop within "
          + STOP_TIMEOUT + "; stop it with kill " + process.get().pid(), e);
    }
    Files.deleteIfExists(state.sandboxConnection());
    Files.deleteIfExists(state.sandboxPid());
    return true;
  }

  /** The sandbox process of this state directory, when alive (a reused pid is not taken for it). */
  private Optional<ProcessHandle> process() {
    try {
      if (!Files.exists(state.sandboxPid())) {
        return Optional.empty();
      }
      String[] saved = Files.readString(state.sandboxPid()).strip().split(" ");
      long pid = Long.parseLong(saved[0]);
      long started = saved.length > 1 ? Long.parseLong(saved[1]) : -1;
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> startMillis(h) == started);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static long startMillis(ProcessHandle h) {
    return h.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(-2L);
  }

  private Connection readConnection() {
    try {
      return parse(Files.readString(state.sandboxConnection()).strip());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + state.sandboxConnection(), e);
    }
  }

  @SuppressWarnings("unchecked")
  static Connection parse(String readyLine) {
    JsonAdapter<Map<String, Object>> adapter = new Moshi.Builder().build()
        .adapter(Types.newParameterizedType(Map.class, String.class, Object.class));
    Map<String, Object> m;
    try {
      m = adapter.fromJson(readyLine);
    } catch (IOException e) {
      throw new IllegalStateException("the sandbox's ready line is not JSON (" + e.getMessage() + ")", e);
    }
    Map<String, Object> ssh = m == null ? null : (Map<String, Object>) m.get("ssh");
    if (ssh == null) {
      throw new IllegalStateException("the sandbox's ready line lacks the node's SSH endpoint; it must run"
          + " with --ssh true");
    }
    return new Connection((String) m.get("url"), (String) m.get("fingerprint"), (String) m.get("tokenId"),
        (String) m.get("tokenSecret"), (String) ssh.get("host"), ((Number) ssh.get("port")).intValue(),
        (String) ssh.get("user"), Path.of((String) ssh.get("identityFile")),
        Path.of((String) ssh.get("knownHostsFile")));
  }

  /** Whether the cluster answers with this connection (a sandbox that is still starting may not). */
  static boolean answers(Connection c) {
    try (ProxmoxClient pve = c.client()) {
      pve.version();
      return true;
    } catch (ProxmoxException e) {
      return false;
    }
  }

  private static String firstLine(Path file) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    int nl = text.indexOf('\n');
    return nl < 0 ? null : text.substring(0, nl).strip();
  }

  static void writePrivate(Path file, String text) throws IOException {
    Files.deleteIfExists(file);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }
}
