package io.pvedeploy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sandbox restarted on the same state directory is the same cluster with the same secrets. */
class StatePersistenceTest {
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
      assertThat(api.get("/nodes/pve2/lxc/123/status/current").dataMap()).containsEntry("status", "running");
      List<Map<String, Object>> backups = api.get("/nodes/pve2/storage/local/content?content=backup").dataList();
      assertThat(backups).extracting(b -> b.get("volid")).containsExactly(backup);
      assertThat(api.get("/nodes/pve2/tasks?typefilter=vzcreate").dataList()).hasSize(1);
      PveHttp anon = new PveHttp(second.url(), second.certificatePem());
      assertThat(anon.post("/access/ticket", "username", "root@pam", "password", password).status()).isEqualTo(200);
    }
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
