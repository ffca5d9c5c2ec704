package io.pvedeploy.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ComposeBundleTest {

  @Test
  void findsTheComposeFileAndEnvAndDigestsTheContent(@TempDir Path tmp) throws Exception {
    Path a = Files.createDirectories(tmp.resolve("a"));
    Files.writeString(a.resolve("docker-compose.yml"), "services: {}\n");
    Files.writeString(a.resolve(".env"), "# comment\nKEY=value with $(stuff) and 'quotes'\nexport OTHER=1\n\n");
    Files.createDirectories(a.resolve("conf/nginx"));
    Files.writeString(a.resolve("conf/nginx/site.conf"), "server {}\n");
    ComposeBundle bundle = ComposeBundle.fromDirectory(a);
    assertThat(bundle.composeFiles()).containsExactly("docker-compose.yml");
    assertThat(bundle.envFile()).contains(".env");
    assertThat(bundle.files()).extracting(ComposeBundle.BundleFile::path)
        .containsExactly(".env", "conf/nginx/site.conf", "docker-compose.yml");
    assertThat(bundle.id()).matches("[0-9a-f]{24}");

    Path b = Files.createDirectories(tmp.resolve("elsewhere/b"));
    for (ComposeBundle.BundleFile f : bundle.files()) {
      Files.createDirectories(b.resolve(f.path()).getParent());
      Files.write(b.resolve(f.path()), f.content());
    }
    assertThat(ComposeBundle.fromDirectory(b).id()).as("same files, same id, wherever they are").isEqualTo(bundle.id());
    Files.writeString(b.resolve("conf/nginx/site.conf"), "server { }\n");
    assertThat(ComposeBundle.fromDirectory(b).id()).isNotEqualTo(bundle.id());
  }

  @Test
  void explicitComposeFilesAndEnvFile(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("base.yml"), "services: {}\n");
    Files.writeString(tmp.resolve("prod.yml"), "services: {}\n");
    Files.writeString(tmp.resolve("prod.env"), "A=1\n");
    ComposeBundle bundle = ComposeBundle.builder(tmp).composeFiles("base.yml", "prod.yml").envFile("prod.env").build();
    assertThat(bundle.composeFiles()).containsExactly("base.yml", "prod.yml");
    assertThat(bundle.envFile()).contains("prod.env");
    assertThatThrownBy(() -> ComposeBundle.builder(tmp).composeFiles("missing.yml").build())
        .isInstanceOf(InvalidBundleException.class).hasMessageContaining("missing.yml");
  }

  @Test
  void aDirectoryWithoutComposeFileIsRefused(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("readme.txt"), "x");
    assertThatThrownBy(() -> ComposeBundle.fromDirectory(tmp))
        .isInstanceOf(InvalidBundleException.class).hasMessageContaining("no compose file");
  }

  @ParameterizedTest
  @ValueSource(strings = {"with space.txt", "$(touch x).txt", "semi;colon", "quote'd", "dq\"x", "back`tick`",
      "new\nline", "-leading", "pipe|x", "star*", "tab\tx"})
  void filesWithUnportableNamesAreRefused(String name, @TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("compose.yaml"), "services: {}\n");
    Files.writeString(tmp.resolve(name), "x");
    assertThatThrownBy(() -> ComposeBundle.fromDirectory(tmp))
        .isInstanceOf(InvalidBundleException.class).hasMessageContaining("not a plain portable file name");
  }

  @Test
  void symbolicLinksAreRefused(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("compose.yaml"), "services: {}\n");
    Files.createSymbolicLink(tmp.resolve("link"), Path.of("/etc/passwd"));
    assertThatThrownBy(() -> ComposeBundle.fromDirectory(tmp))
        .isInstanceOf(InvalidBundleException.class).hasMessageContaining("symbolic link");
  }

  @ParameterizedTest
  @ValueSource(strings = {"BAD KEY=1", "$(touch x)=1", "KEY;rm=1", "1KEY=1", "NOEQUALS", "K-E-Y=1"})
  void envKeysMustBeVariableNames(String line, @TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("compose.yaml"), "services: {}\n");
    Files.writeString(tmp.resolve(".env"), "GOOD=1\n" + line + "\n");
    assertThatThrownBy(() -> ComposeBundle.fromDirectory(tmp))
        .isInstanceOf(InvalidBundleException.class).hasMessageContaining("line 2");
  }

  @Test
  void anExtraComposeFileIsMergedLastAndChangesTheId(@TempDir Path tmp) throws Exception {
    Path a = Files.createDirectories(tmp.resolve("a"));
    Files.writeString(a.resolve("compose.yaml"), "services: {}\n");
    ComposeBundle bundle = ComposeBundle.fromDirectory(a);
    ComposeBundle more = bundle.withComposeFile("pvedeploy.secrets.json", "{}\n".getBytes());
    assertThat(more.composeFiles()).containsExactly("compose.yaml", "pvedeploy.secrets.json");
    assertThat(more.files()).extracting(ComposeBundle.BundleFile::path)
        .containsExactly("compose.yaml", "pvedeploy.secrets.json");
    assertThat(more.id()).matches("[0-9a-f]{24}").isNotEqualTo(bundle.id());
    assertThat(bundle.withComposeFile("pvedeploy.secrets.json", "{}\n".getBytes()).id())
        .as("same content, same id").isEqualTo(more.id());
    assertThat(bundle.files()).hasSize(1);
    assertThatThrownBy(() -> bundle.withComposeFile("compose.yaml", new byte[0]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already has");
    assertThatThrownBy(() -> bundle.withComposeFile("../x.json", new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> bundle.withComposeFile("a b.json", new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
