package io.pvedeploy.proxmox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pvedeploy.sandbox.Sandbox;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The client against the stateful sandbox, over real HTTPS with fingerprint pinning. */
@Tag("integration")
class ProxmoxClientIT {
  static final String TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";
  static final Duration WAIT = Duration.ofSeconds(30);

  static Sandbox sandbox;
  static ProxmoxClient pve;

  @BeforeAll
  static void start() {
    sandbox = Sandbox.builder().nodes("pve1", "pve2").taskDuration(Duration.ofMillis(50)).start();
    pve = tokenClient().build();
  }

  @AfterAll
  static void stop() {
    pve.close();
    sandbox.close();
  }

  static ProxmoxClient.Builder tokenClient() {
    return ProxmoxClient.builder()
        .baseUrl(sandbox.url())
        .apiToken(sandbox.tokenId(), sandbox.tokenSecret())
        .tls(TlsPolicy.pinnedFingerprint(sandbox.fingerprint()))
        .retryPolicy(new RetryPolicy(6, Duration.ofMillis(20), Duration.ofMillis(200)));
  }

  static ProxmoxClient rootLogin() {
    return ProxmoxClient.builder()
        .baseUrl(sandbox.url())
        .login(sandbox.user(), sandbox.password().toCharArray())
        .tls(TlsPolicy.pinnedFingerprint(sandbox.fingerprint()))
        .build();
  }

  static LxcNetwork staticNet(String ip) {
    return LxcNetwork.builder("eth0").bridge("vmbr0").staticIp(ip + "/24", "10.10.10.1").build();
  }

  @Test
  void seesAFreshClusterLikePves() throws Exception {
    assertThat(pve.version().major()).isGreaterThanOrEqualTo(8);
    assertThat(pve.nodes().list()).extracting(NodeSummary::node).containsExactlyInAnyOrder("pve1", "pve2");
    assertThat(pve.nodes().node("pve1").status().cpus()).isPositive();
    assertThat(pve.cluster().status()).anySatisfy(e -> assertThat(e.type()).isEqualTo("cluster"));
    assertThat(pve.nodes().node("pve1").storages()).extracting(StorageSummary::storage)
        .contains("local", "local-lvm");
    assertThat(pve.nodes().node("pve1").storage("local").content("vztmpl"))
        .extracting(StorageVolume::volid).contains(TEMPLATE);
    assertThat(pve.cluster().nextId()).isGreaterThanOrEqualTo(100);
    assertThat(pve.cluster().resources(ClusterResource.Type.NODE)).hasSize(2);
  }

  @Test
  void drivesAContainerThroughItsWholeLifeAndLeavesNothingBehind() throws Exception {
    Node node = pve.nodes().node("pve1");
    int vmid = pve.cluster().nextId();
    LxcSpec spec = LxcSpec.builder(vmid, TEMPLATE).storage("local-lvm").hostname("life").memory(1024).cores(2)
        .rootfs(MountPoint.newRootfs("local-lvm", 8))
        .mountPoint(0, MountPoint.newMountPoint("local-lvm", 4, "/srv/data"))
        .network(0, staticNet("10.10.10.21"))
        .features(LxcFeatures.none().withNesting(true))
        .build();
    node.lxc().create(spec).awaitSuccess(WAIT);

    Lxc ct = node.lxc(vmid);
    LxcConfig config = ct.config();
    assertThat(config.unprivileged()).as("unprivileged is the default").isTrue();
    assertThat(config.features().nesting()).isTrue();
    assertThat(config.network(0)).get().extracting(LxcNetwork::ip).isEqualTo("10.10.10.21/24");
    assertThat(config.mountPoint(0)).get().extracting(MountPoint::mp).isEqualTo("/srv/data");
    assertThat(config.lock()).isEmpty();

    ct.updateConfig(ConfigUpdate.builder().memory(2048).digest(config.digest()).build());
    assertThat(ct.config().memoryMiB()).isEqualTo(2048);
    assertThatThrownBy(() -> ct.updateConfig(ConfigUpdate.builder().cores(4).digest(config.digest()).build()))
        .as("a write with a stale digest").isInstanceOf(ConfigChangedException.class);

    ct.status().start().awaitSuccess(WAIT);
    assertThat(ct.status().current().isRunning()).isTrue();
    assertThat(ct.interfaces()).anySatisfy(i -> assertThat(i.ipv4()).contains("10.10.10.21/24"));

    ct.snapshots().create("before_upgrade", "pre-release").awaitSuccess(WAIT);
    assertThat(ct.snapshots().list()).extracting(Snapshot::name).containsExactly("before_upgrade");

    Task backup = node.vzdump(VzdumpSpec.of(vmid, "local"));
    assertThat(backup.await(WAIT)).isInstanceOf(TaskResult.Ok.class);
    List<StorageVolume> backups = node.storage("local").content("backup");
    assertThat(backups).anySatisfy(v -> assertThat(v.vmid()).contains(vmid));
    assertThat(backup.fullLog()).isNotEmpty();

    ct.status().shutdown(Duration.ofSeconds(10), true).awaitSuccess(WAIT);
    ct.snapshots().delete("before_upgrade").awaitSuccess(WAIT);
    ct.delete(GuestDeletion.purgeAll()).awaitSuccess(WAIT);
    assertThatThrownBy(ct::config).isInstanceOf(NotFoundException.class);
    assertThat(pve.cluster().resources(ClusterResource.Type.VM)).noneMatch(r -> r.vmid() == vmid);

    // The backup restores into a working container.
    String archive = backups.stream().filter(v -> v.vmid().orElse(0) == vmid).findFirst().orElseThrow().volid();
    node.lxc().restore(vmid, archive, "local-lvm", false).awaitSuccess(WAIT);
    assertThat(node.lxc(vmid).config().hostname()).contains("life");
    node.lxc(vmid).delete(GuestDeletion.purgeAll()).awaitSuccess(WAIT);
  }

