package io.pvedeploy.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pvedeploy.docker.DockerFixture;
import io.pvedeploy.docker.LocalShell;
import io.pvedeploy.proxmox.Lxc;
import io.pvedeploy.proxmox.ProxmoxClient;
import io.pvedeploy.proxmox.Qemu;
import io.pvedeploy.proxmox.QemuConfig;
import io.pvedeploy.proxmox.TlsPolicy;
import io.pvedeploy.secrets.AgeIdentity;
import io.pvedeploy.secrets.SecretStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
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
 * Plain SSH into the guest: an LXC container deployed with a root@pam login and no NodeShell at
 * all, so every command inside it goes over SSH with the host key pinned from PVE's create task.
 */
@Tag("integration")
@ExtendWith(SandboxContainer.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeployerGuestSshIT {
  static final int VMID = 163;
  static final String ADDRESS = "10.99.0.63";
  static final String APP = "deploysshit";
  static final String DATA = "/srv/" + APP;
  static final int VM_VMID = 164;
  static final String VM_ADDRESS = "10.99.0.64";

  @TempDir static Path tmp;
  static SandboxContainer.Handle h;
  static ProxmoxClient rootPam;
  static GuestSsh ssh;
  static Deployer deployer;
  static DeploymentSpec spec;

  @BeforeAll
  static void setUp() throws Exception {
    DockerFixture.requireDockerAndCompose();
    String image = DockerFixture.tinyBusyboxImage();
    h = SandboxContainer.get();
    rootPam = ProxmoxClient.builder().baseUrl(h.sandbox().url())
        .login("root@pam", h.sandbox().password().toCharArray())
        .tls(TlsPolicy.pinnedFingerprint(h.sandbox().fingerprint()))
        .readTimeout(Duration.ofMinutes(2)).build();
    Path keys = Files.createDirectories(tmp.resolve("ssh"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    LocalShell.create().run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "deployer-ssh-it",
        "-f", keys.resolve("id_ed25519").toString()).orThrow("ssh-keygen");
    ssh = GuestSsh.builder().identityFile(keys.resolve("id_ed25519")).knownHostsFile(keys.resolve("known_hosts")).build();

    Path bundle = SandboxContainer.httpdBundle(tmp, image, "over ssh\n");
    spec = DeploymentSpec.builder(APP)
        .guest(GuestSpec.lxc(SandboxContainer.TEMPLATE).vmid(VMID).node("pve1").cores(2).memoryMb(1024).diskGb(8)
            .data(DataVolume.of(1, DATA))
            .network(NetworkSpec.builder().staticIpv4(ADDRESS + "/24", "10.99.0.1")))
        .compose(ComposeSpec.of(bundle, image))
        .healthDeadline(Duration.ofMinutes(2))
        .build();
    SecretStore store = SecretStore.builder(tmp.resolve("app.secrets")).identity(AgeIdentity.generate())
        .actor("deployer-ssh-it").openOrCreate();
    // No NodeShell: without SSH this target could not enter a container at all.
    deployer = Deployer.to(Target.of(rootPam).guestSsh(ssh)).secrets(store).localDocker(LocalShell.create());
  }

  @AfterAll
  static void destroy() throws Exception {
    if (h == null) {
      return;
    }
    Lxc ct = h.pve().nodes().node("pve1").lxc(VMID);
    SandboxContainer.destroy(ct.status(), ct::delete);
    Qemu vm = h.pve().nodes().node("pve1").qemu(VM_VMID);
    SandboxContainer.destroy(vm.status(), vm::delete);
    rootPam.close();
  }

  @Test
  @Order(1)
  void aTargetWithoutNodeShellDeploysIntoAContainerOverSshWithItsHostKeyPinned() throws Exception {
    assertThat(Files.exists(ssh.knownHostsFile())).isFalse();
    Plan plan = deployer.plan(spec);
    assertThat(plan.steps()).extracting(PlanStep::address)
        .containsExactly("guest.lxc[163]", "docker.engine", "image[" + spec.compose().images().get(0) + "]", "release");

    DeploymentResult result = deployer.apply(spec, plan, e -> {
      if (e instanceof ApplyEvent.StepProgress p) {
        System.out.println(p.step().address() + ": " + p.message());
      }
    });

    assertThat(result.services()).singleElement().satisfies(s -> assertThat(s.running()).isTrue());
    // Pinned from the create task's fingerprints: exactly the container's keys, under its address.
    List<String> known = Files.readAllLines(ssh.knownHostsFile());
    assertThat(known).isNotEmpty().allMatch(l -> l.startsWith(ADDRESS + " "));
    assertThat(known).anyMatch(l -> l.startsWith(ADDRESS + " ssh-ed25519 AAAA"));
    assertThat(Files.getPosixFilePermissions(ssh.knownHostsFile())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    // The key went into the container as PVE puts it: root's authorized_keys.
    String authorized = LocalShell.create().run("ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
        "-o", "UserKnownHostsFile=" + ssh.knownHostsFile(), "-i", ssh.identityFile().toString(), "-o", "IdentitiesOnly=yes",
        "root@" + ADDRESS, "cat /root/.ssh/authorized_keys; docker ps --format '{{.Names}}'").orThrow("ssh").stdoutText();
    assertThat(authorized).contains("deployer-ssh-it").contains("web");
    String page = LocalShell.create().run("curl", "-fsS", "--max-time", "10", "http://" + ADDRESS + ":8080/index.html")
        .orThrow("curl").stdoutText();
    assertThat(page).isEqualTo("over ssh\n");
  }

  @Test
  @Order(2)
  void theSecondPlanOverSshHasNoChangesAndALargerDataVolumeGrowsMp0InPlace() throws Exception {
    Plan again = deployer.plan(spec);
    assertThat(again.render()).contains("No changes.");

    DeploymentSpec grown = spec.toBuilder().guest(spec.guest().toBuilder().data(DataVolume.of(2, DATA)).build()).build();
    Plan plan = deployer.plan(grown);
    assertThat(plan.steps().stream().filter(s -> !(s instanceof PlanStep.NoOp)).toList())
        .singleElement().isInstanceOfSatisfying(PlanStep.Update.class, u -> {
          assertThat(u.address()).isEqualTo("guest.lxc[" + VMID + "]");
          assertThat(u.changes()).containsExactly(Change.update("mp0", "1G", "2G"));
        });
    deployer.apply(grown, plan, e -> { });
    assertThat(h.pve().nodes().node("pve1").lxc(VMID).config().get("mp0"))
        .hasValueSatisfying(mp0 -> assertThat(mp0).contains("mp=" + DATA).contains("size=2G"));
    assertThat(deployer.plan(grown).render()).contains("No changes.");
    assertThatThrownBy(() -> deployer.plan(spec)).isInstanceOf(DeployException.class)
        .hasMessageContaining("below the data volume's 2G (mp0 of CT " + VMID + ")")
        .hasMessageContaining("Nothing was changed");
    spec = grown;
  }

  @Test
  @Order(3)
  void aChangedHostKeyIsRefusedAndNamesTheKnownHostsFile() throws Exception {
    List<String> pinned = Files.readAllLines(ssh.knownHostsFile());
    Path other = tmp.resolve("other_key");
    LocalShell.create().run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString()).orThrow("ssh-keygen");
    String foreign = Files.readString(Path.of(other + ".pub")).strip().split(" ")[1];
    Files.write(ssh.knownHostsFile(), List.of(ADDRESS + " ssh-ed25519 " + foreign));
    try {
      assertThatThrownBy(() -> deployer.plan(spec)).isInstanceOf(DeployException.class)
          .hasMessageContaining("host key").hasMessageContaining(ssh.knownHostsFile().toString());
    } finally {
      Files.write(ssh.knownHostsFile(), pinned);
    }
    assertThat(deployer.plan(spec).render()).contains("No changes.");
  }

  @Test
  @Order(4)
  void aVmGetsTheKeyByCloudInitAndItsHostKeysPinnedThroughTheAgent() throws Exception {
    DeploymentSpec vmSpec = DeploymentSpec.builder(APP + "vm")
        .guest(GuestSpec.vm(SandboxContainer.TEMPLATE_VM).vmid(VM_VMID).node("pve1").cores(2).memoryMb(1024).diskGb(8)
            .network(NetworkSpec.builder().staticIpv4(VM_ADDRESS + "/24", "10.99.0.1")))
        .compose(spec.compose())
        .healthDeadline(Duration.ofMinutes(2))
        .build();
    Deployer overSsh = Deployer.to(Target.of(h.pve()).guestSsh(ssh)).localDocker(LocalShell.create());

    overSsh.apply(vmSpec, e -> {
      if (e instanceof ApplyEvent.StepProgress p) {
        System.out.println(p.step().address() + ": " + p.message());
      }
    });

    QemuConfig config = h.pve().nodes().node("pve1").qemu(VM_VMID).config();
    assertThat(config.ciUser()).contains("root");
    assertThat(config.sshKeys()).singleElement().asString().endsWith("deployer-ssh-it");
    assertThat(Files.readAllLines(ssh.knownHostsFile())).anyMatch(l -> l.startsWith(VM_ADDRESS + " ssh-ed25519 AAAA"))
        .anyMatch(l -> l.startsWith(ADDRESS + " ")); // the container's entries stay
    String page = LocalShell.create().run("curl", "-fsS", "--max-time", "10", "http://" + VM_ADDRESS + ":8080/index.html")
        .orThrow("curl").stdoutText();
    assertThat(page).isEqualTo("over ssh\n");
    assertThat(overSsh.plan(vmSpec).render()).contains("No changes.");
  }
}
