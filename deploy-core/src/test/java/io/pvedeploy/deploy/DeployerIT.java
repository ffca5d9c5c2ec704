package io.pvedeploy.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.pvedeploy.docker.DockerFixture;
import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.docker.LocalShell;
import io.pvedeploy.docker.ServiceState;
import io.pvedeploy.proxmox.GuestDeletion;
import io.pvedeploy.proxmox.Lxc;
import io.pvedeploy.secrets.AgeIdentity;
import io.pvedeploy.secrets.Secret;
import io.pvedeploy.secrets.SecretStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Deployer end to end on the sandbox's real LXC backend: it creates its own container (CT
 * 161 at 10.99.0.61, beside the shared CT 151), installs Docker in it, ships a locally built
 * image and a two-service compose "3.8" bundle whose web service needs a generated secret file,
 * and checks that a second apply changes nothing and a changed bundle is only a new release.
 */
@Tag("integration")
@ExtendWith(SandboxContainer.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeployerIT {
  static final int VMID = 161;
  static final String APP = "deployit";
  static final String SECRET_PATH = "/opt/pvedeploy/" + APP + "/secrets/db_password";

  @TempDir static Path tmp;
  static SandboxContainer.Handle h;
  static SecretStore store;
  static Deployer deployer;
  static DeploymentSpec spec;
  static Path bundle;
  static GuestShell guest;

  @BeforeAll
  static void setUp() throws Exception {
    DockerFixture.requireDockerAndCompose();
    String image = DockerFixture.busyboxImage();
    h = SandboxContainer.get();
    store = SecretStore.builder(tmp.resolve("app.secrets")).identity(AgeIdentity.generate()).actor("deployer-it")
        .openOrCreate();
    bundle = Files.createDirectories(tmp.resolve("bundle"));
    Files.createDirectories(bundle.resolve("www"));
    Files.writeString(bundle.resolve("compose.yaml"), """
        version: "3.8"
        services:
          web:
            image: %1$s
            command: ["sh", "-c", "test -s /run/secrets/db_password || { echo no secret; exit 1; }; exec busybox httpd -f -v -p 8080 -h /www"]
            volumes:
              - ./www:/www:ro
            healthcheck:
              test: ["CMD", "busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/index.html"]
              interval: 1s
              timeout: 2s
              retries: 3
          check:
            image: %1$s
            command: ["sh", "-c", "while true; do busybox wget -q -O - http://web:8080/index.html; sleep 5; done"]
        """.formatted(image));
    Files.writeString(bundle.resolve("www/index.html"), "hello v1\n");
    spec = DeploymentSpec.builder(APP)
        .guest(GuestSpec.lxc(SandboxContainer.TEMPLATE).vmid(VMID).node("pve1").cores(2).memoryMb(1024).diskGb(8)
            .network(NetworkSpec.builder().staticIpv4("10.99.0.61/24", "10.99.0.1")))
        .compose(ComposeSpec.of(bundle, image))
        .secret(SecretSpec.password("db_password", 24).withServices("web"))
        .healthDeadline(Duration.ofMinutes(2))
        .build();
    deployer = Deployer.to(Target.of(h.pve()).via(h.node())).secrets(store).localDocker(LocalShell.create());
    guest = LxcGuestShell.of(h.node(), VMID);
  }

  @AfterAll
  static void destroy() throws Exception {
    if (h == null) {
      return;
    }
    Lxc ct = h.pve().nodes().node("pve1").lxc(VMID);
    try {
      if (ct.status().current().isRunning()) {
        ct.status().stop().awaitSuccess(Duration.ofMinutes(2));
      }
      ct.delete(GuestDeletion.purgeAll()).awaitSuccess(Duration.ofMinutes(2));
    } catch (io.pvedeploy.proxmox.NotFoundException e) {
      // never created
    }
  }

  @Test
  @Order(1)
  void aFirstApplyCreatesTheGuestAndBringsTheStackUpHealthyWithItsSecretFile() throws Exception {
    Plan plan = deployer.plan(spec);
    System.out.println("=== first plan\n" + plan.render());
    assertThat(plan.steps()).allMatch(s -> s instanceof PlanStep.Create);
    assertThat(plan.steps()).extracting(PlanStep::address).containsExactly("guest.lxc[161]", "docker.engine",
        "secret[db_password]", "image[" + spec.compose().images().get(0) + "]", "release");
    assertThat(store.names()).as("planning generates nothing").isEmpty();

    List<ApplyEvent> events = new ArrayList<>();
    DeploymentResult result = deployer.apply(spec, plan, e -> {
      events.add(e);
      if (!(e instanceof ApplyEvent.ImageProgress)) {
        System.out.println("event: " + e);
      }
    });
    assertThat(result.changed()).isTrue();
    assertThat(plan.steps().get(4).changes().get(0).after()).as("the plan names the release it makes")
        .contains(result.releaseId());
    assertThat(result.guestAddress()).contains("10.99.0.61");
    assertThat(result.services()).extracting(ServiceState::service).containsExactlyInAnyOrder("check", "web");
    assertThat(result.services()).filteredOn(s -> s.service().equals("web"))
        .extracting(ServiceState::health).containsExactly(ServiceState.Health.HEALTHY);
    assertThat(events).filteredOn(e -> e instanceof ApplyEvent.StepFinished).hasSize(5);
    assertThat(events).anyMatch(e -> e instanceof ApplyEvent.ImageProgress);

    Secret value = store.get("db_password").orElseThrow();
    assertThat(out("stat", "-c", "%a %U", SECRET_PATH)).isEqualTo("400 root");
    assertThat(guest.read(SECRET_PATH)).isEqualTo(value.bytes());
    String inspect = out("sh", "-c", "docker inspect $(docker ps -aq)");
    assertThat(inspect).contains("/run/secrets/db_password").doesNotContain(value.asString());
    assertThat(plan.render() + plan.toJson() + events).doesNotContain(value.asString());
  }

  @Test
  @Order(2)
  void theSameSpecAgainChangesNothing() throws Exception {
    long before = h.sandbox().requestCount();
    Plan plan = deployer.plan(spec);
    long requests = h.sandbox().requestCount() - before;
    System.out.println("=== second plan (" + requests + " API requests)\n" + plan.render());
    assertThat(plan.hasChanges()).isFalse();
    assertThat(plan.render()).startsWith("No changes.");
    assertThat(requests).isLessThanOrEqualTo(10);

    List<ApplyEvent> events = new ArrayList<>();
    DeploymentResult again = deployer.apply(spec, plan, events::add);
    assertThat(again.changed()).isFalse();
    assertThat(events).isEmpty();
  }

  @Test
  @Order(3)
  void aChangedBundleIsOnlyANewReleaseAndTheSecretStaysAsItWas() throws Exception {
    Secret before = store.get("db_password").orElseThrow();
    Files.writeString(bundle.resolve("www/index.html"), "hello v2\n");
    Plan plan = deployer.plan(spec);
    System.out.println("=== plan after the page changed\n" + plan.render());
    assertThat(plan.steps().stream().filter(s -> !(s instanceof PlanStep.NoOp)).toList())
        .singleElement().isInstanceOfSatisfying(PlanStep.Update.class, u -> {
          assertThat(u.address()).isEqualTo("release");
          assertThat(u.changes()).extracting(Change::attribute).containsExactly("id", "bundle");
        });
    DeploymentResult result = deployer.apply(spec, plan, e -> { });
    assertThat(result.services()).filteredOn(s -> s.service().equals("web"))
        .extracting(ServiceState::health).containsExactly(ServiceState.Health.HEALTHY);
    assertThat(store.get("db_password")).contains(before);
    assertThat(store.info("db_password").orElseThrow().version()).isEqualTo(1);
    assertThat(guest.read(SECRET_PATH)).isEqualTo(before.bytes());
    assertThat(out("sh", "-c", "docker exec $(docker ps -q --filter label=com.docker.compose.service=web) cat /www/index.html"))
        .isEqualTo("hello v2");
    assertThat(deployer.plan(spec).hasChanges()).isFalse();
  }

  private static String out(String... argv) throws Exception {
    return guest.run(argv).orThrow(String.join(" ", argv)).stdoutText().strip();
  }
}
