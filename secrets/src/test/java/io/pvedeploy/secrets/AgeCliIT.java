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

  /**
   * Both ways at every edge of the chunking, including files sealed and opened on several threads
   * (four chunks and up): the CLI opens ours, we open the CLI's, streamed through channels.
   */
  @Test
  void streamsInteroperateAtEveryChunkEdge() throws Exception {
    AgeIdentity identity = AgeIdentity.generate();
    Path key = dir.resolve("edges.txt");
    identity.write(key);
    java.util.Random random = new java.util.Random(9);
    for (int size : AgeStreamTest.SIZES) {
      byte[] plain = new byte[size];
      random.nextBytes(plain);

      java.io.ByteArrayOutputStream ours = new java.io.ByteArrayOutputStream();
      Age.encrypt(java.nio.channels.Channels.newChannel(new java.io.ByteArrayInputStream(plain)),
          java.nio.channels.Channels.newChannel(ours), List.of(identity.recipient()));
      Cli.Result opened = Cli.run(List.of("age", "-d", "-i", key.toString()), ours.toByteArray());
      assertThat(opened.code()).as("age -d, size %d: %s", size, opened.err()).isZero();
      assertThat(opened.out()).as("age -d, size %d", size).isEqualTo(plain);

      Cli.Result theirs = Cli.run(List.of("age", "-r", identity.recipient().value()), plain);
      assertThat(theirs.code()).as("age -r, size %d: %s", size, theirs.err()).isZero();
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      long n = Age.decrypt(java.nio.channels.Channels.newChannel(new java.io.ByteArrayInputStream(theirs.out())),
          java.nio.channels.Channels.newChannel(out), identity);
      assertThat(n).as("size %d", size).isEqualTo(size);
      assertThat(out.toByteArray()).as("we open age -r's, size %d", size).isEqualTo(plain);
    }
  }

  /** The CLI refuses what we refuse: our file with its chunks 1 and 2 swapped. */
  @Test
  void theCliRefusesOurFileReordered() throws Exception {
    AgeIdentity identity = AgeIdentity.generate();
    Path key = dir.resolve("swap.txt");
    identity.write(key);
    byte[] plain = new byte[6 * 64 * 1024 + 3];
    java.io.ByteArrayOutputStream ours = new java.io.ByteArrayOutputStream();
    Age.encrypt(new java.io.ByteArrayInputStream(plain), ours, List.of(identity.recipient()));
    byte[] cipher = ours.toByteArray();
    int payload = AgeStreamTest.headerLength(cipher);
    int sealed = AgeStreamTest.SEALED;
    byte[] swapped = cipher.clone();
    System.arraycopy(cipher, payload + sealed, swapped, payload + 2 * sealed, sealed);
    System.arraycopy(cipher, payload + 2 * sealed, swapped, payload + sealed, sealed);
    // as files, not stdin: the CLI stops reading at the first bad chunk, which would break our pipe
    Path bad = dir.resolve("swapped.age");
    Files.write(bad, swapped);
    Path good = dir.resolve("ours.age");
    Files.write(good, cipher);
    Cli.Result r = Cli.run(List.of("age", "-d", "-i", key.toString(), "-o", dir.resolve("bad.out").toString(),
        bad.toString()), new byte[0]);
    assertThat(r.code()).as(r.err()).isNotZero();
    Cli.Result ok = Cli.run(List.of("age", "-d", "-i", key.toString(), good.toString()), new byte[0]);
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(ok.out()).isEqualTo(plain);
  }
}
