package io.pvedeploy.docker;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A second, separate Docker engine on this machine, the destination of image transfers: its own
 * data root, socket and exec root in a temp directory, no bridge and no iptables rules, so it
 * touches nothing of the main daemon. {@link #shell()} runs commands with {@code DOCKER_HOST}
 * pointing at it. It runs in its own network namespace ({@code unshare --net}). {@link #close()} stops it, unmounts what it left and removes its directory.
 *
 * <p>Needs root and Debian's {@code docker.io} (for {@code dockerd}); missing them fails with an
 * install hint, never a skip.
 */
final class SecondDockerd implements AutoCloseable {
  static final String HINT = "image transfer tests start a second dockerd as the destination: they need"
      + " root and Debian's docker.io (apt-get install -y docker.io), with the overlay file system";

  final Path dir;
  final String host;
  private final Process process;

  private SecondDockerd(Path dir, Process process) {
    this.dir = dir;
    this.host = "unix://" + dir.resolve("docker.sock");
    this.process = process;
  }

  static SecondDockerd start() throws IOException, InterruptedException {
    if (!"0".equals(DockerFixture.run(List.of("id", "-u"), null).out().strip())) {
      throw new AssertionError(HINT + ": this JVM does not run as root");
    }
    String dockerd = SshdFixture.which("dockerd");
    if (dockerd == null && Files.isExecutable(Path.of("/usr/sbin/dockerd"))) {
      dockerd = "/usr/sbin/dockerd";
    }
    if (dockerd == null) {
      throw new AssertionError(HINT + ": there is no dockerd");
    }
    // Short: the socket's path must fit a sockaddr_un (108 bytes).
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "pvd-dockerd-");
    String unshare = SshdFixture.which("unshare");
    if (unshare == null) {
      throw new AssertionError(HINT + ": there is no unshare (apt-get install -y util-linux)");
    }
    // Its own network namespace: with --bridge none a dockerd deletes the host's docker0 bridge
    // (moby's removeDefaultBridgeInterface), which would cut the main daemon's containers off.
    Process p = new ProcessBuilder(unshare, "--net", dockerd, "--data-root", dir.resolve("data").toString(),
        "--host", "unix://" + dir.resolve("docker.sock"), "--exec-root", dir.resolve("exec").toString(),
        "--pidfile", dir.resolve("docker.pid").toString(), "--bridge", "none", "--iptables=false")
        .redirectErrorStream(true).redirectOutput(dir.resolve("dockerd.log").toFile()).start();
    SecondDockerd d = new SecondDockerd(dir, p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        break;
      }
      if (d.docker("info", "--format", "{{.ServerVersion}}").code() == 0) {
        return d;
      }
      Thread.sleep(250);
    }
    String log = Files.exists(dir.resolve("dockerd.log")) ? Files.readString(dir.resolve("dockerd.log")) : "";
    d.close();
    throw new AssertionError(HINT + ". The second dockerd did not come up within 60 s; its log ends: "
        + log.substring(Math.max(0, log.length() - 3000)));
  }

  /** A shell on this machine whose {@code docker} talks to this engine. */
  GuestShell shell() {
    return new DockerHostShell(LocalShell.create(), host);
  }

  /** Runs the docker CLI against this engine. */
  DockerFixture.Result docker(String... args) {
    List<String> argv = new ArrayList<>(List.of("docker"));
    argv.addAll(List.of(args));
    return DockerFixture.run(argv, Map.of("DOCKER_HOST", host));
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      List<String> mounts = new ArrayList<>();
      for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
        String[] f = line.split(" ");
        if (f.length > 1 && f[1].startsWith(dir.toString())) {
          mounts.add(f[1]);
        }
      }
      mounts.sort((a, b) -> b.length() - a.length());
      for (String m : mounts) {
        DockerFixture.run(List.of("umount", "-l", m), null);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    DockerFixture.run(List.of("rm", "-rf", "--", dir.toString()), null);
  }

  /**
   * A test-only shell that runs every argv as {@code env DOCKER_HOST=… argv…} over another shell:
   * the argv itself passes through untouched.
   */
  static final class DockerHostShell implements GuestShell {
    private final GuestShell delegate;
    private final String host;

    DockerHostShell(GuestShell delegate, String host) {
      this.delegate = delegate;
      this.host = host;
    }

    @Override
    public String target() {
      return "local dockerd " + host;
    }

    @Override
    public int exec(Exec exec, OutputStream stdout, OutputStream stderr) throws GuestShellException {
      List<String> argv = new ArrayList<>(List.of("env", "DOCKER_HOST=" + host));
      argv.addAll(exec.argv());
      Exec.Builder b = Exec.builder(argv).timeout(exec.timeout());
      if (exec.hasStdin()) {
        b.stdin(exec.openStdin());
      }
      return delegate.exec(b.build(), stdout, stderr);
    }

    @Override
    public String toString() {
      return target();
    }
  }
}
