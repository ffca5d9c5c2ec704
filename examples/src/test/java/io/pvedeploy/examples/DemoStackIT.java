package io.pvedeploy.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo stack on this machine's Docker, without Proxmox: the images built from Debian packages
 * (cached by recipe hash), the bundle run with docker-compose and the secret handed over as a
 * file the way the Deployer's {@code pvedeploy.secrets.json} override does. Then the founding bug
 * in miniature: a note written to PostgreSQL, the backend changed and recreated, and the note
 * still readable with the same password, which never shows in {@code docker inspect}.
 *
 * <p>Missing Docker, Compose or debootstrap fails with an install hint; never a skip.
 */
@Tag("integration")
class DemoStackIT {
  private static final String HINT = "the demo's integration test needs a running Docker daemon,"
      + " docker-compose and debootstrap: apt-get install -y docker.io docker-compose debootstrap,"
      + " then start the daemon (systemctl start docker, or: dockerd > /var/log/dockerd.log 2>&1 &)";
  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  private static final Duration HEALTHY = Duration.ofMinutes(3);

  @TempDir Path tmp;

  private final String project = "pvddemo" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4));
  private final Map<String, String> env = new LinkedHashMap<>();
  private Path bundle;

  @AfterEach
  void down() {
    if (bundle != null) {
      Result r = compose("down", "-v", "--remove-orphans", "--timeout", "10");
      assertThat(r.code).as("docker-compose down: %s", r).isZero();
      assertThat(run(List.of("docker", "ps", "-aq", "--filter", "label=com.docker.compose.project=" + project)).out)
          .as("containers left by project %s", project).isBlank();
    }
  }

  @Test
  void theStackRunsAndARedeployKeepsThePasswordAndTheRows() throws Exception {
    requireDockerAndCompose();
    long start = System.nanoTime();
    DemoImages.Refs refs = DemoImages.create().ensureBuilt(line -> System.out.println("[demo images] " + line));
    System.out.printf("[demo images] ready in %d ms: %s%n", (System.nanoTime() - start) / 1_000_000, refs.all());
    assertThat(refs).isEqualTo(DemoImages.references());

    bundle = DemoStack.writeBundle(tmp.resolve("bundle"), refs);
    String password = randomPassword(32);
    Path secretFile = writeSecret(tmp.resolve("secrets"), DemoStack.DB_PASSWORD, password);
    Files.writeString(bundle.resolve("pvedeploy.secrets.json"), secretsOverride(secretFile));
    int port = freePort();
    env.put("DEMO_HTTP_PORT", String.valueOf(port));
    env.put("DEMO_BACKEND_VERSION", "1");
    String base = "http://127.0.0.1:" + port;

    Result config = compose("config", "-q");
    assertThat(config.code).as("docker-compose config: %s", config).isZero();
    Result up = compose("up", "-d");
    assertThat(up.code).as("docker-compose up: %s", up).isZero();
    awaitHealthy();

    Http index = get(base + "/");
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.body()).contains("pvedeploy demo");
    Http health = get(base + "/health");
    assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
    assertThat(health.body()).contains("\"postgres\": \"ok\"").contains("\"redis\": \"ok\"");
    assertThat(get(base + "/api/").body()).contains("\"visits\": 1").contains("\"backend\": \"1\"");

    Http posted = curl("-d", "written before the redeploy", base + "/api/notes");
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(201);

    // The founding bug in miniature: change the backend, deploy again; same secret file.
    String backendBefore = containerId("backend");
    String dbBefore = containerId("db");
    env.put("DEMO_BACKEND_VERSION", "2");
    Result again = compose("up", "-d", "--force-recreate", "backend");
    assertThat(again.code).as("docker-compose up --force-recreate backend: %s", again).isZero();
    awaitHealthy();
    assertThat(containerId("backend")).as("the backend was recreated").isNotEqualTo(backendBefore);
    System.out.printf("[demo stack] backend recreated; db %s%n",
        containerId("db").equals(dbBefore) ? "kept" : "recreated too (same volume)");

    Http notes = get(base + "/api/notes");
    assertThat(notes.statusCode()).as(notes.body()).isEqualTo(200);
    assertThat(notes.body()).contains("written before the redeploy");
    assertThat(get(base + "/api/").body()).contains("\"visits\": 2").contains("\"backend\": \"2\"");
    assertThat(get(base + "/health").statusCode()).isEqualTo(200);

    // The password reached db and backend as a file only: not in env, labels, args, or logs.
    List<String> ids = compose("ps", "-q").out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    assertThat(ids).hasSize(4);
    for (String id : ids) {
      Result inspect = run(List.of("docker", "inspect", id));
      assertThat(inspect.code).isZero();
      assertThat(inspect.out).as("docker inspect %s", id).doesNotContain(password);
    }
    for (String service : List.of("db", "backend")) {
      String mounts = run(List.of("docker", "inspect", "--format", "{{json .Mounts}}", containerId(service))).out;
      assertThat(mounts).as("%s's mounts", service).contains("/run/secrets/db_password");
    }
    assertThat(compose("logs", "--no-color").toString()).as("the stack's logs").doesNotContain(password);
    // The control: inspect does show the environment, and it names the file, not the value.
    String dbEnv = run(List.of("docker", "inspect", "--format", "{{json .Config.Env}}", containerId("db"))).out;
    assertThat(dbEnv).contains("POSTGRES_PASSWORD_FILE=/run/secrets/db_password").doesNotContain(password);
  }

  private void requireDockerAndCompose() {
    Result info = run(List.of("docker", "info", "--format", "{{.ServerVersion}}"));
    if (info.code != 0) {
      fail(HINT + ". docker info said: " + info);
    }
    if (run(List.of("docker-compose", "version")).code != 0) {
      fail(HINT + ". docker-compose does not run (this test drives Compose v1's CLI, as the guests have it)");
    }
    if (run(List.of("curl", "--version")).code != 0) {
      fail("the demo's integration test asks the frontend with curl: apt-get install -y curl");
    }
  }

  /** What the Deployer's SecretsOverride writes: the file, each service's list and version label. */
  private static String secretsOverride(Path secretFile) {
    String service = "{\"secrets\": [\"db_password\"], \"labels\": {\"io.pvedeploy.secret.db_password.version\": \"1\"}}";
    return "{\n  \"version\": \"3.8\",\n  \"services\": {\"backend\": " + service + ", \"db\": " + service + "},\n"
        + "  \"secrets\": {\"db_password\": {\"file\": \"" + secretFile.toAbsolutePath() + "\"}}\n}\n";
  }

  private static Path writeSecret(Path dir, String name, String value) throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    Path file = dir.resolve(name);
    Files.writeString(file, value, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
    return file;
  }

  private static String randomPassword(int length) {
    SecureRandom random = new SecureRandom();
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }

  private void awaitHealthy() throws InterruptedException {
    long deadline = System.nanoTime() + HEALTHY.toNanos();
    Map<String, String> states = Map.of();
    while (System.nanoTime() < deadline) {
      states = healthStates();
      if (states.size() == DemoStack.SERVICES.size() && states.values().stream().allMatch("healthy"::equals)) {
        return;
      }
      if (states.values().stream().anyMatch(s -> s.startsWith("exited") || s.equals("unhealthy"))) {
        break;
      }
      Thread.sleep(1000);
    }
    fail("the demo stack did not become healthy within " + HEALTHY + ": " + states + "\n"
        + compose("ps").out + "\n" + compose("logs", "--no-color", "--tail", "30"));
  }

  private Map<String, String> healthStates() {
    Map<String, String> states = new LinkedHashMap<>();
    for (String service : DemoStack.SERVICES) {
      String id = containerId(service);
      if (id.isEmpty()) {
        continue;
      }
      Result r = run(List.of("docker", "inspect", "--format",
          "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", id));
      String[] parts = r.out.strip().split(" ");
      states.put(service, parts[0].equals("running") && parts.length > 1 ? parts[1] : r.out.strip());
    }
    return states;
  }

  private String containerId(String service) {
    return compose("ps", "-q", service).out.strip();
  }

  /** An HTTP answer, as curl got it. */
  record Http(int statusCode, String body) {}

  private Http get(String url) {
    return curl(url);
  }

  private Http curl(String... args) {
    List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "-w", "\n%{http_code}"));
    argv.addAll(List.of(args));
    Result r = run(argv);
    assertThat(r.code).as("curl %s: %s", List.of(args), r).isZero();
    int cut = r.out.lastIndexOf('\n');
    return new Http(Integer.parseInt(r.out.substring(cut + 1).strip()), r.out.substring(0, cut));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private Result compose(String... args) {
    List<String> argv = new ArrayList<>(List.of("docker-compose", "-p", project,
        "--project-directory", bundle.toString(),
        "-f", bundle.resolve("compose.yaml").toString(), "-f", bundle.resolve("pvedeploy.secrets.json").toString()));
    argv.addAll(List.of(args));
    return run(argv);
  }

  /** An exit code, stdout, and stderr (which compose v1 also uses for progress and warnings). */
  record Result(int code, String out, String err) {
    Result(int code, String out) {
      this(code, out, "");
    }

    @Override
    public String toString() {
      return "exit " + code + "\n" + out + err;
    }
  }

  private Result run(List<String> argv) {
    try {
      Path err = Files.createTempFile(tmp, "stderr-", ".txt");
      ProcessBuilder pb = new ProcessBuilder(argv).redirectError(err.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code = p.waitFor();
      String stderr = Files.readString(err);
      Files.delete(err);
      return new Result(code, out, stderr);
    } catch (IOException e) {
      return new Result(127, argv.get(0) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(130, "interrupted");
    }
  }
}
