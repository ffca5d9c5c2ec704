package io.pvedeploy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sandbox restarted on the same state directory is the same cluster with the same secrets. */
class StatePersistenceTest {
  private static final String TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";

  @Test
  void stateAndCredentialsSurviveARestart(@TempDir Path dir) {
    String fingerprint;
    String secret;
    String password;
    String backup;
    try (Sandbox first = Sandbox.builder().nodes("pve1", "pve2").stateDir(dir).taskDuration(Duration.ofMillis(20)).start()) {
      PveHttp api = PveHttp.token(first);
      api.awaitOk(api.post("/nodes/pve2/lxc", "vmid", "123", "ostemplate",
          "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst", "rootfs", "local-lvm:2", "hostname", "kept"));
      api.awaitOk(api.post("/nodes/pve2/lxc/123/snapshot", "snapname", "s1"));
      api.awaitOk(api.post("/nodes/pve2/lxc/123/status/start"));
      api.awaitOk(api.post("/nodes/pve2/vzdump", "vmid", "123", "compress", "zstd"));
      backup = (String) api.get("/nodes/pve2/storage/local/content?content=backup").dataList().get(0).get("volid");
      fingerprint = first.fingerprint();
      secret = first.tokenSecret();
      password = first.password();
    }
    assertThat(dir.resolve("state.json")).exists();
    try (Sandbox second = Sandbox.builder().nodes("pve1", "pve2").stateDir(dir).start()) {
      assertThat(second.fingerprint()).isEqualTo(fingerprint);
      assertThat(second.tokenSecret()).isEqualTo(secret);
      assertThat(second.password()).isEqualTo(password);
      PveHttp api = PveHttp.token(second);
      Map<String, Object> config = api.get("/nodes/pve2/lxc/123/config").dataMap();
      assertThat(config).containsEntry("hostname", "kept").containsEntry("parent", "s1");
      // Running before the restart, but without onboot: a rebooted node leaves it stopped.
      assertThat(api.get("/nodes/pve2/lxc/123/status/current").dataMap()).containsEntry("status", "stopped");
      List<Map<String, Object>> backups = api.get("/nodes/pve2/storage/local/content?content=backup").dataList();
      assertThat(backups).extracting(b -> b.get("volid")).containsExactly(backup);
      assertThat(api.get("/nodes/pve2/tasks?typefilter=vzcreate").dataList()).hasSize(1);
      PveHttp anon = new PveHttp(second.url(), second.certificatePem());
      assertThat(anon.post("/access/ticket", "username", "root@pam", "password", password).status()).isEqualTo(200);
    }
  }

