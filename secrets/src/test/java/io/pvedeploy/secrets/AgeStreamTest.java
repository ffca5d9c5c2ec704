package io.pvedeploy.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Streams large enough to be sealed and opened on several threads, checked against jagged's own
 * one-chunk-after-the-other code (the in-memory {@link Age#encrypt(Secret, java.util.Collection)}
 * and {@link Age#decrypt(byte[], AgeIdentity)}), and the damage age must refuse.
 */
class AgeStreamTest {
  static final int CHUNK = 64 * 1024;
  static final int SEALED = CHUNK + 16;
  /** Around every edge: empty, one chunk, the parallel threshold (4 chunks), batches of 32 chunks (2 cores). */
  static final List<Integer> SIZES = List.of(0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 4 * CHUNK - 1,
      4 * CHUNK, 4 * CHUNK + 1, 32 * CHUNK, 32 * CHUNK + 1, 64 * CHUNK, 3 * 1024 * 1024 + 12345,
      5 * 1024 * 1024, 7 * 1024 * 1024 + 1);

  final AgeIdentity id = AgeIdentity.generate();

  @Test
  void roundTripsAgreeWithJaggedsSequentialCode() throws Exception {
    Random random = new Random(11);
    for (int size : SIZES) {
      byte[] plain = new byte[size];
      random.nextBytes(plain);
      byte[] cipher = encrypt(plain);
      assertThat(cipher.length).as("size %d", size).isEqualTo(headerLength(cipher) + sealedLength(size));
      assertThat(Age.decrypt(cipher, id).bytes()).as("jagged opens ours, size %d", size).isEqualTo(plain);
      assertThat(decrypt(cipher)).as("we open ours, size %d", size).isEqualTo(plain);
      byte[] jaggeds = Age.encrypt(Secret.of(plain), List.of(id.recipient()));
      assertThat(decrypt(jaggeds)).as("we open jagged's, size %d", size).isEqualTo(plain);
    }
  }

  @Test
  void shortReadsDoNotMoveChunkBoundaries() throws Exception {
    byte[] plain = new byte[2 * 1024 * 1024 + 7];
    new Random(5).nextBytes(plain);
    ByteArrayOutputStream cipher = new ByteArrayOutputStream();
    assertThat(Age.encrypt(trickle(plain), Channels.newChannel(cipher), List.of(id.recipient()))).isEqualTo(plain.length);
    assertThat(Age.decrypt(cipher.toByteArray(), id).bytes()).isEqualTo(plain);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(Age.decrypt(trickle(cipher.toByteArray()), Channels.newChannel(out), id)).isEqualTo(plain.length);
    assertThat(out.toByteArray()).isEqualTo(plain);
  }

  /** Damage in the first batch, in a later one, and at the end; each a DecryptionException. */
  @Test
  void damagedPayloadsAreRefused() throws Exception {
    for (int size : List.of(3 * CHUNK + 5, 6 * CHUNK + 5, 40 * CHUNK, 70 * CHUNK + 99)) {
      byte[] plain = new byte[size];
      new Random(size).nextBytes(plain);
      byte[] cipher = encrypt(plain);
      int payload = headerLength(cipher);
      int chunks = (size + CHUNK - 1) / CHUNK;
      for (int chunk : new int[] {0, 1, chunks / 2, chunks - 1}) {
        byte[] flipped = cipher.clone();
        flipped[Math.min(cipher.length - 1, payload + chunk * SEALED + 1000)] ^= 1;
        refused(flipped, "flipped byte in chunk " + chunk + " of " + chunks);
      }
      byte[] swapped = cipher.clone();
      System.arraycopy(cipher, payload + SEALED, swapped, payload + 2 * SEALED, SEALED);
      System.arraycopy(cipher, payload + 2 * SEALED, swapped, payload + SEALED, SEALED);
      refused(swapped, "chunks 1 and 2 swapped");
      // the last chunk dropped: the file now ends in a full chunk not sealed as the last
      refused(Arrays.copyOf(cipher, payload + (chunks - 1) * SEALED), "last chunk dropped");
      refused(Arrays.copyOf(cipher, cipher.length - 1), "one byte short");
      refused(Arrays.copyOf(cipher, payload + 7), "cut inside the first chunk");
      refused(Arrays.copyOf(cipher, payload), "cut after the header");
      byte[] longer = Arrays.copyOf(cipher, cipher.length + 16);
      refused(longer, "an empty chunk appended");
    }
  }

  @Test
  void theWrongIdentityIsRefusedWithoutQuotingKeys() throws Exception {
    byte[] plain = new byte[5 * CHUNK];
    byte[] cipher = encrypt(plain);
    AgeIdentity other = AgeIdentity.generate();
    assertThatThrownBy(() -> Age.decrypt(Channels.newChannel(new java.io.ByteArrayInputStream(cipher)),
        Channels.newChannel(new ByteArrayOutputStream()), other))
        .isInstanceOf(DecryptionException.class)
        .satisfies(e -> assertThat(messages(e)).doesNotContain("AGE-SECRET-KEY"));
  }

  private void refused(byte[] cipher, String what) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThatThrownBy(() -> Age.decrypt(Channels.newChannel(new java.io.ByteArrayInputStream(cipher)),
        Channels.newChannel(out), id))
        .as(what).isInstanceOf(DecryptionException.class)
        .satisfies(e -> assertThat(messages(e)).as(what).doesNotContain("AGE-SECRET-KEY"));
  }

  /** Every message down the cause chain. */
  private static String messages(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t).append('\n');
    }
    return all.toString().toUpperCase(java.util.Locale.ROOT);
  }

  private byte[] encrypt(byte[] plain) throws Exception {
    ByteArrayOutputStream cipher = new ByteArrayOutputStream();
    long n = Age.encrypt(Channels.newChannel(new java.io.ByteArrayInputStream(plain)), Channels.newChannel(cipher),
        List.of(id.recipient()));
    assertThat(n).isEqualTo(plain.length);
    return cipher.toByteArray();
  }

  private byte[] decrypt(byte[] cipher) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long n = Age.decrypt(Channels.newChannel(new java.io.ByteArrayInputStream(cipher)), Channels.newChannel(out), id);
    assertThat(n).isEqualTo(out.size());
    return out.toByteArray();
  }

  static long sealedLength(long size) {
    long chunks = Math.max(1, (size + CHUNK - 1) / CHUNK);
    return size + 16 * chunks;
  }

  /** Where the payload starts: after the header's {@code ---} line and the 16-byte nonce. */
  static int headerLength(byte[] cipher) {
    String text = new String(cipher, 0, Math.min(cipher.length, 4096), StandardCharsets.ISO_8859_1);
    int mac = text.indexOf("\n--- ");
    return text.indexOf('\n', mac + 1) + 1 + 16;
  }

  /** A channel that returns at most 7,777 bytes a read. */
  static ReadableByteChannel trickle(byte[] bytes) {
    ByteBuffer source = ByteBuffer.wrap(bytes);
    return new ReadableByteChannel() {
      @Override
      public int read(ByteBuffer dst) {
        if (!source.hasRemaining()) {
          return -1;
        }
        int n = Math.min(Math.min(7777, dst.remaining()), source.remaining());
        dst.put(source.slice().limit(n));
        source.position(source.position() + n);
        return n;
      }

      @Override
      public boolean isOpen() {
        return true;
      }

      @Override
      public void close() {}
    };
  }
}
