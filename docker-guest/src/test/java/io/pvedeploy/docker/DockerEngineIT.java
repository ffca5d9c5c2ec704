package io.pvedeploy.docker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Detection and preflight against this machine's real Docker. */
@Tag("integration")
class DockerEngineIT {
  static DockerEngine engine;

  @BeforeAll
  static void requireDocker() {
    DockerFixture.requireDockerAndCompose();
    engine = DockerEngine.on(LocalShell.create());
  }

  @Test
  void detectsDockerComposeDriversAndCgroups() throws Exception {
    EngineInfo info = engine.info();
    assertThat(info.dockerInstalled()).isTrue();
    assertThat(info.daemonRunning()).isTrue();
    assertThat(info.serverVersion()).hasValueSatisfying(v -> assertThat(v).matches("[0-9]+\\..*"));
    assertThat(info.compose()).isPresent();
    ComposeTool compose = info.compose().get();
    boolean plugin = DockerFixture.run(java.util.List.of("docker", "compose", "version"), null).code() == 0;
    assertThat(compose.flavor()).as("the v2 plugin is preferred when present")
        .isEqualTo(plugin ? ComposeTool.Flavor.PLUGIN : ComposeTool.Flavor.STANDALONE);
    assertThat(compose.majorVersion()).isPositive();
    assertThat(info.storageDriver()).isPresent();
    assertThat(info.cgroupVersion()).isIn(1, 2);
    assertThat(info.proxmoxHost()).isFalse();
    assertThat(engine.requireCompose()).isEqualTo(compose);
  }

  @Test
  void preflightOfThisMachineHasNoErrors() throws Exception {
    PreflightReport report = engine.preflight();
    assertThat(report.errors()).as(report.toString()).isEmpty();
    assertThat(report.orThrow()).isSameAs(report);
  }

  @Test
  void imageIdsAsksOnceForAllAndAloneForEachWhenOneIsMissing() throws Exception {
    String base = DockerFixture.baseImage();
    String busybox = DockerFixture.busyboxImage();
    String missing = "pvedeploy-test/never-built:" + System.nanoTime();
    java.util.Map<String, String> both = engine.imageIds(java.util.List.of(busybox, base));
    assertThat(both).containsExactly(java.util.Map.entry(busybox, engine.imageId(busybox).orElseThrow()),
        java.util.Map.entry(base, engine.imageId(base).orElseThrow()));
    assertThat(engine.imageIds(java.util.List.of(base, missing, busybox)))
        .containsOnlyKeys(base, busybox).containsEntry(base, both.get(base));
    assertThat(engine.imageIds(java.util.List.of())).isEmpty();
  }
}
