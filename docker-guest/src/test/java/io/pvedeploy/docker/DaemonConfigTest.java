package io.pvedeploy.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pvedeploy.docker.internal.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DaemonConfigTest {

  @Test
  void defaultsRotateLogsAndKeepContainersAcrossRestarts() throws Exception {
    String json = DaemonConfig.defaults().toJson();
    assertThat(json).isEqualTo("""
        {
          "live-restore": true,
          "log-driver": "json-file",
          "log-opts": {
            "max-file": "3",
            "max-size": "10m"
          }
        }
        """);
  }

  @Test
  void everyOptionRendersAsDockerReadsIt() throws Exception {
    DaemonConfig c = DaemonConfig.builder().logDriver("local").logRotation("50m", 5).iptables(false)
        .storageDriver("overlay2").liveRestore(false).build();
    Map<String, Object> parsed = Json.parseObject(c.toJson());
    assertThat(parsed).containsEntry("log-driver", "local").containsEntry("iptables", false)
        .containsEntry("storage-driver", "overlay2").containsEntry("live-restore", false);
    assertThat(Json.object(parsed, "log-opts")).containsEntry("max-size", "50m").containsEntry("max-file", "5");
    assertThat(c.toJson()).as("stable bytes, so an unchanged config never restarts the daemon").isEqualTo(c.toJson());
    assertThat(DaemonConfig.builder().noLogRotation().build().toJson()).doesNotContain("log-opts");
  }

  @Test
  void refusesValuesThatAreNotDockers() {
    assertThatThrownBy(() -> DaemonConfig.builder().logRotation("10 m", 3).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("size");
    assertThatThrownBy(() -> DaemonConfig.builder().storageDriver("overlay2\", \"x\": \"y").build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DaemonConfig.builder().logDriver("JSON FILE").build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DaemonConfig.builder().logRotation("10m", -1).build())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
