package io.pvedeploy.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compose projects against the real local dockerd: a two-service bundle (a busybox httpd with a
 * health check, and a client that depends on it being healthy and talks to it) shipped, brought
 * up and seen healthy; then a release whose health check fails, which must name the service and
 * show its health output and log tail; {@code down} leaves nothing with our labels behind.
 */
@Tag("integration")
class ComposeProjectIT {
  static String image;
  static DockerEngine engine;
  static Path base;

  String app;
  ComposeProject project;

  @BeforeAll
  static void images() throws Exception {
    DockerFixture.requireDockerAndCompose();
    image = DockerFixture.busyboxImage();
    engine = DockerEngine.on(LocalShell.create());
    base = Files.createTempDirectory("pvd-compose-it-");
  }

  @AfterAll
  static void removeBase() {
    if (base != null) {
      DockerFixture.run(List.of("rm", "-rf", "--", base.toString()), null);
    }
  }

  @BeforeEach
  void project() throws Exception {
    app = "it-" + HexFormat.of().formatHex(new byte[] {(byte) new Random().nextInt(), (byte) new Random().nextInt(),
        (byte) new Random().nextInt()});
    project = engine.project(app).withBaseDirectory(base.toString());
  }

  @AfterEach
  void cleanUp() {
    DockerFixture.removeByLabel(app);
  }

  static String compose(String image) {
    return TwoServiceBundle.compose(image);
  }

  static Path bundle(Path dir, String healthPath) throws Exception {
    return TwoServiceBundle.write(dir, image, healthPath);
  }

  @Test
  void aHealthyReleaseThenABrokenOneThenDownLeavesNothing(@TempDir Path tmp) throws Exception {
    ComposeBundle good = ComposeBundle.fromDirectory(bundle(tmp.resolve("good"), "index.html"));

    Release release = project.ship(good);
    assertThat(release.newlyShipped()).isTrue();
    assertThat(release.directory()).isEqualTo(base + "/" + app + "/releases/" + good.id());
    assertThat(project.ship(good)).as("shipping the same bundle again is a no-op")
        .isEqualTo(new Release(app, good.id(), release.directory(), false));
    assertThat(Files.readString(Path.of(release.directory(), "www/index.html"))).isEqualTo("hello from pvedeploy\n");
    assertThat(Files.isWritable(Path.of(release.directory(), "compose.yaml")) && !isRoot())
        .as("release files are read-only").isFalse();

    List<ServiceState> states = project.up(release, Duration.ofSeconds(60));
    assertThat(states).extracting(ServiceState::service).containsExactly("client", "web");
    ServiceState web = states.get(1);
    assertThat(web.health()).isEqualTo(ServiceState.Health.HEALTHY);
    assertThat(web.running()).isTrue();
    assertThat(web.imageId()).startsWith("sha256:");
    assertThat(web.release()).contains(good.id());
    assertThat(states.get(0).health()).isEqualTo(ServiceState.Health.NONE);
    assertThat(states.get(0).running()).isTrue();
    assertThat(project.currentRelease()).map(Release::id).contains(good.id());

    // The dependent service really talks to the healthy one.
    String logs = "";
    for (int i = 0; i < 20 && !logs.contains("got: hello from pvedeploy"); i++) {
      Thread.sleep(500);
      logs = project.logs("client", 20);
    }
    assertThat(logs).contains("got: hello from pvedeploy");
    List<String> followed = Collections.synchronizedList(new ArrayList<>());
    project.followLogs("client", 1, Duration.ofSeconds(3), followed::add);
    assertThat(followed).anySatisfy(l -> assertThat(l).contains("got: hello from pvedeploy"));

    assertThat(project.images(release)).extracting(ServiceImage::reference).containsExactly(image, image);
    assertThat(project.images(release).get(0).imageId()).isPresent();
    assertThat(DockerFixture.leftovers(app)).anyMatch(s -> s.startsWith("network "))
        .anyMatch(s -> s.startsWith("volume ")).anyMatch(s -> s.startsWith("container "));

    // A release whose health check cannot pass.
    ComposeBundle broken = ComposeBundle.fromDirectory(bundle(tmp.resolve("broken"), "missing.html"));
    assertThat(broken.id()).isNotEqualTo(good.id());
    Release second = project.ship(broken);
    assertThatThrownBy(() -> project.up(second, Duration.ofSeconds(60)))
        .isInstanceOfSatisfying(ServicesUnhealthyException.class, e -> {
          assertThat(e.services()).contains("web");
          ServicesUnhealthyException.Problem p = e.problems().stream()
              .filter(x -> x.service().equals("web")).findFirst().orElseThrow();
          assertThat(p.reason()).isEqualTo(ServicesUnhealthyException.Reason.UNHEALTHY);
          assertThat(p.lastHealthOutput()).hasValueSatisfying(o -> assertThat(o).contains("404"));
          assertThat(p.logTail()).contains("web starting on 8080");
          assertThat(e.getMessage()).contains("web").contains("404").contains("web starting on 8080")
              .contains(broken.id());
        });

    project.down(true);
    assertThat(DockerFixture.leftovers(app)).isEmpty();
    assertThat(project.ps()).isEmpty();
    assertThat(Files.isDirectory(Path.of(release.directory()))).as("releases stay for rollback").isTrue();
  }

