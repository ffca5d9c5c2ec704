package io.pvedeploy.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pvedeploy.docker.DockerFixture;
import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.docker.LocalShell;
import io.pvedeploy.docker.ServiceState;
import io.pvedeploy.proxmox.Qemu;
import io.pvedeploy.proxmox.QemuConfig;
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
 * The Deployer end to end into a VM on the sandbox (whose VMs run Debian's real qemu-ga), through
 * the API alone: the target has no NodeShell. It clones template 9000 into VM 162 at 10.99.0.62,
 * installs Docker through the guest agent, ships a locally built image and a bundle whose service
 * needs a generated secret file, and checks that a second plan changes nothing and a changed
 * bundle is only a new release; that a person's deploy lock keeps applies out until released;
 * and that a release failing its health gate gives way to the previous one. The VM has a data
 * volume (disk scsi1, formatted and mounted by the deployer), which the service writes to.
 */
@Tag("integration")
@ExtendWith(SandboxContainer.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeployerVmIT {
  static final int VMID = 162;
  static final String APP = "deployvmit";
  static final String SECRET_PATH = "/opt/pvedeploy/" + APP + "/secrets/api_key";
  /** The data volume (disk scsi1); the service keeps a file under it through a bind mount. */
  static final String DATA = "/srv/" + APP;

  @TempDir static Path tmp;
  static SandboxContainer.Handle h;
  static SecretStore store;
  static Deployer deployer;
  static DeploymentSpec spec;
  static Path bundle;
  static Qemu vm;
  static GuestShell guest;

  @BeforeAll
  static void setUp() throws Exception {
    DockerFixture.requireDockerAndCompose();
    // A 2 MB image: shipping through the guest agent runs at about 1 MB/s.
    String image = DockerFixture.tinyBusyboxImage();
    h = SandboxContainer.get();
    store = SecretStore.builder(tmp.resolve("app.secrets")).identity(AgeIdentity.generate()).actor("deployer-vm-it")
        .openOrCreate();
    bundle = Files.createDirectories(tmp.resolve("bundle"));
    Files.createDirectories(bundle.resolve("www"));
    Files.writeString(bundle.resolve("compose.yaml"), """
        version: "3.8"
        services:
          web:
            image: %s
            command: ["sh", "-c", "test -s /run/secrets/api_key || { echo no secret; exit 1; }; date >> /state/starts; exec busybox httpd -f -p 8080 -h /www"]
            volumes:
              - ./www:/www:ro
              - %s/state:/state
            healthcheck:
              test: ["CMD", "busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/index.html"]
              interval: 1s
              timeout: 2s
              retries: 3
        """.formatted(image, DATA));
    Files.writeString(bundle.resolve("www/index.html"), "hello v1\n");
    spec = DeploymentSpec.builder(APP)
        .guest(GuestSpec.vm(SandboxContainer.TEMPLATE_VM).vmid(VMID).node("pve1").cores(2).memoryMb(1024).diskGb(8)
            .data(DataVolume.of(1, DATA))
            .network(NetworkSpec.builder().staticIpv4("10.99.0.62/24", "10.99.0.1")))
        .compose(ComposeSpec.of(bundle, image))
        .secret(SecretSpec.hex("api_key", 16).withServices("web"))
        .healthDeadline(Duration.ofMinutes(2))
        .build();
    // API only: a VM needs no NodeShell.
    deployer = Deployer.to(Target.of(h.pve())).secrets(store).localDocker(LocalShell.create());
    vm = h.pve().nodes().node("pve1").qemu(VMID);
    guest = AgentGuestShell.of(vm);
  }

  @AfterAll
  static void destroy() throws Exception {
    if (h == null) {
      return;
    }
    SandboxContainer.destroy(vm.status(), vm::delete);
  }

  @Test
  @Order(1)
  void aFirstApplyClonesTheVmAndBringsTheStackUpThroughTheGuestAgent() throws Exception {
    Plan plan = deployer.plan(spec);
    System.out.println("=== first plan\n" + plan.render());
    assertThat(plan.steps()).allMatch(s -> s instanceof PlanStep.Create);
    assertThat(plan.steps()).extracting(PlanStep::address).containsExactly("guest.vm[162]", "docker.engine",
        "secret[api_key]", "image[" + spec.compose().images().get(0) + "]", "release");

    List<ApplyEvent> events = new ArrayList<>();
    DeploymentResult result = deployer.apply(spec, plan, e -> {
      events.add(e);
      if (!(e instanceof ApplyEvent.ImageProgress)) {
        System.out.println("event: " + e);
      }
    });
    assertThat(result.guestAddress()).contains("10.99.0.62");
    assertThat(result.services()).singleElement().satisfies(s -> {
      assertThat(s.service()).isEqualTo("web");
      assertThat(s.health()).isEqualTo(ServiceState.Health.HEALTHY);
    });
    assertThat(events).filteredOn(e -> e instanceof ApplyEvent.StepFinished).hasSize(5);

    QemuConfig config = vm.config();
    assertThat(config.name()).contains(APP);
    assertThat(config.get("tags")).contains("pvedeploy-" + APP);
    assertThat(config.get("onboot")).contains("1");
    assertThat(config.get("cores")).contains("2");
    assertThat(config.get("memory")).contains("1024");
    assertThat(config.get("ipconfig0")).contains("ip=10.99.0.62/24,gw=10.99.0.1");
    assertThat(config.get("scsi0")).hasValueSatisfying(d -> assertThat(d).contains("size=8G"));
    assertThat(out("ip", "-4", "-o", "addr", "show", "eth0")).contains("10.99.0.62/24");
    assertThat(config.get("scsi1")).hasValueSatisfying(d -> assertThat(d).contains("size=1G"));
    assertThat(out("findmnt", "-n", "-o", "SOURCE,FSTYPE", DATA)).matches("/dev/sdb\\s+ext4");
    assertThat(out("cat", "/etc/fstab")).contains(
        "/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi1 " + DATA + " ext4 defaults,nofail 0 2");
    assertThat(out("findmnt", "-n", "-o", "SOURCE", "--target", DATA + "/state/starts"))
        .as("the service's state is on the data volume").isEqualTo("/dev/sdb");

    Secret value = store.get("api_key").orElseThrow();
    assertThat(out("stat", "-c", "%a %U", SECRET_PATH)).isEqualTo("400 root");
    assertThat(guest.read(SECRET_PATH)).isEqualTo(value.bytes());
    assertThat(plan.render() + plan.toJson() + events).doesNotContain(value.asString());
  }

  @Test
  @Order(2)
  void theSameSpecAgainChangesNothing() throws Exception {
    Plan plan = deployer.plan(spec);
    System.out.println("=== second plan\n" + plan.render());
    assertThat(plan.render()).startsWith("No changes.");
    List<ApplyEvent> events = new ArrayList<>();
    assertThat(deployer.apply(spec, plan, events::add).changed()).isFalse();
    assertThat(events).isEmpty();
  }

  @Test
  @Order(3)
  void aChangedBundleIsOnlyANewRelease() throws Exception {
    Secret before = store.get("api_key").orElseThrow();
    Files.writeString(bundle.resolve("www/index.html"), "hello v2\n");
    Plan plan = deployer.plan(spec);
    System.out.println("=== plan after the page changed\n" + plan.render());
    assertThat(plan.steps().stream().filter(s -> !(s instanceof PlanStep.NoOp)).toList())
        .singleElement().isInstanceOfSatisfying(PlanStep.Update.class, u -> {
          assertThat(u.address()).isEqualTo("release");
          assertThat(u.changes()).extracting(Change::attribute).containsExactly("id", "bundle");
        });
    DeploymentResult result = deployer.apply(spec, plan, e -> { });
    assertThat(result.services()).extracting(ServiceState::health).containsExactly(ServiceState.Health.HEALTHY);
    assertThat(guest.read(SECRET_PATH)).isEqualTo(before.bytes());
    assertThat(out("sh", "-c", "docker exec $(docker ps -q --filter label=com.docker.compose.service=web) cat /www/index.html"))
        .isEqualTo("hello v2");
    assertThat(deployer.plan(spec).hasChanges()).isFalse();
  }

  @Test
  @Order(4)
  void aPersonsDeployLockKeepsAppliesOutUntilReleased() throws Exception {
    Files.writeString(bundle.resolve("www/index.html"), "hello v3\n");
    LockHolder held = deployer.lock(spec, "maintenance until 14:00");
    assertThat(deployer.lockHolder(spec)).contains(held);
    Plan plan = deployer.plan(spec);
    assertThat(plan.hasChanges()).isTrue();
    assertThatThrownBy(() -> deployer.apply(spec, plan, e -> { }))
        .isInstanceOfSatisfying(DeploymentLockedException.class, e -> assertThat(e.holder()).isEqualTo(held))
        .hasMessageContaining("maintenance until 14:00").hasMessageContaining("Nothing was changed");
    assertThat(out("cat", "/opt/pvedeploy/" + APP + "/current/www/index.html")).isEqualTo("hello v2");

    assertThat(deployer.unlock(spec)).contains(held);
    assertThat(deployer.lockHolder(spec)).isEmpty();
    deployer.apply(spec, plan, e -> { });
    assertThat(deployer.lockHolder(spec)).as("the apply released the lock it took").isEmpty();
    assertThat(out("cat", "/opt/pvedeploy/" + APP + "/current/www/index.html")).isEqualTo("hello v3");
  }

  @Test
  @Order(5)
  void aReleaseThatFailsItsHealthGateGivesWayToThePreviousOne() throws Exception {
    String before = out("readlink", "/opt/pvedeploy/" + APP + "/current");
    // The health check fetches /index.html: without it the new release turns unhealthy.
    Files.move(bundle.resolve("www/index.html"), bundle.resolve("www/moved.html"));
    try {
      List<ApplyEvent> events = new ArrayList<>();
      Plan plan = deployer.plan(spec);
      assertThatThrownBy(() -> deployer.apply(spec, plan, events::add))
          .isInstanceOfSatisfying(ReleaseRolledBackException.class, e -> {
            assertThat(e.restoredRelease()).isEqualTo(before.substring(before.lastIndexOf('/') + 1));
            assertThat(e.problems()).extracting(p -> p.service()).containsExactly("web");
          })
          .hasMessageContaining("failed its health gate").hasMessageContaining("healthy again");
      assertThat(events).filteredOn(e -> e instanceof ApplyEvent.RollingBack).hasSize(1);
      assertThat(events).last().isInstanceOf(ApplyEvent.StepFailed.class);

      assertThat(out("readlink", "/opt/pvedeploy/" + APP + "/current")).isEqualTo(before);
      assertThat(out("sh", "-c", "docker exec $(docker ps -q --filter label=com.docker.compose.service=web)"
          + " busybox wget -q -O - http://127.0.0.1:8080/index.html")).isEqualTo("hello v3");
      assertThat(deployer.lockHolder(spec)).isEmpty();
      assertThat(deployer.plan(spec).steps()).as("deployed.json still names the previous release")
          .filteredOn(s -> s.address().equals("release")).singleElement().isInstanceOf(PlanStep.Update.class);
    } finally {
      Files.move(bundle.resolve("www/moved.html"), bundle.resolve("www/index.html"));
    }
    assertThat(deployer.plan(spec).hasChanges()).isFalse();
  }

  @Test
  @Order(6)
  void switchingGuestKindIsRefusedBeforeASecondGuestWithTheSameAddressIsMade() throws Exception {
    Deployer withNode = Deployer.to(Target.of(h.pve()).via(h.node())).secrets(store).localDocker(LocalShell.create());
    for (boolean withVmid : new boolean[] {false, true}) {
      GuestSpec.Builder container = GuestSpec.lxc("local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst").node("pve1")
          .network(NetworkSpec.builder().staticIpv4("10.99.0.62/24", "10.99.0.1"));
      DeploymentSpec asContainer = DeploymentSpec.builder(APP)
          .guest(withVmid ? container.vmid(VMID) : container)
          .compose(spec.compose())
          .secret(SecretSpec.hex("api_key", 16).withServices("web"))
          .build();
      assertThatThrownBy(() -> withNode.plan(asContainer)).isInstanceOf(DeployException.class)
          .hasMessageContaining(APP + " runs in VM " + VMID + " on pve1")
          .hasMessageContaining("guest.kind asks for an LXC container")
          .hasMessageContaining("destroy guest " + VMID + " first").hasMessageContaining("Nothing was changed");
    }
  }

  @Test
  @Order(7)
  void aDataVolumeFoundUnmountedIsMountedAgainAsItWasAndNeverMoved() throws Exception {
    String starts = out("cat", DATA + "/state/starts");
    out("umount", DATA);
    Plan plan = deployer.plan(spec);
    System.out.println("=== plan with the data volume unmounted\n" + plan.render());
    assertThat(plan.steps().stream().filter(s -> !(s instanceof PlanStep.NoOp)).toList())
        .singleElement().isInstanceOfSatisfying(PlanStep.Update.class, u -> {
          assertThat(u.address()).isEqualTo("guest.vm[" + VMID + "]");
          assertThat(u.changes()).containsExactly(Change.update("data", "(not mounted)", DATA));
        });
    deployer.apply(spec, plan, e -> { });
    assertThat(out("cat", DATA + "/state/starts")).as("mounted as it was, not formatted again").isEqualTo(starts);
    assertThat(deployer.plan(spec).hasChanges()).isFalse();

    DeploymentSpec moved = spec.toBuilder().guest(spec.guest().toBuilder().data(DataVolume.of(1, "/srv/elsewhere"))
        .build()).build();
    Plan move = deployer.plan(moved);
    assertThatThrownBy(() -> deployer.apply(moved, move, e -> { })).isInstanceOf(DeployException.class)
        .hasMessageContaining("is mounted at " + DATA + ", not at /srv/elsewhere")
        .hasMessageContaining("set guest.data.path back to " + DATA);
    assertThat(out("findmnt", "-n", "-o", "TARGET", "/dev/sdb")).isEqualTo(DATA);
  }

  private static String out(String... argv) throws Exception {
    return guest.run(argv).orThrow(String.join(" ", argv)).stdoutText().strip();
  }
}
