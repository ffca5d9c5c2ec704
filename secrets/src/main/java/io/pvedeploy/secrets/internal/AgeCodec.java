package io.pvedeploy.secrets.internal;

import com.exceptionfactory.jagged.DecryptingChannelFactory;
import com.exceptionfactory.jagged.EncryptingChannelFactory;
import com.exceptionfactory.jagged.PayloadException;
import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.RecipientStanzaWriter;
import com.exceptionfactory.jagged.framework.armor.ArmoredDecryptingChannelFactory;
import com.exceptionfactory.jagged.framework.crypto.CipherKey;
import com.exceptionfactory.jagged.framework.format.StandardPayloadKeyReader;
import com.exceptionfactory.jagged.framework.format.StandardPayloadKeyWriter;
import com.exceptionfactory.jagged.framework.stream.StandardDecryptingChannelFactory;
import com.exceptionfactory.jagged.framework.stream.StandardEncryptingChannelFactory;
import com.exceptionfactory.jagged.x25519.X25519KeyFactory;
import com.exceptionfactory.jagged.x25519.X25519KeyPairGenerator;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaReaderFactory;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaWriterFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.spec.SecretKeySpec;

/**
 * age (binary, not armored) through jagged's X25519 recipient type. Stanza writers are made once
 * per recipient and reused: making one costs an X25519 operation. Plaintext passes through
 * arrays this class zeroes where it owns them.
 */
public final class AgeCodec {
  private AgeCodec() {}

  /** age's payload chunk: whole chunks through the channels keep jagged from re-buffering. */
  public static final int CHUNK = 64 * 1024;

  private static final EncryptingChannelFactory ENCRYPTING = new StandardEncryptingChannelFactory();
  private static final DecryptingChannelFactory DECRYPTING = new StandardDecryptingChannelFactory();
  private static final DecryptingChannelFactory ARMORED = new ArmoredDecryptingChannelFactory();
  private static final byte[] ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----".getBytes(StandardCharsets.US_ASCII);
  private static final Map<String, RecipientStanzaWriter> WRITERS = new ConcurrentHashMap<>();

  /** An identity's stanza reader; holds the private key inside jagged's objects. */
  public record Reader(RecipientStanzaReader stanzaReader) {
    @Override
    public String toString() {
      return "AgeCodec.Reader[***]";
    }
  }

  /** A fresh identity as the ASCII bytes of {@code AGE-SECRET-KEY-1…}. */
  public static byte[] generateIdentity() {
    try {
      return new X25519KeyPairGenerator().generateKeyPair().getPrivate().getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK offers no X25519 (needs Java 11+ with SunEC)", e);
    }
  }

  /** The {@code age1…} recipient of an encoded identity. */
  public static String recipientOf(byte[] identity) throws GeneralSecurityException {
    Key key = new X25519KeyFactory().translateKey(new SecretKeySpec(identity, "X25519"));
    return key.toString();
  }

  public static Reader reader(byte[] identity) throws GeneralSecurityException {
    char[] chars = new char[identity.length];
    for (int i = 0; i < identity.length; i++) {
      chars[i] = (char) (identity[i] & 0xff);
    }
    try {
      return new Reader(X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(CharBuffer.wrap(chars)));
    } finally {
      Arrays.fill(chars, '\0');
    }
  }

  private static List<RecipientStanzaWriter> writers(Collection<String> recipients) throws GeneralSecurityException {
    if (recipients.isEmpty()) {
      throw new IllegalArgumentException("age needs at least one recipient");
    }
    List<RecipientStanzaWriter> writers = new ArrayList<>(recipients.size());
    for (String recipient : recipients) {
      RecipientStanzaWriter writer = WRITERS.get(recipient);
      if (writer == null) {
        writer = X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(recipient);
        WRITERS.putIfAbsent(recipient, writer);
      }
      writers.add(writer);
    }
    return writers;
  }

