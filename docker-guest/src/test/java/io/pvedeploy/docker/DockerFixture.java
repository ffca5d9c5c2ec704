package io.pvedeploy.docker;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The real local Docker for integration tests, and the images they use, built from Debian
 * packages because no registry is reachable: a minbase Debian rootfs from debootstrap (cached as
 * a tar under {@code ~/.cache/pvedeploy-test/}), {@code docker import}ed as the base image, and
 * images built on it with {@code apt-get install}. Images are tagged by a hash of their recipe
 * and reused when {@code docker image inspect} finds them.
 *
 * <p>Missing Docker, Compose or debootstrap fails the tests with an install hint; never a skip.
 */
public final class DockerFixture {
  private DockerFixture() {}

  static final String HINT = "docker-guest's integration tests need a running Docker daemon and"
      + " Compose: apt-get install -y docker.io docker-compose debootstrap, then start the daemon"
      + " (systemctl start docker, or without systemd: dockerd > /var/log/dockerd.log 2>&1 &)."
      + " scripts/test.sh does both";
  static final String SUITE = "bookworm";
  static final String MIRROR = "http://deb.debian.org/debian";
  private static final String BASE_RECIPE = "debootstrap --variant=minbase " + SUITE + " " + MIRROR + " v1";

  /** Fails with an install hint unless docker answers and some Compose works. */
  public static void requireDockerAndCompose() {
    Result info = run(List.of("docker", "info", "--format", "{{.ServerVersion}}"), null);
    if (info.code != 0) {
      throw new AssertionError(HINT + ". docker info said: " + info.out.strip());
    }
    boolean v2 = run(List.of("docker", "compose", "version"), null).code == 0;
    boolean v1 = run(List.of("docker-compose", "version"), null).code == 0;
    if (!v1 && !v2) {
      throw new AssertionError(HINT + ". Neither 'docker compose' nor 'docker-compose' works");
    }
  }

