package io.pvedeploy.benchmarks;

import io.pvedeploy.docker.Exec;
import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.docker.GuestShellException;
import io.pvedeploy.docker.ImageTransfer;
import io.pvedeploy.docker.LocalShell;
import io.pvedeploy.docker.TransferEvent;
import io.pvedeploy.docker.TransferResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issue 5's target: ship an image of at least 100 MB to a second Docker engine, rebuild it with
 * one small layer changed, and ship the rebuild, through {@link ImageTransfer} and through
 * {@code docker save | docker load} of the whole image, in one run. Target: our bytes at most
 * 1.1 times the changed layer's size.
 *
 * <p>The images: a Debian bookworm minbase rootfs (debootstrap, cached under {@code
 * ~/.cache/pvedeploy-test}, {@code docker import}ed), a 32 MB "dependencies" layer that the
 * rebuild takes from the build cache, and a small "application" layer ({@code seq} output, about
 * 1.6 MB) that the rebuild changes. The destination is a second {@code dockerd} on this machine
 * (own data root and socket, own network namespace), holding the first image when the rebuild
 * is shipped either way. Run: {@code bash scripts/bench.sh image-transfer}; needs root, Debian's
 * docker.io and debootstrap (or the cached rootfs).
 */
public final class ImageTransferBenchmark {
  private ImageTransferBenchmark() {}

  static final String SUITE = "bookworm";
  static final String MIRROR = "http://deb.debian.org/debian";
  static final String BASE = "pvedeploy-bench/debian:" + SUITE;
  static final String APP = "pvedeploy-bench/app";
  static final int APP_LINES = 250_000;

  public static void main(String[] args) throws Exception {
    String base = baseImage();
    String v1 = build(APP + ":v1", base, 1);
    String v2 = build(APP + ":v2", base, 2);
    try (Destination dest = Destination.start()) {
      GuestShell source = LocalShell.create();
      ImageTransfer transfer = ImageTransfer.from(source).to(dest.shell())
          .withStagingDirectory(dest.dir + "/staging");
      TransferResult first = transfer.transfer(v1);

      List<TransferEvent> events = new ArrayList<>();
      TransferResult ours = transfer.transfer(v2, events::add);
      long changedLayer = events.stream().filter(TransferEvent.LayerStarted.class::isInstance)
          .mapToLong(e -> ((TransferEvent.LayerStarted) e).size()).sum();
      long imageSize = Long.parseLong(check(run(List.of("docker", "image", "inspect", "--format", "{{.Size}}", v2),
          null, null), "docker image inspect").strip());

      check(run(List.of("docker", "rmi", v2), Map.of("DOCKER_HOST", dest.host), null), "docker rmi on the destination");
      long start = System.nanoTime();
      long wholeBytes = saveIntoLoad(v2, dest.host);
      double wholeSeconds = (System.nanoTime() - start) / 1e9;
      String loadedId = check(run(List.of("docker", "image", "inspect", "--format", "{{.Id}}", v2),
          Map.of("DOCKER_HOST", dest.host), null), "docker image inspect on the destination").strip();
      if (!loadedId.equals(ours.imageId())) {
        throw new IllegalStateException("docker load gave " + loadedId + ", our transfer " + ours.imageId());
      }

      System.out.printf("Image transfer to a second dockerd on this machine (Docker %s, %s), one run.%n"
          + "Image %s: %d layers, %.1f MB (docker image inspect .Size); the rebuild changed one layer of %d bytes"
          + " (%.2f MB).%n%n", check(run(List.of("docker", "version", "--format", "{{.Server.Version}}"), null, null),
              "docker version").strip(), storageDriver(), v2, ours.layers(), imageSize / 1e6, changedLayer,
          changedLayer / 1e6);
      System.out.println("| what | method | layers sent | bytes sent | × changed layer | wall time s |");
      System.out.println("|---|---|---|---|---|---|");
      System.out.printf("| first release (v1, empty destination) | pvedeploy ImageTransfer | %d of %d | %,d | %.1f | %.2f |%n",
          first.layersSent(), first.layers(), first.bytesSent(), first.bytesSent() / (double) changedLayer,
          first.duration().toMillis() / 1e3);
      System.out.printf("| rebuild (v2, destination has v1) | pvedeploy ImageTransfer | %d of %d | %,d | %.3f | %.2f |%n",
          ours.layersSent(), ours.layers(), ours.bytesSent(), ours.bytesSent() / (double) changedLayer,
          ours.duration().toMillis() / 1e3);
      System.out.printf("| rebuild (v2, destination has v1) | docker save \\| docker load | all %d | %,d | %.1f | %.2f |%n",
          ours.layers(), wholeBytes, wholeBytes / (double) changedLayer, wholeSeconds);
      System.out.printf("%nOurs / changed layer: %.3fx (target <= 1.1x); docker save|load sends %.0fx our bytes"
          + " and takes %.1fx our time.%n", ours.bytesSent() / (double) changedLayer,
          wholeBytes / (double) ours.bytesSent(), wholeSeconds / (ours.duration().toMillis() / 1e3));
    }
  }