  /** Encrypts {@code plain} to every recipient; the result is a binary age file. */
  public static byte[] encrypt(byte[] plain, Collection<String> recipients) throws GeneralSecurityException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length + 200 + 120 * recipients.size());
    try (WritableByteChannel channel = ENCRYPTING.newEncryptingChannel(Channels.newChannel(out), writers(recipients))) {
      ByteBuffer buffer = ByteBuffer.wrap(plain);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    } catch (IOException e) {
      throw new IllegalStateException("encrypting in memory failed", e);
    }
    return out.toByteArray();
  }

  /**
   * Decrypts an age file, binary or armored ({@code age -a}).
   *
   * @throws GeneralSecurityException if no stanza is for this identity, or the payload fails its
   *     authentication
   */
  public static byte[] decrypt(byte[] cipher, Reader reader) throws GeneralSecurityException {
    DecryptingChannelFactory factory = isArmored(cipher) ? ARMORED : DECRYPTING;
    try (ReadableByteChannel channel = factory.newDecryptingChannel(
        Channels.newChannel(new java.io.ByteArrayInputStream(cipher)), List.of(reader.stanzaReader()))) {
      byte[] plain = new byte[Math.max(16, cipher.length)];
      int length = 0;
      while (true) {
        if (length == plain.length) {
          byte[] bigger = Arrays.copyOf(plain, plain.length * 2);
          Arrays.fill(plain, (byte) 0);
          plain = bigger;
        }
        int n = channel.read(ByteBuffer.wrap(plain, length, plain.length - length));
        if (n < 0) {
          break;
        }
        length += n;
      }
      byte[] result = Arrays.copyOf(plain, length);
      Arrays.fill(plain, (byte) 0);
      return result;
    } catch (IOException e) {
      throw new GeneralSecurityException("age payload unreadable: " + e.getMessage(), e);
    }
  }

  private static boolean isArmored(byte[] cipher) {
    return cipher.length >= ARMOR_BEGIN.length
        && Arrays.equals(cipher, 0, ARMOR_BEGIN.length, ARMOR_BEGIN, 0, ARMOR_BEGIN.length);
  }

  /**
   * Our side of a streamed file: 16 whole age chunks, read and written from direct memory. jagged
   * copies into and out of its own 64 KiB chunk buffers whatever we hand it, so our buffers only
   * decide the number of system calls and copies between the file and jagged: with a direct buffer
   * a {@link java.nio.channels.FileChannel} reads and writes without going through the JDK's
   * temporary direct buffer (one copy less per byte), and 1 MiB makes 64 system calls per 64 MiB
   * where 64 KiB made 1,024 (and jagged's decrypting side, reading each chunk plus one look-ahead
   * byte, 2,048).
   */
  static final int STREAM_BUFFER = 16 * CHUNK;

  /**
   * Below this much plaintext (four chunks) a file goes through jagged's own channel: the pool's
   * hand-offs would cost more than a second core saves.
   */
  static final int PARALLEL_MIN = 4 * CHUNK;

  /**
   * Streams {@code in} to {@code out} encrypted; closes neither. Large inputs are sealed on
   * {@link ParallelPayload}'s threads, with jagged writing the header and deriving the payload key.
   */
  public static long encrypt(ReadableByteChannel in, WritableByteChannel out, Collection<String> recipients)
      throws GeneralSecurityException, IOException {
    List<RecipientStanzaWriter> writers = writers(recipients);
    byte[] head = new byte[PARALLEL_MIN];
    try {
      int n = ParallelPayload.fill(in, head, 0);
      if (n < head.length || ParallelPayload.WORKERS < 2) {
        return encryptSequentially(head, n, in, out, writers);
      }
      ByteBuffer header = ByteBuffer.allocate(ParallelPayload.SEALED_CHUNK);
      CipherKey payloadKey = new StandardPayloadKeyWriter().writeFileHeader(header, writers);
      try {
        header.flip();
        while (header.hasRemaining()) {
          out.write(header);
        }
        return ParallelPayload.seal(payloadKey, head, n, in, out);
      } finally {
        payloadKey.destroy();
      }
    } finally {
      Arrays.fill(head, (byte) 0);
    }
  }

  /** jagged's channel, fed {@code head} and then the rest of {@code in}. */
  private static long encryptSequentially(byte[] head, int headLength, ReadableByteChannel in, WritableByteChannel out,
      List<RecipientStanzaWriter> writers) throws GeneralSecurityException, IOException {
    long total = 0;
    ByteBuffer plain = ByteBuffer.allocateDirect(STREAM_BUFFER);
    try {
      // jagged's close seals the last chunk, then closes the sink, which flushes and leaves out open
      try (WritableByteChannel channel = ENCRYPTING.newEncryptingChannel(new BufferedSink(out), writers)) {
        ByteBuffer first = ByteBuffer.wrap(head, 0, headLength);
        while (first.hasRemaining()) {
          channel.write(first);
        }
        total += headLength;
        if (headLength == head.length) {
          while (in.read(plain) >= 0) {
            if (!plain.hasRemaining()) {
              total += drain(plain, channel);
            }
          }
          total += drain(plain, channel);
        }
      }
    } finally {
      zero(plain);
    }
    return total;
  }

  /**
   * Streams the age file {@code in} to {@code out} decrypted; closes neither. Large files are
   * opened on {@link ParallelPayload}'s threads, with jagged reading the header and deriving the
   * payload key.
   *
   * @throws GeneralSecurityException if no stanza is for this identity, or the payload is damaged,
   *     reordered or truncated
   */
  public static long decrypt(ReadableByteChannel in, WritableByteChannel out, Reader reader)
      throws GeneralSecurityException, IOException {
    // the header (jagged reads it from at most one sealed chunk's bytes) and four sealed chunks
    byte[] head = new byte[5 * ParallelPayload.SEALED_CHUNK];
    int n = ParallelPayload.fill(in, head, 0);
    if (n < head.length || ParallelPayload.WORKERS < 2) {
      return decryptSequentially(new Prefixed(head, n, in), out, reader);
    }
    ByteBuffer buffer = ByteBuffer.wrap(head, 0, n);
    CipherKey payloadKey;
    try {
      payloadKey = new StandardPayloadKeyReader().getPayloadKey(buffer, List.of(reader.stanzaReader()));
    } catch (PayloadException e) {
      throw new GeneralSecurityException("age header unreadable", e);
    }
    try {
      return ParallelPayload.open(payloadKey, head, buffer.position(), n - buffer.position(), in, out);
    } finally {
      payloadKey.destroy();
    }
  }

  private static long decryptSequentially(ReadableByteChannel in, WritableByteChannel out, Reader reader)
      throws GeneralSecurityException, IOException {
    long total = 0;
    ByteBuffer plain = ByteBuffer.allocateDirect(STREAM_BUFFER);
    try (ReadableByteChannel channel =
        DECRYPTING.newDecryptingChannel(new BufferedSource(in), List.of(reader.stanzaReader()))) {
      // jagged fills the buffer chunk by chunk, each authenticated before it is copied in
      while (channel.read(plain) >= 0) {
        if (!plain.hasRemaining()) {
          total += drain(plain, out);
        }
      }
      total += drain(plain, out);
    } catch (PayloadException e) {
      // jagged reports a chunk that fails authentication as an IOException; it is the file's fault
      throw new GeneralSecurityException("age payload failed authentication: damaged, reordered or truncated", e);
    } finally {
      zero(plain);
    }
    return total;
  }

  /** {@code head}'s first {@code length} bytes, then {@code in}; closing it leaves {@code in} open. */
  private static final class Prefixed implements ReadableByteChannel {
    private final ByteBuffer head;
    private final ReadableByteChannel in;

    Prefixed(byte[] head, int length, ReadableByteChannel in) {
      this.head = ByteBuffer.wrap(head, 0, length);
      this.in = in;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (!head.hasRemaining()) {
        return in.read(dst);
      }
      return move(head, dst);
    }

    @Override
    public boolean isOpen() {
      return in.isOpen();
    }

    @Override
    public void close() {}
  }

  private static int drain(ByteBuffer buffer, WritableByteChannel out) throws IOException {
    buffer.flip();
    int n = buffer.remaining();
    while (buffer.hasRemaining()) {
      out.write(buffer);
    }
    buffer.clear();
    return n;
  }

  /** Moves as many bytes from {@code from} to {@code to} as both allow; returns how many. */
  private static int move(ByteBuffer from, ByteBuffer to) {
    int n = Math.min(from.remaining(), to.remaining());
    int limit = from.limit();
    from.limit(from.position() + n);
    to.put(from);
    from.limit(limit);
    return n;
  }

  private static void zero(ByteBuffer buffer) {
    byte[] zeros = new byte[8192];
    buffer.clear();
    while (buffer.hasRemaining()) {
      buffer.put(zeros, 0, Math.min(zeros.length, buffer.remaining()));
    }
    buffer.clear();
  }

  /**
   * Reads ahead from {@code in} in {@link #STREAM_BUFFER}-byte reads; closing it leaves {@code in}
   * open. jagged reads its input to the end in any case (end of file marks the last chunk), so
   * reading ahead takes nothing from {@code in} that jagged would not.
   */
  private static final class BufferedSource implements ReadableByteChannel {
    private final ReadableByteChannel in;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(STREAM_BUFFER).flip();
    private boolean open = true;
    private boolean ended;

    BufferedSource(ReadableByteChannel in) {
      this.in = in;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (!buffer.hasRemaining()) {
        if (ended) {
          return -1;
        }
        buffer.clear();
        int n = in.read(buffer);
        buffer.flip();
        if (n < 0) {
          ended = true;
          return -1;
        }
      }
      return move(buffer, dst);
    }

    @Override
    public boolean isOpen() {
      return open && in.isOpen();
    }

    @Override
    public void close() {
      open = false;
    }
  }

  /**
   * Collects writes into {@link #STREAM_BUFFER}-byte writes to {@code out}; closing it flushes and
   * leaves {@code out} open.
   */
  private static final class BufferedSink implements WritableByteChannel {
    private final WritableByteChannel out;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(STREAM_BUFFER);
    private boolean open = true;

    BufferedSink(WritableByteChannel out) {
      this.out = out;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = src.remaining();
      while (src.hasRemaining()) {
        if (!buffer.hasRemaining()) {
          flush();
        }
        move(src, buffer);
      }
      return n;
    }

    private void flush() throws IOException {
      buffer.flip();
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
      buffer.clear();
    }

    @Override
    public boolean isOpen() {
      return open && out.isOpen();
    }

    @Override
    public void close() throws IOException {
      if (open) {
        open = false;
        flush();
      }
    }
  }
}
