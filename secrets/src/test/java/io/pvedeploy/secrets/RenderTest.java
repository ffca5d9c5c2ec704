package io.pvedeploy.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RenderTest {
  @TempDir Path dir;
  final AgeIdentity me = AgeIdentity.generate();
  SecretStore store;

  @BeforeEach
  void store() throws Exception {
    store = SecretStore.create(dir.resolve("app.secrets"), me);
    store.put("db_password", Secret.ofUtf8("pg-pass"));
    store.put("api_token", Secret.ofUtf8("tok"));
  }

  @Test
  void filesAreListedForAnotherShell() throws Exception {
    List<SecretFile> files = store.files("db_password", "api_token").owner("999", "999").list();
    assertThat(files).extracting(SecretFile::name).containsExactly("db_password", "api_token");
    assertThat(files.get(0).content().asString()).isEqualTo("pg-pass");
    assertThat(files.get(0).mode()).isEqualTo(0400);
    assertThat(files.get(0).ownerName()).contains("999");
    assertThat(files.get(0).toString()).doesNotContain("pg-pass");
  }

  @Test
  void filesAreWrittenReadOnlyWithTheirOwner() throws Exception {
    Path out = dir.resolve("secrets");
    List<Path> written = store.files("db_password").owner("999", "998").writeTo(out);
    Path file = written.get(0);
    assertThat(file).isEqualTo(out.resolve("db_password"));
    assertThat(Files.readString(file)).isEqualTo("pg-pass");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("r--------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rwx------");
    assertThat(Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(999);
    assertThat(Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(998);
    // Re-rendering replaces a read-only file.
    store.put("db_password", Secret.ofUtf8("pg-pass-2"));
    store.files("db_password").mode(0440).writeTo(out);
    assertThat(Files.readString(file)).isEqualTo("pg-pass-2");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("r--r-----");
  }

  @Test
  void composeSectionPointsAtTheFiles() throws Exception {
    assertThat(store.files("db_password", "api_token").composeSection("./secrets")).isEqualTo(
        "secrets:\n  db_password:\n    file: './secrets/db_password'\n  api_token:\n    file: './secrets/api_token'\n");
  }

  @Test
  void missingSecretsAreNamedAndModesChecked() throws Exception {
    assertThatThrownBy(() -> store.files("db_password", "nope", "nada")).isInstanceOf(SecretNotFoundException.class)
        .hasMessageContaining("[nope, nada]");
    assertThatThrownBy(() -> store.files("db_password").mode(0666)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void envFileFromTemplateIsTheWeakerOption() throws Exception {
    String template = "# app\nPOSTGRES_PASSWORD=${db_password}\nURL=postgres://app:${db_password}@db/app\n"
        + "LITERAL=$${HOME}\nPLAIN=value\nEMPTY=\n";
    assertThat(store.renderEnvFileWeaker(template).asString()).isEqualTo("# app\nPOSTGRES_PASSWORD=pg-pass\n"
        + "URL=postgres://app:pg-pass@db/app\nLITERAL=${HOME}\nPLAIN=value\nEMPTY=\n");
    assertThatThrownBy(() -> store.renderEnvFileWeaker("A=${missing}\n")).isInstanceOf(SecretNotFoundException.class)
        .hasMessageContaining("missing");
    assertThatThrownBy(() -> store.renderEnvFileWeaker("A=${Not Valid}\n")).isInstanceOf(InvalidSecretNameException.class);
    store.put("multi", Secret.ofUtf8("a\nb"));
    assertThatThrownBy(() -> store.renderEnvFileWeaker("A=${multi}\n")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("files(\"multi\")");

    Path tpl = dir.resolve(".env.template");
    Files.writeString(tpl, "DB=${db_password}\n");
    Path env = dir.resolve(".env");
    store.writeEnvFileWeaker(tpl, env);
    assertThat(Files.readString(env)).isEqualTo("DB=pg-pass\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(env))).isEqualTo("rw-------");
  }
}
