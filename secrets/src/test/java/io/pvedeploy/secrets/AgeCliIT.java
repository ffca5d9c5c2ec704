package io.pvedeploy.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Interop with the real age CLI (Debian's {@code age}), both ways. */
@Tag("integration")
class AgeCliIT {
  static final String INSTALL = "apt-get install age";

  @TempDir Path dir;

  @BeforeAll
  static void ageIsInstalled() {
    Cli.require("age", "--version", INSTALL);
    Cli.require("age-keygen", "--version", INSTALL);
  }

  @Test
  void aStoredValueDecryptsWithAgeDashD() throws Exception {
    Path key = dir.resolve("key.txt");
    Cli.Result keygen = Cli.run(List.of("age-keygen", "-o", key.toString()), new byte[0]);
    assertThat(keygen.code()).as(keygen.err()).isZero();
    AgeIdentity identity = AgeIdentity.read(key); // age-keygen's file, comments and all
    Path file = dir.resolve("app.secrets");
    SecretStore store = SecretStore.create(file, identity, AgeIdentity.generate().recipient());
    store.put("db_password", Secret.ofUtf8("correct horse battery staple"));
    store.getOrGenerate("api_token", Generators.hex(32));

    String line = Files.readAllLines(file).stream().filter(l -> l.startsWith("secret db_password ")).findFirst().orElseThrow();
    byte[] cipher = Base64.getDecoder().decode(line.replaceAll(".* value=(\\S+).*", "$1"));
    Cli.Result decrypted = Cli.run(List.of("age", "-d", "-i", key.toString()), cipher);
    assertThat(decrypted.code()).as(decrypted.err()).isZero();
    assertThat(new String(decrypted.out(), StandardCharsets.UTF_8)).isEqualTo("correct horse battery staple");

    // The one-liner docs/secrets-format.md and the file's own header comment give.
    String oneLiner = "sed -n 's/^secret api_token .* value=\\([^ ]*\\).*/\\1/p' \"$1\" | base64 -d | age -d -i \"$2\"";
    Cli.Result viaShell = Cli.run(List.of("sh", "-c", oneLiner, "sh", file.toString(), key.toString()), new byte[0]);
    assertThat(viaShell.code()).as(viaShell.err()).isZero();
    assertThat(new String(viaShell.out(), StandardCharsets.UTF_8)).isEqualTo(store.get("api_token").orElseThrow().asString());
  }

  @Test
  void ourKeyFilesWorkWithTheCli() throws Exception {
    AgeIdentity identity = AgeIdentity.generate();
    Path key = dir.resolve("ours.txt");
    identity.write(key);
    Path file = dir.resolve("s.secrets");
    SecretStore.create(file, identity).put("x", Secret.ofUtf8("from-java"));
    String line = Files.readAllLines(file).stream().filter(l -> l.startsWith("secret x ")).findFirst().orElseThrow();
    Cli.Result r = Cli.run(List.of("age", "-d", "-i", key.toString()),
        Base64.getDecoder().decode(line.replaceAll(".* value=(\\S+).*", "$1")));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(new String(r.out(), StandardCharsets.UTF_8)).isEqualTo("from-java");
    // The data key is an age file too.
    String dataKey = Files.readAllLines(file).stream().filter(l -> l.startsWith("data-key ")).findFirst().orElseThrow();
    Cli.Result dk = Cli.run(List.of("age", "-d", "-i", key.toString()), Base64.getDecoder().decode(dataKey.substring(9)));
    assertThat(dk.code()).as(dk.err()).isZero();
    assertThat(dk.out()).hasSize(32);
  }

  @Test
  void aValueEncryptedByAgeDashRIsReadByTheStore() throws Exception {
    AgeIdentity identity = AgeIdentity.generate();
    byte[] plain = "made by the age CLI".getBytes(StandardCharsets.UTF_8);
    for (List<String> flags : List.of(List.<String>of(), List.of("-a"))) {
      List<String> argv = new java.util.ArrayList<>(List.of("age", "-r", identity.recipient().value()));
      argv.addAll(flags);
      Cli.Result encrypted = Cli.run(argv, plain);
      assertThat(encrypted.code()).as(encrypted.err()).isZero();
      Secret value = Age.decrypt(encrypted.out(), identity);
      assertThat(value.bytes()).isEqualTo(plain);

      Path file = dir.resolve("imported" + flags.size() + ".secrets");
      SecretStore store = SecretStore.create(file, identity);
      store.put("imported", value);
      assertThat(SecretStore.open(file, identity).get("imported").orElseThrow().bytes()).isEqualTo(plain);
    }
  }

  @Test
  void largeStreamsInteroperate() throws Exception {
    AgeIdentity identity = AgeIdentity.generate();
    byte[] plain = new byte[5 * 64 * 1024 + 123];
    new java.util.Random(7).nextBytes(plain);
    java.io.ByteArrayOutputStream ours = new java.io.ByteArrayOutputStream();
    Age.encrypt(new java.io.ByteArrayInputStream(plain), ours, List.of(identity.recipient()));
    Path key = dir.resolve("k.txt");
    identity.write(key);
    Cli.Result theirs = Cli.run(List.of("age", "-d", "-i", key.toString()), ours.toByteArray());
    assertThat(theirs.code()).as(theirs.err()).isZero();
    assertThat(theirs.out()).isEqualTo(plain);
  }
}