  /**
   * A restart is a node's reboot (pve-guests): every guest was stopped, and those with onboot: 1
   * start again in startup order (ascending, unordered ones last, ties by vmid) under a startall
   * task; one that cannot start is a warning and stays stopped; the others still start.
   */
  @Test
  void aRestartStartsOnbootGuestsInStartupOrder(@TempDir Path dir) {
    String ct = "/nodes/pve1/lxc/";
    try (Sandbox first = Sandbox.builder().stateDir(dir).taskDuration(Duration.ofMillis(20)).start()) {
      PveHttp api = PveHttp.token(first);
      createCt(api, 130, "onboot", "1", "startup", "order=2,up=5");
      createCt(api, 131, "onboot", "1");
      createCt(api, 132, "onboot", "1", "startup", "order=1");
      createCt(api, 133, "onboot", "0");
      createCt(api, 134, "hostname", "no-onboot");
      createCt(api, 135, "onboot", "1", "startup", "order=3");
      api.awaitOk(api.post("/nodes/pve1/qemu/9000/clone", "newid", "140", "name", "vm140"));
      assertThat(api.put("/nodes/pve1/qemu/140/config", "onboot", "1", "startup", "order=1").status()).isEqualTo(200);
      for (String path : List.of(ct + "130", ct + "131", ct + "133", "/nodes/pve1/qemu/140")) {
        api.awaitOk(api.post(path + "/status/start"));
      }
      // 135 will not start: a lock left behind (as by a backup the shutdown interrupted).
      assertThat(api.put(ct + "135/config", "lock", "backup").status()).isEqualTo(200);
      assertThat(api.get(ct + "132/status/current").dataMap()).containsEntry("status", "stopped");
    }
    try (Sandbox second = Sandbox.builder().stateDir(dir).start()) {
      PveHttp api = PveHttp.token(second);
      for (String path : List.of(ct + "130", ct + "131", ct + "132", "/nodes/pve1/qemu/140")) {
        assertThat(api.get(path + "/status/current").dataMap()).as(path).containsEntry("status", "running");
      }
      for (String path : List.of(ct + "133", ct + "134", ct + "135")) {
        assertThat(api.get(path + "/status/current").dataMap()).as(path).containsEntry("status", "stopped");
      }
      assertThat(api.get(ct + "130/config").dataMap()).containsEntry("onboot", 1.0).containsEntry("startup", "order=2,up=5");
      assertThat(api.get("/cluster/resources?type=vm").dataList())
          .filteredOn(r -> "running".equals(r.get("status")))
          .extracting(r -> ((Number) r.get("vmid")).intValue())
          .containsExactlyInAnyOrder(130, 131, 132, 140);

      List<Map<String, Object>> startall = api.get("/nodes/pve1/tasks?typefilter=startall").dataList();
      assertThat(startall).hasSize(1);
      assertThat(startall.get(0)).containsEntry("status", "WARNINGS: 1").containsEntry("user", "root@pam");
      String upid = (String) startall.get(0).get("upid");
      List<Object> log = api.get("/nodes/pve1/tasks/" + URLEncoder.encode(upid, StandardCharsets.UTF_8) + "/log")
          .dataList().stream().map(l -> l.get("t")).toList();
      // order=1 (ties by vmid: 132 before VM 140), order=2, order=3, then no order.
      assertThat(log).containsExactly("Starting CT 132", "Starting VM 140", "Starting CT 130", "Starting CT 135",
          "Starting CT 135 failed: CT is locked (backup)", "Starting CT 131", "TASK WARNINGS: 1");
      assertThat(api.get("/nodes/pve1/tasks?typefilter=vzstart&vmid=135").dataList())
          .anySatisfy(t -> assertThat(t).containsEntry("status", "CT is locked (backup)"));
      // A guest started on boot behaves as any running one.
      api.awaitOk(api.post(ct + "131/status/shutdown"));
      assertThat(api.get(ct + "131/status/current").dataMap()).containsEntry("status", "stopped");
    }
  }

  private static void createCt(PveHttp api, int vmid, String... settings) {
    List<String> params = new java.util.ArrayList<>(
        List.of("vmid", String.valueOf(vmid), "ostemplate", TEMPLATE, "rootfs", "local-lvm:2"));
    params.addAll(List.of(settings));
    api.awaitOk(api.post("/nodes/pve1/lxc", params.toArray(String[]::new)));
  }

  @Test
  void simulatedGuestsAreSpreadOverNodesAndListedRepeatedly() {
    // How fast is measured in benchmarks/ (ClusterResourcesBenchmark), never in a timed test.
    try (Sandbox pve = Sandbox.builder().nodes("a1", "a2", "a3").simulatedGuests(5000).start()) {
      PveHttp api = PveHttp.token(pve);
      List<Map<String, Object>> vms = api.get("/cluster/resources?type=vm").dataList();
      assertThat(vms).hasSize(5001);
      assertThat(vms).filteredOn(v -> "a3".equals(v.get("node"))).hasSizeGreaterThan(1600);
      assertThat(vms).filteredOn(v -> "lxc".equals(v.get("type"))).hasSize(2500);
      for (int i = 0; i < 5; i++) {
        assertThat(api.get("/cluster/resources").status()).isEqualTo(200);
      }
    }
  }
}