  @Test
  void aServiceThatStopsIsNamedWithItsExitCodeAndLog(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("docker-compose.yml"), """
        version: "2.4"
        services:
          crasher:
            image: %s
            command: ["sh", "-c", "echo about to fail >&2; sleep 1; exit 3"]
        """.formatted(image));
    Release r = project.ship(ComposeBundle.fromDirectory(tmp));
    assertThatThrownBy(() -> project.up(r, Duration.ofSeconds(30)))
        .isInstanceOfSatisfying(ServicesUnhealthyException.class, e -> {
          assertThat(e.services()).containsExactly("crasher");
          assertThat(e.problems().get(0).reason()).isIn(ServicesUnhealthyException.Reason.NOT_RUNNING,
              ServicesUnhealthyException.Reason.STILL_STARTING);
          assertThat(e.getMessage()).contains("about to fail");
        });
    project.down(false);
    assertThat(DockerFixture.leftovers(app)).isEmpty();
  }

  @Test
  void composeRejectsABadBundleBeforeAnythingStarts(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("compose.yaml"), """
        version: "2.4"
        services:
          web:
            image: %s
            no_such_option: true
        """.formatted(image));
    assertThatThrownBy(() -> project.ship(ComposeBundle.fromDirectory(tmp)))
        .isInstanceOf(ComposeConfigException.class)
        .hasMessageContaining("no_such_option");
    assertThat(DockerFixture.leftovers(app)).isEmpty();
    try (var releases = Files.list(Path.of(base.toString(), app, "releases"))) {
      assertThat(releases.toList()).as("no release and no staging directory is left").isEmpty();
    }
  }

  @Test
  void pruneKeepsTheNewestTheCurrentAndTheRollbackTargetAndRemovesImagesOnlyPrunedReleasesName(
      @TempDir Path tmp) throws Exception {
    String onlyOld = "pvd-prune-" + app + ":only-old";
    DockerFixture.run(List.of("docker", "tag", image, onlyOld), null);
    Release first = project.ship(ComposeBundle.fromDirectory(bundle(tmp.resolve("a"), "index.html")));
    Path unusedDir = bundle(tmp.resolve("b"), "index.html");
    Files.writeString(unusedDir.resolve("compose.yaml"), compose(onlyOld));
    Release neverUp = project.ship(ComposeBundle.fromDirectory(unusedDir));
    Path secondDir = bundle(tmp.resolve("c"), "index.html");
    Files.writeString(secondDir.resolve("www/index.html"), "second\n");
    Release second = project.ship(ComposeBundle.fromDirectory(secondDir));

    project.up(first, Duration.ofSeconds(60));
    project.up(second, Duration.ofSeconds(60));
    assertThat(project.releases()).extracting(Release::id)
        .as("most recently used first: brought up beats merely shipped")
        .containsExactly(second.id(), first.id(), neverUp.id());
    assertThat(project.rollbackTarget()).map(Release::id).contains(first.id());

    assertThatThrownBy(() -> project.prune(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1");
    PruneResult pruned = project.prune(1);

    assertThat(pruned.keptReleases()).as("keep=1, but the rollback target stays too")
        .containsExactly(second.id(), first.id());
    assertThat(pruned.removedReleases()).containsExactly(neverUp.id());
    assertThat(pruned.removedImages()).containsExactly(onlyOld);
    assertThat(Files.exists(Path.of(neverUp.directory()))).isFalse();
    assertThat(Files.isDirectory(Path.of(first.directory()))).isTrue();
    assertThat(DockerFixture.run(List.of("docker", "image", "inspect", onlyOld), null).code())
        .as("the image only the pruned release named is gone").isNotZero();
    assertThat(DockerFixture.run(List.of("docker", "image", "inspect", image), null).code())
        .as("the image the running release uses stays").isZero();
    assertThat(project.ps()).allSatisfy(s -> assertThat(s.running()).isTrue());
    assertThat(project.prune(1).removedReleases()).as("nothing more to prune").isEmpty();
  }

  @Test
  void downWithoutAnyReleaseIsHarmless() throws Exception {
    project.down(true);
    assertThat(project.ps()).isEmpty();
    assertThat(project.currentRelease()).isEmpty();
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