  /** {@code docker save image | DOCKER_HOST=host docker load}, counting the bytes on the pipe. */
  static long saveIntoLoad(String image, String host) throws IOException, InterruptedException {
    Process save = new ProcessBuilder("docker", "save", image).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    ProcessBuilder lb = new ProcessBuilder("docker", "load").redirectError(ProcessBuilder.Redirect.INHERIT)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    lb.environment().put("DOCKER_HOST", host);
    Process load = lb.start();
    long bytes = 0;
    try (InputStream in = save.getInputStream(); OutputStream out = load.getOutputStream()) {
      byte[] buffer = new byte[256 * 1024];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        bytes += n;
      }
    }
    if (save.waitFor() != 0 || load.waitFor() != 0) {
      throw new IllegalStateException("docker save | docker load failed: exit " + save.exitValue() + " | " + load.exitValue());
    }
    return bytes;
  }

  static String baseImage() throws IOException, InterruptedException {
    if (run(List.of("docker", "image", "inspect", BASE), null, null).code == 0) {
      return BASE;
    }
    String env = System.getenv("PVEDEPLOY_TEST_CACHE");
    Path cache = Files.createDirectories(env != null ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".cache", "pvedeploy-test"));
    Path tar;
    try (var files = Files.list(cache)) {
      tar = files.filter(p -> p.getFileName().toString().startsWith("debian-" + SUITE + "-minbase-")
          && p.getFileName().toString().endsWith(".tar")).findFirst().orElse(null);
    }
    if (tar == null) {
      Path root = Files.createTempDirectory(cache, "rootfs-");
      check(run(List.of("debootstrap", "--variant=minbase", SUITE, root.toString(), MIRROR), null, null),
          "debootstrap (apt-get install -y debootstrap; needs the Debian mirror)");
      tar = cache.resolve("debian-" + SUITE + "-minbase-bench.tar");
      check(run(List.of("tar", "-C", root.toString(), "--numeric-owner", "-cf", tar.toString(), "."), null, null), "tar");
      run(List.of("rm", "-rf", "--", root.toString()), null, null);
    }
    check(run(List.of("docker", "import", tar.toString(), BASE), null, null), "docker import");
    return BASE;
  }

  /** The app image: base, a 32 MB dependencies layer (from the build cache after the first build), the app layer. */
  static String build(String tag, String base, int first) throws IOException, InterruptedException {
    String dockerfile = "FROM " + base + "\n"
        + "RUN mkdir -p /opt/deps && head -c 32000000 /dev/urandom > /opt/deps/libs.bin\n"
        + "RUN mkdir -p /app && seq " + first + " " + (first + APP_LINES - 1) + " > /app/build.txt\n";
    check(run(List.of("docker", "build", "-q", "-t", tag, "-"), Map.of("DOCKER_BUILDKIT", "0"),
        dockerfile.getBytes(StandardCharsets.UTF_8)), "docker build of " + tag);
    return tag;
  }

  static String storageDriver() throws IOException, InterruptedException {
    return run(List.of("docker", "info", "--format", "{{.Driver}}"), null, null).out.strip();
  }

  record Result(int code, String out) {}

  static Result run(List<String> argv, Map<String, String> env, byte[] stdin) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    if (env != null) {
      pb.environment().putAll(env);
    }
    Process p = pb.start();
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin);
      }
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), out);
  }

  static String check(Result r, String what) {
    if (r.code != 0) {
      throw new IllegalStateException(what + " failed (exit " + r.code + "): " + r.out.strip());
    }
    return r.out;
  }

  /** A second dockerd: own data root, socket and network namespace (so it cannot touch docker0). */
  static final class Destination implements AutoCloseable {
    final Path dir;
    final String host;
    final Process process;

    private Destination(Path dir, Process process) {
      this.dir = dir;
      this.host = "unix://" + dir.resolve("docker.sock");
      this.process = process;
    }

    static Destination start() throws IOException, InterruptedException {
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "pvd-bench-dockerd-");
      Process p = new ProcessBuilder("unshare", "--net", "dockerd", "--data-root", dir.resolve("data").toString(),
          "--host", "unix://" + dir.resolve("docker.sock"), "--exec-root", dir.resolve("exec").toString(),
          "--pidfile", dir.resolve("docker.pid").toString(), "--bridge", "none", "--iptables=false")
          .redirectErrorStream(true).redirectOutput(dir.resolve("dockerd.log").toFile()).start();
      Destination d = new Destination(dir, p);
      for (int i = 0; i < 240 && p.isAlive(); i++) {
        if (run(List.of("docker", "info"), Map.of("DOCKER_HOST", d.host), null).code == 0) {
          return d;
        }
        Thread.sleep(250);
      }
      d.close();
      throw new IllegalStateException("the destination dockerd did not start (needs root, docker.io and"
          + " util-linux's unshare); see " + dir.resolve("dockerd.log"));
    }

    GuestShell shell() {
      GuestShell local = LocalShell.create();
      return new GuestShell() {
        @Override
        public String target() {
          return "dockerd " + host;
        }

        @Override
        public int exec(Exec exec, OutputStream stdout, OutputStream stderr) throws GuestShellException {
          List<String> argv = new ArrayList<>(List.of("env", "DOCKER_HOST=" + host));
          argv.addAll(exec.argv());
          Exec.Builder b = Exec.builder(argv).timeout(exec.timeout());
          if (exec.hasStdin()) {
            b.stdin(exec.openStdin());
          }
          return local.exec(b.build(), stdout, stderr);
        }
      };
    }

    @Override
    public void close() throws IOException, InterruptedException {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
        String[] f = line.split(" ");
        if (f.length > 1 && f[1].startsWith(dir.toString())) {
          run(List.of("umount", "-l", f[1]), null, null);
        }
      }
      run(List.of("rm", "-rf", "--", dir.toString()), null, null);
    }
  }
}