  @Test
  void clonesACloudInitTemplateAndTalksToItsAgent() throws Exception {
    Node node = pve.nodes().node("pve1");
    int vmid = pve.cluster().nextId();
    node.qemu(9000).clone(CloneSpec.full(vmid, "app-vm")).awaitSuccess(WAIT);
    Qemu vm = node.qemu(vmid);
    vm.updateConfig(ConfigUpdate.builder().ciUser("deploy")
        .sshKeys(List.of("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0 deploy@ci"))
        .ipConfig(0, IpConfig.staticIpv4("10.10.10.30/24", "10.10.10.1"))
        .build());
    QemuConfig config = vm.config();
    assertThat(config.ciUser()).contains("deploy");
    assertThat(config.sshKeys()).containsExactly("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0 deploy@ci");
    assertThat(config.ipConfig(0)).get().extracting(IpConfig::ip).isEqualTo("10.10.10.30/24");
    assertThat(config.agentEnabled()).isTrue();

    vm.status().start().awaitSuccess(WAIT);
    Agent agent = vm.agent();
    agent.ping();
    AgentExecStatus echo = agent.run(List.of("echo", "hello", "agent"), null, WAIT);
    assertThat(echo.succeeded()).isTrue();
    assertThat(echo.stdout()).isEqualTo("hello agent\n");
    agent.fileWrite("/etc/app.conf", "key=value\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(agent.fileRead("/etc/app.conf")).isEqualTo("key=value\n");
    assertThat(agent.networkInterfaces()).extracting(GuestInterface::name).contains("lo");

    vm.status().stop().awaitSuccess(WAIT);
    vm.delete(GuestDeletion.purgeAll()).awaitSuccess(WAIT);
  }

  @Test
  void seesPvesErrorShapesAsTypedExceptions() throws Exception {
    Node node = pve.nodes().node("pve1");
    assertThatThrownBy(() -> pve.api().post("/nodes/pve1/lxc", java.util.Map.of("vmid", "42", "ostemplate", TEMPLATE)))
        .isInstanceOfSatisfying(ParameterException.class, e -> assertThat(e.errors()).containsKey("vmid"));
    assertThatThrownBy(() -> node.lxc(999_999).config()).isInstanceOf(NotFoundException.class);

    int vmid = pve.cluster().nextId();
    LxcSpec docker = LxcSpec.builder(vmid, TEMPLATE).storage("local-lvm").features(LxcFeatures.docker()).build();
    assertThatThrownBy(() -> node.lxc().create(docker))
        .as("keyctl through an API token, refused as by a real PVE")
        .isInstanceOfSatisfying(PermissionDeniedException.class, e -> assertThat(e.status()).isEqualTo(403))
        .hasMessageContaining("root@pam");

    try (ProxmoxClient root = rootLogin()) {
      root.nodes().node("pve1").lxc().create(docker).awaitSuccess(WAIT);
      assertThat(root.nodes().node("pve1").lxc(vmid).config().features()).isEqualTo(LxcFeatures.docker());
      root.nodes().node("pve1").lxc(vmid).delete(GuestDeletion.purgeAll()).awaitSuccess(WAIT);
    }

    try (ProxmoxClient wrong = tokenClient().apiToken(sandbox.tokenId(), "00000000-0000-0000-0000-000000000000").build()) {
      assertThatThrownBy(wrong::version).isInstanceOf(AuthenticationException.class);
    }
    try (ProxmoxClient wrongPin = tokenClient().tls(TlsPolicy.pinnedFingerprint("AB:" + "CD:".repeat(30) + "EF")).build()) {
      assertThatThrownBy(wrongPin::version).isInstanceOf(ConnectionException.class)
          .hasMessageContaining(sandbox.fingerprint());
    }
  }

  @Test
  void retriesThroughALockWithoutCreatingTwice() throws Exception {
    Node node = pve.nodes().node("pve2");
    int vmid = pve.cluster().nextId();
    sandbox.faults().failNext(2, "POST", "/nodes/pve2/lxc", 500,
        "can't lock file '/run/lock/lxc/pve-config-" + vmid + ".lock' - got timeout");
    node.lxc().create(LxcSpec.builder(vmid, TEMPLATE).storage("local-lvm").hostname("once").build()).awaitSuccess(WAIT);
    assertThat(pve.cluster().resources(ClusterResource.Type.VM).stream().filter(r -> r.vmid() == vmid)).hasSize(1);

    // A guest locked by a running task refuses a start until the task ends; the client waits.
    Task backup = node.vzdump(VzdumpSpec.of(vmid, "local"));
    node.lxc(vmid).status().start().awaitSuccess(WAIT);
    backup.awaitSuccess(WAIT);
    node.lxc(vmid).status().stop().awaitSuccess(WAIT);
    node.lxc(vmid).delete(GuestDeletion.purgeAll()).awaitSuccess(WAIT);
  }

  @Test
  void reportsAFailedTaskWithItsLog() throws Exception {
    Node node = pve.nodes().node("pve1");
    int vmid = pve.cluster().nextId();
    node.lxc().create(LxcSpec.builder(vmid, TEMPLATE).storage("local-lvm").build()).awaitSuccess(WAIT);
    sandbox.faults().failTasks("vzstart", "command 'lxc-start -F -n " + vmid + "' failed: exit code 1");
    assertThatThrownBy(() -> node.lxc(vmid).status().start().awaitSuccess(WAIT))
        .isInstanceOfSatisfying(TaskFailedException.class, e -> {
          assertThat(e.exitStatus()).contains("exit code 1");
          assertThat(e.upid().type()).isEqualTo("vzstart");
        });
    sandbox.faults().clear();
    node.lxc(vmid).delete(GuestDeletion.purgeAll()).awaitSuccess(WAIT);
  }

  @Test
  void awaitsManyTasksAtOnce() throws Exception {
    Node node = pve.nodes().node("pve2");
    List<CompletableFuture<TaskResult>> creates = new ArrayList<>();
    List<Integer> ids = new ArrayList<>();
    int first = 5000 + new java.util.Random().nextInt(1000) * 10;
    for (int i = 0; i < 8; i++) {
      ids.add(first + i);
      creates.add(node.lxc().create(LxcSpec.builder(first + i, TEMPLATE).storage("local-lvm").build()).awaitAsync(WAIT));
    }
    CompletableFuture.allOf(creates.toArray(CompletableFuture[]::new)).get();
    assertThat(creates).allSatisfy(f -> assertThat(f.join()).isInstanceOf(TaskResult.Ok.class));
    AtomicInteger deleted = new AtomicInteger();
    for (int id : ids) {
      node.lxc(id).delete(GuestDeletion.purgeAll()).awaitSuccess(WAIT);
      deleted.incrementAndGet();
    }
    assertThat(deleted).hasValue(8);
  }

  @Test
  void listsTheTasksOfANodeWithFilters() throws Exception {
    Node node = pve.nodes().node("pve1");
    int vmid = pve.cluster().nextId();
    Task create = node.lxc().create(LxcSpec.builder(vmid, TEMPLATE).storage("local-lvm").build());
    create.awaitSuccess(WAIT);
    // vmids are reused once freed, so earlier tests may have left tasks for the same id.
    List<TaskSummary> creates = node.tasks().list(TaskQuery.builder().vmid(vmid).type("vzcreate").build());
    assertThat(creates).allSatisfy(t -> assertThat(t.upid().type()).isEqualTo("vzcreate"))
        .anySatisfy(t -> {
          assertThat(t.upid()).isEqualTo(create.upid());
          assertThat(t.status()).contains("OK");
          assertThat(t.endTime()).isPresent();
        });
    assertThat(node.tasks().list(TaskQuery.builder().limit(1).build())).hasSize(1);
    node.lxc(vmid).delete(GuestDeletion.purgeAll()).awaitSuccess(WAIT);
  }

}