  /** {@code ~/.cache/pvedeploy-test} (or {@code $PVEDEPLOY_TEST_CACHE}). */
  public static Path cacheDir() throws IOException {
    String env = System.getenv("PVEDEPLOY_TEST_CACHE");
    Path dir = env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "pvedeploy-test");
    return Files.createDirectories(dir);
  }

  /** The Debian base image, imported from a cached debootstrap rootfs. */
  public static synchronized String baseImage() throws IOException, InterruptedException {
    String tag = "pvedeploy-test/debian:" + SUITE + "-" + hash(BASE_RECIPE);
    if (imageExists(tag)) {
      return tag;
    }
    Path cache = cacheDir();
    try (FileChannel lockFile = FileChannel.open(cache.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockFile.lock()) {
      if (imageExists(tag)) {
        return tag;
      }
      Path tar = cache.resolve("debian-" + SUITE + "-minbase-" + hash(BASE_RECIPE) + ".tar");
      if (!Files.exists(tar)) {
        if (SshdFixture.which("debootstrap") == null && !Files.isExecutable(Path.of("/usr/sbin/debootstrap"))) {
          throw new AssertionError("building the test base image needs debootstrap: apt-get install -y debootstrap");
        }
        Path root = Files.createTempDirectory(cache, "rootfs-");
        check(run(List.of("debootstrap", "--variant=minbase", SUITE, root.toString(), MIRROR), null),
            "debootstrap of the test base image (needs the Debian mirror)");
        Path partial = cache.resolve(tar.getFileName() + ".part");
        check(run(List.of("tar", "-C", root.toString(), "--numeric-owner", "-cf", partial.toString(), "."), null), "tar of the rootfs");
        Files.move(partial, tar);
        run(List.of("rm", "-rf", "--", root.toString()), null);
      }
      check(run(List.of("docker", "import", tar.toString(), tag), null), "docker import of the base rootfs");
      return tag;
    }
  }

  /** The image with busybox (httpd, wget, nc) on the Debian base. */
  public static String busyboxImage() throws IOException, InterruptedException {
    String base = baseImage();
    String dockerfile = "FROM " + base + "\n"
        + "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends"
        + " busybox && rm -rf /var/lib/apt/lists/*\n";
    return buildImage("pvedeploy-test/busybox", dockerfile);
  }

  /**
   * A busybox image of about 2 MB: Debian's static busybox alone on {@code scratch}, with its
   * applets linked into /bin ({@code sh}, {@code httpd}, {@code wget}). For tests whose time goes
   * into shipping the image (through the QEMU guest agent, about 1 MB/s).
   */
  public static String tinyBusyboxImage() throws IOException, InterruptedException {
    String base = baseImage();
    String dockerfile = "FROM " + base + " AS build\n"
        + "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends"
        + " busybox-static && rm -rf /var/lib/apt/lists/*\n"
        + "FROM scratch\n"
        + "COPY --from=build /bin/busybox /bin/busybox\n"
        + "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n";
    return buildImage("pvedeploy-test/tiny-busybox", dockerfile);
  }

  /** Builds (or reuses) an image from a Dockerfile, tagged by the Dockerfile's hash. */
  public static synchronized String buildImage(String name, String dockerfile) throws IOException, InterruptedException {
    String tag = name + ":" + hash(dockerfile);
    if (imageExists(tag)) {
      return tag;
    }
    Path context = Files.createTempDirectory("pvd-build-");
    try {
      Files.writeString(context.resolve("Dockerfile"), dockerfile);
      check(run(List.of("docker", "build", "-q", "-t", tag, context.toString()), Map.of("DOCKER_BUILDKIT", "0")),
          "docker build of " + tag);
      return tag;
    } finally {
      run(List.of("rm", "-rf", "--", context.toString()), null);
    }
  }

  /** Removes every container, network and volume labelled {@code io.pvedeploy.app=app}. */
  public static void removeByLabel(String app) {
    String filter = "label=" + ComposeProject.APP_LABEL + "=" + app;
    for (String id : lines(run(List.of("docker", "ps", "-aq", "--filter", filter), null))) {
      run(List.of("docker", "rm", "-f", "-v", id), null);
    }
    for (String id : lines(run(List.of("docker", "ps", "-aq", "--filter", "label=com.docker.compose.project=" + app), null))) {
      run(List.of("docker", "rm", "-f", "-v", id), null);
    }
    for (String id : lines(run(List.of("docker", "network", "ls", "-q", "--filter", filter), null))) {
      run(List.of("docker", "network", "rm", id), null);
    }
    for (String id : lines(run(List.of("docker", "volume", "ls", "-q", "--filter", filter), null))) {
      run(List.of("docker", "volume", "rm", "-f", id), null);
    }
  }

  /** Ids of what is labelled for {@code app}: containers, networks, volumes. */
  public static List<String> leftovers(String app) {
    String filter = "label=" + ComposeProject.APP_LABEL + "=" + app;
    List<String> out = new ArrayList<>();
    lines(run(List.of("docker", "ps", "-aq", "--filter", filter), null)).forEach(i -> out.add("container " + i));
    lines(run(List.of("docker", "ps", "-aq", "--filter", "label=com.docker.compose.project=" + app), null))
        .forEach(i -> out.add("compose container " + i));
    lines(run(List.of("docker", "network", "ls", "-q", "--filter", filter), null)).forEach(i -> out.add("network " + i));
    lines(run(List.of("docker", "network", "ls", "-q", "--filter", "label=com.docker.compose.project=" + app), null))
        .forEach(i -> out.add("compose network " + i));
    lines(run(List.of("docker", "volume", "ls", "-q", "--filter", filter), null)).forEach(i -> out.add("volume " + i));
    return out;
  }

  static boolean imageExists(String tag) {
    return run(List.of("docker", "image", "inspect", "--format", "{{.Id}}", tag), null).code == 0;
  }

  record Result(int code, String out) {}

  static Result run(List<String> argv, Map<String, String> env) {
    try {
      ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
      if (env != null) {
        pb.environment().putAll(env);
      }
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return new Result(p.waitFor(), out);
    } catch (IOException e) {
      return new Result(127, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(130, "interrupted");
    }
  }

  private static void check(Result r, String what) {
    if (r.code != 0) {
      throw new AssertionError(what + " failed (exit " + r.code + "): " + r.out.strip());
    }
  }

  private static List<String> lines(Result r) {
    return r.out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }

  static String hash(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 12);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
