package io.pvedeploy.docker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real OpenSSH server on loopback for {@link SshGuestShell}'s tests (and, through the test-jar,
 * for other modules' SSH-backed shells): generated ed25519 host and client keys, a known_hosts
 * line for {@code [127.0.0.1]:PORT}, public-key login only, in a private temp directory.
 *
 * <p>Missing OpenSSH fails the test with an install hint; it is never a reason to skip.
 */
public final class SshdFixture implements AutoCloseable {
  public static final String SSHD = "/usr/sbin/sshd";
  static final String INSTALL_HINT = "SshGuestShell's integration tests need OpenSSH: apt-get install -y"
      + " openssh-server openssh-client (sshd at /usr/sbin/sshd, ssh and ssh-keygen on the PATH)";

  public final Path dir;
  public final Path clientKey;
  public final Path knownHosts;
  public final Path sshConfig;
  public final Path sshdLog;
  public final int port;
  private final Process sshd;

  private SshdFixture(Path dir, int port, Process sshd) {
    this.dir = dir;
    this.clientKey = dir.resolve("client_ed25519");
    this.knownHosts = dir.resolve("known_hosts");
    this.sshConfig = dir.resolve("ssh_config");
    this.sshdLog = dir.resolve("sshd.log");
    this.port = port;
    this.sshd = sshd;
  }

  public static SshdFixture start() throws IOException, InterruptedException {
    if (!Files.isExecutable(Path.of(SSHD)) || which("ssh") == null || which("ssh-keygen") == null) {
      throw new IllegalStateException(INSTALL_HINT);
    }
    Path privsep = Path.of("/run/sshd");
    if (!Files.isDirectory(privsep)) {
      Files.createDirectories(privsep);
    }
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "pvd-sshd-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    exec("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "pvd-host", "-f", dir.resolve("host_ed25519").toString());
    exec("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "pvd-client", "-f", dir.resolve("client_ed25519").toString());
    Files.copy(dir.resolve("client_ed25519.pub"), dir.resolve("authorized_keys"));
    Files.writeString(dir.resolve("ssh_config"), "# empty: tests do not read ~/.ssh/config\n");
    int port = freePort();
    String[] hostPub = Files.readString(dir.resolve("host_ed25519.pub")).strip().split(" ");
    Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + port + " " + hostPub[0] + " " + hostPub[1] + "\n");
    Files.writeString(dir.resolve("sshd_config"), String.join("\n",
        "Port " + port,
        "ListenAddress 127.0.0.1",
        "HostKey " + dir.resolve("host_ed25519"),
        "PidFile " + dir.resolve("sshd.pid"),
        "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
        "PubkeyAuthentication yes",
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "PrintMotd no",
        "MaxSessions 64",
        "MaxStartups 64",
        "LogLevel VERBOSE",
        // Debian's bash sources ~/.bashrc for sshd's sessions unless SHLVL says it is nested;
        // a login user's heavy .bashrc (pyenv init here) would otherwise cost every command.
        "SetEnv SHLVL=3",
        ""));
    Process sshd = new ProcessBuilder(SSHD, "-D", "-e", "-f", dir.resolve("sshd_config").toString(),
        "-p", String.valueOf(port))
        .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
    SshdFixture fixture = new SshdFixture(dir, port, sshd);
    try {
      fixture.awaitListening(Duration.ofSeconds(10));
    } catch (RuntimeException | IOException e) {
      fixture.close();
      throw e;
    }
    return fixture;
  }

  /** A shell builder for this server, isolated from the user's ssh config. */
  public SshGuestShell.Builder shell() {
    return SshGuestShell.builder()
        .host("127.0.0.1")
        .port(port)
        .user(System.getProperty("user.name"))
        .identityFile(clientKey)
        .knownHostsFile(knownHosts)
        .sshConfig(sshConfig)
        .connectTimeout(Duration.ofSeconds(5));
  }

  /** How many logins sshd accepted so far. */
  public long acceptedLogins() throws IOException {
    return Files.readAllLines(sshdLog, StandardCharsets.UTF_8).stream()
        .filter(l -> l.contains("Accepted publickey")).count();
  }

  private void awaitListening(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!sshd.isAlive()) {
        throw new IllegalStateException("sshd exited with status " + sshd.exitValue() + " at start;"
            + " its log:\n" + Files.readString(sshdLog) + "\n" + INSTALL_HINT);
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(20);
      }
    }
    throw new IllegalStateException("sshd did not listen on 127.0.0.1:" + port + " within " + timeout);
  }

  @Override
  public void close() {
    sshd.descendants().forEach(ProcessHandle::destroyForcibly);
    sshd.destroy();
    try {
      if (!sshd.waitFor(5, TimeUnit.SECONDS)) {
        sshd.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException ignored) {
      // a leftover temp dir is harmless
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  static String which(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return Path.of(d, tool).toString();
      }
    }
    return null;
  }

  private static void exec(String... argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
    }
  }
}
