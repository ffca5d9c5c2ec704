package io.pvedeploy.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pvedeploy.docker.internal.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile input either refused with a typed error before it reaches the guest, or passed through
 * intact, never interpreted by a shell: env values arrive in the container byte for byte and no
 * payload's side effect (a marker file) ever appears.
 */
@Tag("integration")
class BadInputIT {
  static final String MARKER = "/tmp/pvd-badinput-pwned";
  static final String PAYLOAD = "it's \"quoted\" $(touch " + MARKER + ") `touch " + MARKER + "` ; touch "
      + MARKER + " | cat * && echo é🚀 > " + MARKER;
  static String image;
  static DockerEngine engine;
  static ComposeProject project;
  String app = "it-bad-" + Long.toHexString(System.nanoTime() & 0xffffff);

  @BeforeAll
  static void setUp() throws Exception {
    DockerFixture.requireDockerAndCompose();
    image = DockerFixture.busyboxImage();
    engine = DockerEngine.on(LocalShell.create());
    Files.deleteIfExists(Path.of(MARKER));
  }

  @AfterEach
  void cleanUp() throws Exception {
    DockerFixture.removeByLabel(app);
    assertThat(Path.of(MARKER)).doesNotExist();
  }

  @Test
  void envValuesAndConfigFilesPassThroughIntactAndNoShellRunsThem(@TempDir Path tmp) throws Exception {
    Path base = Files.createDirectories(tmp.resolve("base with space $(touch " + MARKER + ")"));
    Path bundle = Files.createDirectories(tmp.resolve("bundle"));
    Files.writeString(bundle.resolve("compose.yaml"), """
        version: "2.4"
        services:
          app:
            image: %s
            command: ["sleep", "600"]
            environment:
              PAYLOAD: ${PAYLOAD}
            volumes:
              - ./conf:/conf:ro
        """.formatted(image));
    Files.writeString(bundle.resolve(".env"), "PAYLOAD=" + PAYLOAD + "\n");
    Files.createDirectories(bundle.resolve("conf"));
    Files.writeString(bundle.resolve("conf/app.conf"), PAYLOAD + "\n");

    ComposeProject project = engine.project(app).withBaseDirectory(base.toString());
    assertThat(project.app()).isEqualTo(app);
    Release r = project.ship(ComposeBundle.fromDirectory(bundle));
    List<ServiceState> states = project.up(r, Duration.ofSeconds(30));
    String id = states.get(0).containerId();

    ExecResult inspect = LocalShell.create().run("docker", "inspect", id);
    Map<String, Object> container = Json.parseArray(inspect.stdoutText()).get(0);
    assertThat(Json.array(container, "Config", "Env")).map(String::valueOf).contains("PAYLOAD=" + PAYLOAD);
    ExecResult conf = LocalShell.create().run("docker", "exec", id, "cat", "/conf/app.conf");
    assertThat(conf.stdoutText()).isEqualTo(PAYLOAD + "\n");
    assertThat(Path.of(MARKER)).doesNotExist();
    project.down(true);
    assertThat(DockerFixture.leftovers(app)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"bad app", "a;b", "$(touch /tmp/pvd-badinput-pwned)", "a\nb", "UPPER", "-leading",
      "'quoted'", "a|b", "../escape", ""})
  void appNamesAreRefused(String name) {
    assertThatThrownBy(() -> engine.project(name)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("app name");
  }

  @ParameterizedTest
  @ValueSource(strings = {"web; rm -rf /", "web\nx", "$(id)", "`id`", "a b", "-f", "'web'"})
  void serviceNamesAreRefused(String service) throws Exception {
    if (project == null) {
      project = engine.project(app);
    }
    assertThatThrownBy(() -> project.logs(service, 10)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("service name");
    assertThatThrownBy(() -> ComposeProject.checkService(service)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"busybox; rm -rf /", "image with space", "img:$(id)", "img\nother", "'img'",
      "img`id`", "IMG", "img:tag|cat", ""})
  void imageReferencesAreRefused(String ref) {
    assertThatThrownBy(() -> engine.imageId(ref)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("image reference");
  }

  @Test
  void aGoodImageReferenceIsFoundAndAMissingOneIsEmpty() throws Exception {
    assertThat(engine.imageId(image)).hasValueSatisfying(id -> assertThat(id).startsWith("sha256:"));
    assertThat(engine.imageId("pvedeploy-test/does-not-exist:1")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"relative/dir", "/tmp/new\nline"})
  void baseDirectoriesMustBeAbsoluteAndPlain(String dir) throws Exception {
    if (project == null) {
      project = engine.project(app);
    }
    assertThatThrownBy(() -> project.withBaseDirectory(dir)).isInstanceOf(IllegalArgumentException.class);
  }
}
