package io.pvedeploy.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgeTest {
  @TempDir Path dir;

  @Test
  void recipientsParseAndRefuse() {
    AgeIdentity id = AgeIdentity.generate();
    assertThat(AgeRecipient.parse("  " + id.recipient().value().toUpperCase() + "\n")).isEqualTo(id.recipient());
    assertThatThrownBy(() -> AgeRecipient.parse("age1notarecipient")).isInstanceOf(InvalidRecipientException.class)
        .hasMessageContaining("age1");
    String pasted = new String(id.toKeyFile().bytes(), StandardCharsets.US_ASCII).lines()
        .filter(l -> l.startsWith("AGE-SECRET-KEY")).findFirst().orElseThrow();
    assertThatThrownBy(() -> AgeRecipient.parse(pasted)).isInstanceOf(InvalidRecipientException.class)
        .hasMessageContaining("the private key!").hasMessageNotContaining(pasted.substring(16));
  }

  @Test
  void identityFilesRoundTripWithComments() throws Exception {
    AgeIdentity id = AgeIdentity.generate();
    Path key = dir.resolve("key.txt");
    id.write(key);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
    assertThat(Files.readString(key)).contains("# public key: " + id.recipient());
    assertThat(AgeIdentity.read(key).recipient()).isEqualTo(id.recipient());
    assertThatThrownBy(() -> id.write(key)).isInstanceOf(StoreExistsException.class);
  }

  @Test
  void badKeyFilesAreTypedAndQuoteNothing() throws Exception {
    Path key = dir.resolve("bad.txt");
    // Built at run time: a key-shaped line (bad checksum) never sits in the repository as text.
    Files.writeString(key, "# comment\n" + "AGE-SECRET-KEY-1" + "Q".repeat(58) + "\n");
    assertThatThrownBy(() -> AgeIdentity.read(key)).isInstanceOf(InvalidIdentityException.class)
        .hasMessageNotContaining("QQQQ");
    Files.writeString(key, "-----BEGIN AGE ENCRYPTED FILE-----\n");
    assertThatThrownBy(() -> AgeIdentity.read(key)).isInstanceOf(InvalidIdentityException.class)
        .hasMessageContaining("Passphrase");
    assertThatThrownBy(() -> AgeIdentity.read(dir.resolve("missing"))).isInstanceOf(StoreIoException.class)
        .hasMessageContaining("age-keygen");
  }

  @Test
  void streamsRoundTripAcrossChunks() throws Exception {
    AgeIdentity a = AgeIdentity.generate();
    AgeIdentity b = AgeIdentity.generate();
    byte[] plain = new byte[3 * 64 * 1024 + 17];
    new Random(1).nextBytes(plain);
    ByteArrayOutputStream cipher = new ByteArrayOutputStream();
    Age.encrypt(new ByteArrayInputStream(plain), cipher, List.of(a.recipient(), b.recipient()));
    for (AgeIdentity id : List.of(a, b)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Age.decrypt(new ByteArrayInputStream(cipher.toByteArray()), out, id);
      assertThat(out.toByteArray()).isEqualTo(plain);
    }
    assertThatThrownBy(() -> Age.decrypt(cipher.toByteArray(), AgeIdentity.generate()))
        .isInstanceOf(DecryptionException.class);
  }

  /**
   * Channels through the 1 MiB stream buffers: empty, whole chunks, whole buffers and one byte
   * either side, read from a channel that hands out odd short reads; the in-memory decrypt (one
   * read of the whole file) is the reference.
   */
  @Test
  void channelsRoundTripAcrossStreamBuffers() throws Exception {
    AgeIdentity id = AgeIdentity.generate();
    int chunk = 64 * 1024;
    int buffer = 16 * chunk;
    Random random = new Random(3);
    for (int size : List.of(0, 1, chunk - 1, chunk, chunk + 1, buffer - 1, buffer, buffer + 1,
        2 * buffer + chunk + 5)) {
      byte[] plain = new byte[size];
      random.nextBytes(plain);
      ByteArrayOutputStream cipher = new ByteArrayOutputStream();
      long encrypted = Age.encrypt(AgeStreamTest.trickle(plain), Channels.newChannel(cipher), List.of(id.recipient()));
      assertThat(encrypted).as("size %d", size).isEqualTo(size);
      assertThat(Age.decrypt(cipher.toByteArray(), id).bytes()).as("size %d", size).isEqualTo(plain);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      long decrypted = Age.decrypt(AgeStreamTest.trickle(cipher.toByteArray()), Channels.newChannel(out), id);
      assertThat(decrypted).as("size %d", size).isEqualTo(size);
      assertThat(out.toByteArray()).as("size %d", size).isEqualTo(plain);
    }
  }
}
