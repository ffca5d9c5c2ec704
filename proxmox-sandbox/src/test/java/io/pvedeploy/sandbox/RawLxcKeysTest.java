package io.pvedeploy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.squareup.moshi.JsonAdapter;
import com.squareup.moshi.Moshi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container's raw {@code lxc.*} keys, which only an edit of its config file can add (EtcPveIT
 * does that over the node shell): the API shows them as PVE does, refuses to set or delete them,
 * and every copy of a config keeps them. Here they get into a guest through state.json.
 */
class RawLxcKeysTest {
  private static final String TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";
  private static final JsonAdapter<Object> JSON = new Moshi.Builder().build().adapter(Object.class).indent(" ");
  private static final List<List<String>> RAW = List.of(
      List.of("lxc.apparmor.profile", "unconfined"),
      List.of("lxc.mount.entry", "/srv/a srv/a none bind,create=dir 0 0"),
      List.of("lxc.apparmor.profile", "unconfined"));

  @Test
  void theApiShowsRawKeysButCannotSetOrDeleteThemAndCopiesKeepThem(@TempDir Path dir) throws IOException {
    try (Sandbox first = Sandbox.builder().stateDir(dir).taskDuration(Duration.ofMillis(20)).start()) {
      PveHttp api = PveHttp.token(first);
      api.awaitOk(api.post("/nodes/pve1/lxc", "vmid", "150", "ostemplate", TEMPLATE, "rootfs", "local-lvm:2",
          "hostname", "raw"));
      assertThat(api.get("/nodes/pve1/lxc/150/config").dataMap()).doesNotContainKey("lxc");
    }
    addRawKeys(dir.resolve("state.json"), 150);

    try (Sandbox second = Sandbox.builder().stateDir(dir).taskDuration(Duration.ofMillis(20)).start()) {
      PveHttp api = PveHttp.token(second);
      String ct = "/nodes/pve1/lxc/150";
      Map<String, Object> config = api.get(ct + "/config").dataMap();
      assertThat(config.get("lxc")).isEqualTo(RAW);
      assertThat(config).containsEntry("hostname", "raw");

      PveHttp.Reply set = api.put(ct + "/config", "lxc", "lxc.apparmor.profile: generated");
      assertThat(set.status()).isEqualTo(400);
      assertThat(set.errors()).containsEntry("lxc",
          "property is not defined in schema and the schema does not allow additional properties");
      PveHttp.Reply delete = api.put(ct + "/config", "delete", "lxc");
      assertThat(delete.status()).isEqualTo(400);
      assertThat(delete.errors()).containsEntry("delete", "unknown option 'lxc'");

      String digest = (String) config.get("digest");
      assertThat(api.put(ct + "/config", "memory", "1024", "digest", digest).status()).isEqualTo(200);
      config = api.get(ct + "/config").dataMap();
      assertThat(config.get("lxc")).isEqualTo(RAW);
      assertThat(config).containsEntry("memory", 1024.0);

      api.awaitOk(api.post(ct + "/snapshot", "snapname", "s1"));
      assertThat(api.get(ct + "/snapshot/s1/config").dataMap().get("lxc")).isEqualTo(RAW);
      api.awaitOk(api.post(ct + "/snapshot/s1/rollback"));
      assertThat(api.get(ct + "/config").dataMap().get("lxc")).isEqualTo(RAW);

      api.awaitOk(api.post("/nodes/pve1/vzdump", "vmid", "150", "compress", "zstd"));
      String backup = (String) api.get("/nodes/pve1/storage/local/content?content=backup").dataList().get(0).get("volid");
      api.awaitOk(api.post("/nodes/pve1/lxc", "vmid", "151", "ostemplate", backup, "restore", "1"));
      assertThat(api.get("/nodes/pve1/lxc/151/config").dataMap().get("lxc")).isEqualTo(RAW);
    }

    try (Sandbox third = Sandbox.builder().stateDir(dir).start()) {
      PveHttp api = PveHttp.token(third);
      assertThat(api.get("/nodes/pve1/lxc/150/config").dataMap().get("lxc")).isEqualTo(RAW);
      assertThat(api.get("/nodes/pve1/lxc/150/snapshot/s1/config").dataMap().get("lxc")).isEqualTo(RAW);
    }
  }

  /** What an admin's edit of /etc/pve/lxc/VMID.conf leaves in the guest's config: the raw lines. */
  @SuppressWarnings("unchecked")
  private static void addRawKeys(Path stateFile, int vmid) throws IOException {
    Map<String, Object> state = (Map<String, Object>) JSON.fromJson(Files.readString(stateFile));
    StringBuilder lines = new StringBuilder();
    for (List<String> pair : RAW) {
      lines.append(lines.length() == 0 ? "" : "\n").append(pair.get(0)).append(": ").append(pair.get(1));
    }
    for (Object o : (List<Object>) state.get("guests")) {
      Map<String, Object> g = (Map<String, Object>) o;
      if (((Number) g.get("vmid")).intValue() == vmid) {
        ((Map<String, Object>) g.get("config")).put("lxc", lines.toString());
      }
    }
    Files.writeString(stateFile, JSON.toJson(state));
  }
}
