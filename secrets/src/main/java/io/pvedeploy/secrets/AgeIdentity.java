package io.pvedeploy.secrets;

import io.pvedeploy.secrets.internal.AgeCodec;
import io.pvedeploy.secrets.internal.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import javax.security.auth.Destroyable;

/**
 * An age X25519 identity ({@code AGE-SECRET-KEY-1…}): what decrypts. Its {@link #recipient()} is
 * what others encrypt to.
 *
 * <p>Key files are read and written as {@code age-keygen} writes them: {@code #} comment lines
 * ({@code # created: …}, {@code # public key: age1…}) and one key line; blank lines are ignored.
 * Written files have mode 0600. {@link #toString()} shows the recipient only.
 */
public final class AgeIdentity implements Destroyable {
  private static final byte[] PREFIX = "AGE-SECRET-KEY-1".getBytes(StandardCharsets.US_ASCII);

  private final byte[] encoded;
  private final AgeRecipient recipient;
  private final AgeCodec.Reader reader;
  private volatile boolean destroyed;

  private AgeIdentity(byte[] encoded, String source) throws InvalidIdentityException {
    this.encoded = encoded;
    try {
      this.recipient = new AgeRecipient(AgeCodec.recipientOf(encoded));
      this.reader = AgeCodec.reader(encoded);
    } catch (java.security.GeneralSecurityException | RuntimeException e) {
      Arrays.fill(encoded, (byte) 0);
      throw new InvalidIdentityException(source + " holds a line starting AGE-SECRET-KEY-1 that is"
          + " not a valid age X25519 identity (bad Bech32 checksum or length); regenerate it with"
          + " age-keygen or AgeIdentity.generate()", null);
    }
  }

  /** A new random identity. */
  public static AgeIdentity generate() {
    try {
      return new AgeIdentity(AgeCodec.generateIdentity(), "a generated key");
    } catch (InvalidIdentityException e) {
      throw new IllegalStateException("jagged generated an identity it cannot read back", e);
    }
  }

  /**
   * Reads a key file as {@code age-keygen} writes it.
   *
   * @throws InvalidIdentityException if the file holds no identity, or more than one
   * @throws StoreIoException if the file cannot be read
   */
  public static AgeIdentity read(Path keyFile) throws InvalidIdentityException, StoreIoException {
    byte[] content;
    try {
      content = Files.readAllBytes(keyFile);
    } catch (NoSuchFileException e) {
      throw new StoreIoException("no age key file at " + keyFile + "; create one with age-keygen -o "
          + keyFile + " or AgeIdentity.generate().write(path)", e);
    } catch (IOException e) {
      throw new StoreIoException("cannot read the age key file " + keyFile + ": " + e.getMessage(), e);
    }
    try {
      return parse(content, "the key file " + keyFile);
    } finally {
      Arrays.fill(content, (byte) 0);
    }
  }

  /** Reads an identity from a secret holding a key file's content (e.g. a stored age key pair). */
  public static AgeIdentity fromSecret(Secret keyFile) throws InvalidIdentityException {
    byte[] content = keyFile.bytes();
    try {
      return parse(content, "the secret");
    } finally {
      Arrays.fill(content, (byte) 0);
    }
  }

  private static AgeIdentity parse(byte[] content, String source) throws InvalidIdentityException {
    byte[] key = null;
    int start = 0;
    int keys = 0;
    while (start < content.length) {
      int end = start;
      while (end < content.length && content[end] != '\n') {
        end++;
      }
      int lineEnd = end;
      while (lineEnd > start && (content[lineEnd - 1] == '\r' || content[lineEnd - 1] == ' ' || content[lineEnd - 1] == '\t')) {
        lineEnd--;
      }
      int lineStart = start;
      while (lineStart < lineEnd && (content[lineStart] == ' ' || content[lineStart] == '\t')) {
        lineStart++;
      }
      if (lineStart < lineEnd && content[lineStart] != '#') {
        if (!startsWith(content, lineStart, lineEnd, PREFIX)) {
          throw new InvalidIdentityException(source + " has a line (" + (lineEnd - lineStart)
              + " characters) that is neither a '#' comment nor an age identity"
              + " (AGE-SECRET-KEY-1…). Passphrase-encrypted key files are not supported: decrypt"
              + " with 'age -d' first");
        }
        keys++;
        if (key != null) {
          Arrays.fill(key, (byte) 0);
        }
        key = Arrays.copyOfRange(content, lineStart, lineEnd);
      }
      start = end + 1;
    }
    if (keys != 1) {
      if (key != null) {
        Arrays.fill(key, (byte) 0);
      }
      throw new InvalidIdentityException(source + " holds " + keys + " age identities; expected"
          + " exactly one AGE-SECRET-KEY-1… line, as age-keygen writes");
    }
    return new AgeIdentity(key, source);
  }

  private static boolean startsWith(byte[] content, int from, int to, byte[] prefix) {
    if (to - from < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      byte b = content[from + i];
      if (b >= 'a' && b <= 'z') {
        b -= 32;
      }
      if (b != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** The public half: encrypt to this. */
  public AgeRecipient recipient() {
    return recipient;
  }

  /**
   * Writes this identity as {@code age-keygen} does, to a new file of mode 0600 (atomically).
   *
   * @throws StoreExistsException if the file exists: a key file is never overwritten
   */
  public void write(Path keyFile) throws StoreIoException, StoreExistsException {
    write(keyFile, Clock.systemUTC());
  }

  void write(Path keyFile, Clock clock) throws StoreIoException, StoreExistsException {
    Secret content = toKeyFile(clock);
    byte[] bytes = content.bytes();
    try {
      if (Files.exists(keyFile)) {
        throw new StoreExistsException("an age key file already exists at " + keyFile
            + "; keys are never overwritten. Read it with AgeIdentity.read, or choose another path");
      }
      AtomicFiles.write(keyFile, bytes, 0600, false);
    } catch (IOException e) {
      throw new StoreIoException("cannot write the age key file " + keyFile + ": " + e.getMessage(), e);
    } finally {
      Arrays.fill(bytes, (byte) 0);
      content.destroy();
    }
  }

  /** The key file content {@code age-keygen} would write, as a secret. */
  public Secret toKeyFile() {
    return toKeyFile(Clock.systemUTC());
  }

  Secret toKeyFile(Clock clock) {
    checkLive();
    String created = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
        clock.instant().truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC));
    byte[] header = ("# created: " + created + "\n# public key: " + recipient + "\n")
        .getBytes(StandardCharsets.US_ASCII);
    ByteBuffer out = ByteBuffer.allocate(header.length + encoded.length + 1);
    out.put(header).put(encoded).put((byte) '\n');
    return Secret.wrap(out.array());
  }

  /** For this module: decrypts with this identity. */
  AgeCodec.Reader reader() {
    checkLive();
    return reader;
  }

  /** Zeroes the held key text. The jagged key objects made from it are left to the collector. */
  @Override
  public void destroy() {
    Arrays.fill(encoded, (byte) 0);
    destroyed = true;
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  @Override
  public String toString() {
    return "AgeIdentity[" + recipient + "]";
  }

  private void checkLive() {
    if (destroyed) {
      throw new IllegalStateException("this age identity was destroyed; read the key file again");
    }
  }
}
