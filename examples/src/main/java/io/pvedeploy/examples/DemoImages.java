package io.pvedeploy.examples;

import io.pvedeploy.docker.CommandFailedException;
import io.pvedeploy.docker.DockerGuestException;
import io.pvedeploy.docker.DockerMissingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The demo's four images, built on this machine's Docker from Debian packages (no registry is
 * needed): a minbase Debian bookworm rootfs made by {@code debootstrap}, {@code docker import}ed
 * as the base image, and {@code postgres}, {@code redis}, {@code backend} and {@code frontend}
 * built on it with {@code apt-get install} from the recipes under {@code
 * io/pvedeploy/examples/demo/images/} in this jar.
 *
 * <p>Every image is tagged by the hash of its recipe (the base image's tag and each file of the
 * build context), e.g. {@code pvedeploy-demo/backend:3f2a9c01d4e7}, and reused when Docker has
 * it: a second run builds nothing. The rootfs tarball is cached in {@link #cacheDirectory()}
 * ({@code $PVEDEPLOY_DEMO_CACHE}, default {@code ~/.cache/pvedeploy-demo}); the integration
 * tests' tarball ({@code ~/.cache/pvedeploy-test}, the same recipe and file name) is used when
 * it is there, so a machine that ran the tests needs no second debootstrap.
 *
 * <pre>{@code
 * DemoImages.Refs refs = DemoImages.create().ensureBuilt(System.out::println);
 * refs.backend();   // pvedeploy-demo/backend:3f2a9c01d4e7
 * }</pre>
 */
public final class DemoImages {
  /** The Debian release the images are built on. */
  public static final String SUITE = "bookworm";

  static final String MIRROR = "http://deb.debian.org/debian";
  static final String REPOSITORY = "pvedeploy-demo";
  // The same recipe text as docker-guest's DockerFixture, so both find the same cached tarball.
  private static final String BASE_RECIPE = "debootstrap --variant=minbase " + SUITE + " " + MIRROR + " v1";
  private static final Map<String, List<String>> RECIPES = recipes();
  private static final String INSTALL_HINT = "apt-get install -y docker.io docker-compose debootstrap,"
      + " then start the daemon (systemctl start docker, or without systemd:"
      + " dockerd > /var/log/dockerd.log 2>&1 &)";

  /**
   * The references of the built images, each with its recipe-hash tag.
   *
   * @param postgres PostgreSQL 15 (Debian's {@code postgresql-15})
   * @param redis Redis (Debian's {@code redis-server})
   * @param backend the Python backend (Debian's {@code python3-psycopg2}, {@code python3-redis})
   * @param frontend nginx (Debian's {@code nginx-light})
   */
  public record Refs(String postgres, String redis, String backend, String frontend) {
    /** The four references, in the order postgres, redis, backend, frontend. */
    public List<String> all() {
      return List.of(postgres, redis, backend, frontend);
    }

    /** The compose bundle's {@code .env}: the variables its {@code image:} lines name. */
    public Map<String, String> composeEnv() {
      Map<String, String> env = new LinkedHashMap<>();
      env.put("DEMO_POSTGRES_IMAGE", postgres);
      env.put("DEMO_REDIS_IMAGE", redis);
      env.put("DEMO_BACKEND_IMAGE", backend);
      env.put("DEMO_FRONTEND_IMAGE", frontend);
      return env;
    }
  }

  private final Path cacheDirectory;

  private DemoImages(Path cacheDirectory) {
    this.cacheDirectory = cacheDirectory.toAbsolutePath().normalize();
  }

  /** Images cached under {@code $PVEDEPLOY_DEMO_CACHE}, default {@code ~/.cache/pvedeploy-demo}. */
  public static DemoImages create() {
    String env = System.getenv("PVEDEPLOY_DEMO_CACHE");
    return new DemoImages(env != null && !env.isBlank() ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".cache", "pvedeploy-demo"));
  }

  /** The same images, with the rootfs tarball cached in {@code directory}. */
  public DemoImages withCacheDirectory(Path directory) {
    return new DemoImages(directory);
  }

  /** Where the debootstrap tarball is kept. */
  public Path cacheDirectory() {
    return cacheDirectory;
  }

  /** The base image's reference: {@code pvedeploy-demo/debian:bookworm-<hash>}. */
  public static String baseReference() {
    return REPOSITORY + "/debian:" + SUITE + "-" + hash(BASE_RECIPE.getBytes(StandardCharsets.UTF_8));
  }

  /** The references the recipes in this jar give; nothing is built or asked of Docker. */
  public static Refs references() {
    return new Refs(reference("postgres"), reference("redis"), reference("backend"), reference("frontend"));
  }

  /**
   * Builds what Docker lacks (the base image and the four images) and returns their references.
   * The first run takes a few minutes (debootstrap, then {@code apt-get install} per image);
   * later runs only ask Docker. Serialised across processes by a lock file in the cache.
   *
   * @param progress told what is built, one line per step
   * @throws DockerMissingException when {@code docker} or its daemon does not answer
   * @throws CommandFailedException when debootstrap is missing or a build fails (with the end
   *     of its output)
   */
  public Refs ensureBuilt(Consumer<String> progress) throws DockerGuestException, IOException {
    Refs refs = references();
    if (refs.all().stream().allMatch(DemoImages::imageExists)) {
      return refs;
    }
    requireDocker();
    Files.createDirectories(cacheDirectory);
    try (FileChannel lockFile = FileChannel.open(cacheDirectory.resolve(".lock"),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockFile.lock()) {
      String base = ensureBase(progress);
      for (String name : RECIPES.keySet()) {
        ensureImage(name, base, progress);
      }
      return refs;
    }
  }

  private String ensureBase(Consumer<String> progress) throws DockerGuestException, IOException {
    String tag = baseReference();
    if (imageExists(tag)) {
      return tag;
    }
    String fileName = "debian-" + SUITE + "-minbase-" + hash(BASE_RECIPE.getBytes(StandardCharsets.UTF_8)) + ".tar";
    Path tar = cacheDirectory.resolve(fileName);
    Path testsTar = testCacheDirectory().resolve(fileName);
    if (!Files.exists(tar) && Files.exists(testsTar)) {
      tar = testsTar;
    }
    if (!Files.exists(tar)) {
      if (!Files.isExecutable(Path.of("/usr/sbin/debootstrap")) && !onPath("debootstrap")) {
        throw new CommandFailedException("building the demo's Debian base image needs debootstrap"
            + " (and root, and Debian's mirror " + MIRROR + "): " + INSTALL_HINT, "debootstrap", 127,
            "debootstrap: command not found", null);
      }
      progress.accept("debootstrap " + SUITE + " (minbase) into " + cacheDirectory + " (once; a few minutes)");
      Path root = Files.createTempDirectory(cacheDirectory, "rootfs-");
      try {
        check(List.of("debootstrap", "--variant=minbase", SUITE, root.toString(), MIRROR), null,
            "debootstrap of the demo's base image (needs root and Debian's mirror " + MIRROR + ")");
        Path partial = cacheDirectory.resolve(fileName + ".part");
        check(List.of("tar", "-C", root.toString(), "--numeric-owner", "-cf", partial.toString(), "."), null,
            "tar of the debootstrap rootfs");
        Files.move(partial, tar);
      } finally {
        run(List.of("rm", "-rf", "--", root.toString()), null);
      }
    }
    progress.accept("docker import " + tar + " as " + tag);
    check(List.of("docker", "import", tar.toString(), tag), null, "docker import of the base rootfs");
    return tag;
  }

  private void ensureImage(String name, String base, Consumer<String> progress)
      throws DockerGuestException, IOException {
    String tag = reference(name);
    if (imageExists(tag)) {
      return;
    }
    progress.accept("building " + tag + " from Debian packages");
    long start = System.nanoTime();
    Path context = Files.createTempDirectory("pvedeploy-demo-" + name + "-");
    try {
      for (String file : RECIPES.get(name)) {
        Files.write(context.resolve(file), resource(name, file));
      }
      // The classic builder: BuildKit (buildx) is not part of every distribution's Docker.
      check(List.of("docker", "build", "-q", "--build-arg", "BASE=" + base,
              "--label", "io.pvedeploy.demo.recipe=" + tag, "-t", tag, context.toString()),
          Map.of("DOCKER_BUILDKIT", "0"), "docker build of " + tag);
    } finally {
      run(List.of("rm", "-rf", "--", context.toString()), null);
    }
    progress.accept(String.format("built %s in %ds", tag, (System.nanoTime() - start) / 1_000_000_000L));
  }

  private static void requireDocker() throws DockerMissingException {
    Result info = run(List.of("docker", "info", "--format", "{{.ServerVersion}}"), null);
    if (info.code == 127) {
      throw new DockerMissingException(DockerMissingException.Missing.DOCKER_CLI,
          "the demo builds its images on this machine's Docker, and there is no docker command: "
              + INSTALL_HINT, null);
    }
    if (info.code != 0) {
      throw new DockerMissingException(DockerMissingException.Missing.DAEMON_NOT_RUNNING,
          "the demo builds its images on this machine's Docker, and the daemon does not answer ("
              + tail(info.out) + "): " + INSTALL_HINT, null);
    }
  }

  static String reference(String name) {
    MessageDigest sha = sha256();
    sha.update(("base=" + baseReference() + "\n").getBytes(StandardCharsets.UTF_8));
    for (String file : RECIPES.get(name)) {
      byte[] content = resource(name, file);
      sha.update((file + " " + content.length + "\n").getBytes(StandardCharsets.UTF_8));
      sha.update(content);
    }
    return REPOSITORY + "/" + name + ":" + HexFormat.of().formatHex(sha.digest()).substring(0, 12);
  }

  /** A file of the demo's resources ({@code demo/…} next to this class). */
  static byte[] demoResource(String path) {
    try (InputStream in = DemoImages.class.getResourceAsStream("demo/" + path)) {
      if (in == null) {
        throw new IllegalStateException("the resource io/pvedeploy/examples/demo/" + path
            + " is missing from the examples jar (a broken build?)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] resource(String image, String file) {
    return demoResource("images/" + image + "/" + file);
  }

  private static Map<String, List<String>> recipes() {
    Map<String, List<String>> r = new LinkedHashMap<>();
    r.put("postgres", List.of("Dockerfile", "entrypoint.sh"));
    r.put("redis", List.of("Dockerfile"));
    r.put("backend", List.of("Dockerfile", "app.py"));
    r.put("frontend", List.of("Dockerfile", "nginx.conf", "index.html"));
    return Collections.unmodifiableMap(r);
  }

  private static Path testCacheDirectory() {
    String env = System.getenv("PVEDEPLOY_TEST_CACHE");
    return env != null && !env.isBlank() ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".cache", "pvedeploy-test");
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  static boolean imageExists(String tag) {
    return run(List.of("docker", "image", "inspect", "--format", "{{.Id}}", tag), null).code == 0;
  }

  private record Result(int code, String out) {}

  private static Result run(List<String> argv, Map<String, String> env) {
    try {
      ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
      if (env != null) {
        pb.environment().putAll(env);
      }
      Process p = pb.start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return new Result(p.waitFor(), out);
    } catch (IOException e) {
      return new Result(127, argv.get(0) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(130, argv.get(0) + ": interrupted");
    }
  }

  private static void check(List<String> argv, Map<String, String> env, String what) throws CommandFailedException {
    Result r = run(argv, env);
    if (r.code != 0) {
      String tail = tail(r.out);
      throw new CommandFailedException(what + " failed (exit " + r.code + "): " + tail, argv.get(0), r.code, tail, null);
    }
  }

  private static String tail(String out) {
    List<String> lines = new ArrayList<>(out.strip().lines().toList());
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
  }

  private static String hash(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes)).substring(0, 12);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
