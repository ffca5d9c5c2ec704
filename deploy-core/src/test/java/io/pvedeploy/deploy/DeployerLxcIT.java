package io.pvedeploy.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.pvedeploy.docker.DockerFixture;
import io.pvedeploy.docker.LocalShell;
import io.pvedeploy.proxmox.Lxc;
import io.pvedeploy.proxmox.LxcConfig;
import io.pvedeploy.secrets.AgeIdentity;
import io.pvedeploy.secrets.SecretStore;
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
 * An LXC container through the node's shell with AppArmor turned off by the spec's opt-in: PVE
 * has no API for {@code lxc.apparmor.profile}, so the deployer writes it into the container's
 * config file on the node (the sandbox's node shell sees its /etc/pve stand-in), before the first
 * start. Dropping the opt-in removes the line and restarts the container, and the app, whose
 * service has no restart policy, is brought back up and answers again; so does setting back
 * features someone changed by hand.
 */
@Tag("integration")
@ExtendWith(SandboxContainer.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeployerLxcIT {
  static final int VMID = 165;
  static final String ADDRESS = "10.99.0.65";
  static final String APP = "deploylxcit";
  static final String REASON = "the app mounts NFS shares itself (OPS-7)";

  @TempDir static Path tmp;
  static SandboxContainer.Handle h;
  static Deployer deployer;
  static DeploymentSpec confined;
  static DeploymentSpec unconfined;
  static Lxc ct;

  @BeforeAll
  static void setUp() throws Exception {
    DockerFixture.requireDockerAndCompose();
    String image = DockerFixture.tinyBusyboxImage();
    h = SandboxContainer.get();
    // No restart policy: after the container restarts, only the deployer brings the app back.
    Path bundle = SandboxContainer.httpdBundle(tmp, image, "through the node\n");
    confined = DeploymentSpec.builder(APP)
        .guest(GuestSpec.lxc(SandboxContainer.TEMPLATE).vmid(VMID).node("pve1").cores(2).memoryMb(1024).diskGb(8)
            .network(NetworkSpec.builder().staticIpv4(ADDRESS + "/24", "10.99.0.1")))
        .compose(ComposeSpec.of(bundle, image))
        .healthDeadline(Duration.ofMinutes(2))
        .build();
    unconfined = confined.toBuilder().guest(confined.guest().toBuilder()
        .security(SecurityPolicy.defaults().apparmorUnconfined(REASON)).build()).build();
    SecretStore store = SecretStore.builder(tmp.resolve("app.secrets")).identity(AgeIdentity.generate())
        .actor("deployer-lxc-it").openOrCreate();
    deployer = Deployer.to(Target.of(h.pve()).via(h.node())).secrets(store).localDocker(LocalShell.create());
    ct = h.pve().nodes().node("pve1").lxc(VMID);
  }

  @AfterAll
  static void destroy() throws Exception {
    if (h != null) {
      SandboxContainer.destroy(ct.status(), ct::delete);
    }
  }

  @Test
  @Order(1)
  void theOptInIsWrittenIntoTheConfigFileBeforeTheFirstStartAndWarnedAboutInThePlan() throws Exception {
    Plan plan = deployer.plan(unconfined);
    String text = plan.render();
    System.out.println("=== first plan\n" + text);
    assertThat(text).contains("+ lxc.apparmor.profile = \"unconfined\"").contains(REASON);
    assertThat(plan.warnings()).singleElement().asString().contains("AppArmor unconfined").contains(REASON);

    DeploymentResult result = deployer.apply(unconfined, plan, e -> {
      if (e instanceof ApplyEvent.StepProgress p) {
        System.out.println(p.step().address() + ": " + p.message());
      }
    });
    assertThat(result.services()).singleElement().satisfies(s -> assertThat(s.running()).isTrue());

    LxcConfig config = ct.config();
    assertThat(config.raw("lxc.apparmor.profile")).contains("unconfined");
    assertThat(config.features().render()).isEqualTo("keyctl=1,nesting=1");
    assertThat(nodeFile()).contains("\nlxc.apparmor.profile: unconfined\n");
    assertThat(page()).isEqualTo("through the node\n");
  }

  @Test
  @Order(2)
  void theSamePlanAgainHasNoChanges() throws Exception {
    Plan again = deployer.plan(unconfined);
    assertThat(again.hasChanges()).as(again.render()).isFalse();
    assertThat(again.render()).contains("No changes.").contains(REASON);
  }

  @Test
  @Order(3)
  void droppingTheOptInRemovesTheLineRestartsTheContainerAndBringsTheAppBack() throws Exception {
    Plan plan = deployer.plan(confined);
    System.out.println("=== confined again\n" + plan.render());
    assertThat(plan.steps().stream().filter(s -> !(s instanceof PlanStep.NoOp)).toList()).singleElement()
        .satisfies(s -> assertThat(s.changes()).containsExactly(Change.remove("lxc.apparmor.profile", "unconfined"),
            Change.update("status", "running", "restarted")));
    assertThat(plan.warnings()).isEmpty();

    List<String> progress = new ArrayList<>();
    DeploymentResult result = deployer.apply(confined, plan, e -> {
      if (e instanceof ApplyEvent.StepProgress p) {
        progress.add(p.message());
        System.out.println(p.step().address() + ": " + p.message());
      }
    });
    assertThat(progress).anyMatch(m -> m.startsWith("restarting CT " + VMID))
        .anyMatch(m -> m.startsWith("bringing release " + result.releaseId() + " back up after the restart"));
    assertThat(result.services()).singleElement().satisfies(s -> assertThat(s.running()).isTrue());
    assertThat(ct.config().raw("lxc.apparmor.profile")).isEmpty();
    assertThat(nodeFile()).doesNotContain("lxc.apparmor.profile");
    assertThat(page()).isEqualTo("through the node\n");
    assertThat(deployer.plan(confined).hasChanges()).isFalse();
  }

  @Test
  @Order(4)
  void featuresChangedByHandAreSetBackAndTheContainerRestartedForThem() throws Exception {
    // Drift: someone dropped keyctl. PVE keeps a running container's new features pending, so
    // setting them back takes a restart; the app comes back up after it.
    h.node().pctSet(VMID, java.util.Map.of("features", "nesting=1"));
    Plan plan = deployer.plan(confined);
    assertThat(plan.steps().stream().filter(s -> !(s instanceof PlanStep.NoOp)).toList()).singleElement()
        .satisfies(s -> assertThat(s.changes()).containsExactly(
            Change.update("features", "nesting=1", "keyctl=1,nesting=1"), Change.update("status", "running", "restarted")));

    List<String> progress = new ArrayList<>();
    DeploymentResult result = deployer.apply(confined, plan, e -> {
      if (e instanceof ApplyEvent.StepProgress p) {
        progress.add(p.message());
      }
    });
    assertThat(progress).contains("restarting CT " + VMID + ": it takes its new features when it starts");
    assertThat(result.services()).singleElement().satisfies(s -> assertThat(s.running()).isTrue());
    assertThat(ct.config().features().render()).isEqualTo("keyctl=1,nesting=1");
    assertThat(page()).isEqualTo("through the node\n");
    assertThat(deployer.plan(confined).hasChanges()).isFalse();
  }

  private static String nodeFile() throws Exception {
    return h.node().run(List.of("cat", "/etc/pve/lxc/" + VMID + ".conf")).orThrow().stdoutText();
  }

  private static String page() throws Exception {
    return LocalShell.create().run("curl", "-fsS", "--max-time", "10", "--retry", "10", "--retry-connrefused",
        "--retry-delay", "1", "http://" + ADDRESS + ":8080/index.html").orThrow("curl").stdoutText();
  }
}
