package io.pvedeploy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.pvedeploy.deploy.ApplyEvent;
import io.pvedeploy.deploy.Deployer;
import io.pvedeploy.deploy.DeploymentResult;
import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.LxcGuestShell;
import io.pvedeploy.deploy.Plan;
import io.pvedeploy.deploy.PlanStep;
import io.pvedeploy.deploy.Target;
import io.pvedeploy.docker.TransferEvent;
import io.pvedeploy.proxmox.NodeShell;
import io.pvedeploy.proxmox.ProxmoxClient;
import io.pvedeploy.proxmox.TlsPolicy;
import io.pvedeploy.secrets.AgeIdentity;
import io.pvedeploy.secrets.Secret;
import io.pvedeploy.secrets.SecretStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The README's first command end to end, in a state directory of its own: the demo deploys the
 * stack into a real LXC guest on the background sandbox (10.99.8.0/24), a second run says {@code
 * No changes.}, and then the founding bug as a test: a note written through the frontend into
 * PostgreSQL, the backend changed and deployed again, the note still readable with the password
 * generated on the first run (version 1, never regenerated). A rebuilt backend image is a plan
 * with exactly that image and the release, and ships only its new layer; the password is a
 * 0400 file in the guest and in no plan, event, container config or environment.
 *
 * <p>Needs root, Docker, LXC and sshd: scripts/test.sh installs and starts them. Fails (never
 * skips) when the demo's network is taken by a demo someone left running (the sandbox's error
 * names it); a killed demo's leftover bridge is reclaimed by the sandbox.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoIT {
  static Path stateDir;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void freshStateDirectory() throws Exception {
    stateDir = Files.createTempDirectory("pvd-demo-it-");
    Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterAll
  static void destroy() throws Exception {
    if (stateDir == null) {
      return;
    }
    Run r = demo("destroy");
    new ProcessBuilder("rm", "-rf", "--one-file-system", stateDir.toString()).inheritIO().start().waitFor();
    assertThat(r.exit).as("destroy: %s", r.output).isZero();
    assertThat(new DemoSandbox(new DemoState(stateDir)).running()).isEmpty();
  }

  @Test
  @Order(1)
  void theFirstRunDeploysTheStackAndTheFrontendAnswersOnTheGuestsAddress() throws Exception {
    Run r = demo();
    assertThat(r.exit).as(r.output).isZero();
    assertThat(r.output).contains("Plan: 8 to add, 0 to change, 0 to destroy.")
        .contains("+ secret[db_password]").contains("(sensitive)")
        .as("the data volume holds Docker's named volumes").contains("local-lvm:2,mp=/var/lib/docker/volumes\"")
        .contains("The demo answers at http://10.99.8.80/").contains("\"backend\": \"1\"");
    assertThat(get("/health")).contains("\"status\": \"ok\"");
    assertThat(Files.getPosixFilePermissions(stateDir.resolve("private")))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    SecretStore store = store();
    Secret password = store.get(DemoStack.DB_PASSWORD).orElseThrow();
    assertThat(r.output).doesNotContain(password.asString());
    assertThat(store.info(DemoStack.DB_PASSWORD).orElseThrow().version()).isEqualTo(1);
    assertThat(r.output).doesNotContain("AGE-SECRET-KEY-1");
  }

  @Test
  @Order(2)
  void theSecondRunChangesNothing() throws Exception {
    Run r = demo("apply");
    assertThat(r.exit).as(r.output).isZero();
    assertThat(r.output).contains("No changes.").doesNotContain("Applying");
  }

  @Test
  @Order(3)
  void aChangedBackendKeepsThePasswordAndTheRows() throws Exception {
    String note = "written before the redeploy " + System.nanoTime();
    HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(URI.create(DemoStack.url() + "api/notes"))
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(note)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(201);
    String before = store().get(DemoStack.DB_PASSWORD).orElseThrow().asString();

    Run plan = demo("plan", "--backend-version", "2");
    assertThat(plan.exit).as(plan.output).isZero();
    assertThat(plan.output).contains("Plan: 0 to add, 1 to change, 0 to destroy.").contains("~ release");

    // Kamal's lock: an operator's lock keeps the apply out, and nothing changes until unlock.
    Run locked = demo("lock", "db maintenance until 14:00");
    assertThat(locked.exit).as(locked.output).isZero();
    assertThat(locked.output).contains("locked by ").contains("db maintenance until 14:00");
    Run refused = demo("apply", "--backend-version", "2");
    assertThat(refused.exit).as(refused.output).isEqualTo(Demo.EXIT_FAILED);
    assertThat(refused.output).contains("is locked by").contains("db maintenance until 14:00")
        .contains("Nothing was changed");
    assertThat(get("/api/")).contains("\"backend\": \"1\"");
    assertThat(demo("lock").output).contains("db maintenance until 14:00");
    Run unlocked = demo("unlock");
    assertThat(unlocked.exit).as(unlocked.output).isZero();
    assertThat(unlocked.output).contains("released the lock of").contains("db maintenance");
    assertThat(demo("lock").output).contains("not locked");

    Run r = demo("apply", "--backend-version", "2");
    assertThat(r.exit).as(r.output).isZero();
    assertThat(get("/api/")).contains("\"backend\": \"2\"").contains(note);
    SecretStore store = store();
    assertThat(store.get(DemoStack.DB_PASSWORD).orElseThrow().asString()).isEqualTo(before);
    assertThat(store.info(DemoStack.DB_PASSWORD).orElseThrow().version()).isEqualTo(1);
  }

  @Test
  @Order(4)
  void aRebuiltBackendImageIsExactlyThatImageAndShipsOnlyItsNewLayer() throws Exception {
    DemoImages.Refs refs = DemoImages.references();
    String rebuilt = "pvedeploy-demo/backend:it-" + System.nanoTime();
    Path context = Files.createTempDirectory(stateDir, "rebuild");
    Files.writeString(context.resolve("Dockerfile"), "FROM " + refs.backend() + "\nRUN echo rebuilt > /etc/demo-rebuilt\n");
    Process build = new ProcessBuilder("docker", "build", "-q", "-t", rebuilt, context.toString())
        .redirectErrorStream(true).start();
    String buildOut = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(build.waitFor()).as(buildOut).isZero();
    DemoImages.Refs changed = new DemoImages.Refs(refs.postgres(), refs.redis(), rebuilt, refs.frontend());
    Path bundle = DemoStack.writeBundle(stateDir.resolve("bundle-rebuilt"), changed, 2);
    DeploymentSpec spec = DemoStack.spec(bundle, changed);

    DemoSandbox.Connection c = new DemoSandbox(new DemoState(stateDir)).running().orElseThrow();
    AtomicInteger requests = new AtomicInteger();
    try (ProxmoxClient pve = ProxmoxClient.builder().baseUrl(c.url()).apiToken(c.tokenId(), c.tokenSecret())
            .tls(TlsPolicy.pinnedFingerprint(c.fingerprint()))
            .addInterceptor(chain -> {
              requests.incrementAndGet();
              return chain.proceed(chain.request());
            }).build();
        NodeShell node = c.nodeShell()) {
      SecretStore store = store();
      Deployer deployer = Deployer.to(Target.of(pve).via(node)).secrets(store);
      Plan plan = deployer.plan(spec);
      List<PlanStep> changes = plan.steps().stream().filter(st -> !(st instanceof PlanStep.NoOp)).toList();
      assertThat(changes).extracting(PlanStep::address).containsExactly("image[" + rebuilt + "]", "release");
      assertThat(changes.get(1).changes()).extracting(ch -> ch.attribute())
          .contains("image[" + rebuilt + "]").noneMatch(a -> a.contains("postgres") || a.contains("redis")
              || a.contains("frontend") || a.startsWith("secret"));

      List<ApplyEvent> events = new ArrayList<>();
      DeploymentResult result = deployer.apply(spec, plan, events::add);
      List<TransferEvent.Planned> shipped = events.stream()
          .filter(e -> e instanceof ApplyEvent.ImageProgress i && i.transfer() instanceof TransferEvent.Planned)
          .map(e -> (TransferEvent.Planned) ((ApplyEvent.ImageProgress) e).transfer()).toList();
      assertThat(shipped).singleElement().satisfies(p -> {
        assertThat(p.layersToSend()).isEqualTo(1);
        assertThat(p.bytesToSend()).isLessThan(1024 * 1024);
      });
      assertThat(events).filteredOn(e -> e instanceof ApplyEvent.StepFinished).hasSize(2);
      assertThat(result.services()).allMatch(io.pvedeploy.docker.ServiceState::ready);

      requests.set(0);
      Plan again = deployer.plan(spec);
      assertThat(again.hasChanges()).isFalse();
      assertThat(requests.get()).as("API requests of a no-op plan").isLessThanOrEqualTo(10);

      // The password reaches db and backend as a 0400 file; it is in no plan, container config or env.
      String password = store.get(DemoStack.DB_PASSWORD).orElseThrow().asString();
      String guest = plan.steps().get(0).address();
      LxcGuestShell shell = LxcGuestShell.of(node, Integer.parseInt(guest.substring(guest.indexOf('[') + 1,
          guest.length() - 1)));
      String file = "/opt/pvedeploy/" + DemoStack.APP + "/secrets/" + DemoStack.DB_PASSWORD;
      assertThat(shell.run("stat", "-c", "%a %U", file).orThrow("stat").stdoutText().strip()).isEqualTo("400 root");
      assertThat(new String(shell.read(file), StandardCharsets.UTF_8)).isEqualTo(password);
      String inspect = shell.run("sh", "-c", "docker inspect $(docker ps -q)").orThrow("docker inspect").stdoutText();
      assertThat(inspect).contains("/run/secrets/db_password").doesNotContain(password);
      assertThat(plan.render() + plan.toJson() + events).doesNotContain(password);
    }
    assertThat(get("/health")).contains("\"status\": \"ok\"");
  }

  // ------------------------------------------------------------------ helpers

  record Run(int exit, String output) {}

  static Run demo(String... args) {
    // The options are inherited by every subcommand, so they may follow it, as a user types them.
    List<String> argv = new ArrayList<>(List.of(args));
    argv.addAll(List.of("--state-dir", stateDir.toString()));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int exit = Demo.run(out, out, false, argv.toArray(String[]::new));
    String text = bytes.toString(StandardCharsets.UTF_8);
    System.out.println("=== pvedeploy-demo " + String.join(" ", argv) + " (exit " + exit + ")\n" + text);
    return new Run(exit, text);
  }

  static String get(String path) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(DemoStack.url() + path.substring(1)))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
    return r.body();
  }

  /** The demo's store, opened with its identity the way the demo does. */
  static SecretStore store() throws Exception {
    DemoState state = new DemoState(stateDir);
    return SecretStore.builder(state.secrets()).identity(AgeIdentity.read(state.identity())).actor("demo-it")
        .openOrCreate();
  }
}
