package io.pvedeploy.secrets;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.security.auth.Destroyable;

/**
 * A secret value: bytes that never print themselves.
 *
 * <p>{@link #toString()} is {@code Secret[***]}, whatever it holds; no exception of this module
 * carries a value, and nothing logs one. The bytes leave only through {@link #bytes()} (a copy,
 * which the caller should zero with {@link Arrays#fill(byte[], byte)} when done) or {@link
 * #asString()} (an immutable {@code String} the JVM may keep until it is collected: use it at
 * the last moment, e.g. to hand a password to a JDBC driver).
 *
 * <p>{@link #destroy()} zeroes the held copy; a destroyed secret refuses to be read. {@link
 * #equals} compares content in constant time; {@link #hashCode} is the same for every secret, so
 * a hash table reveals nothing about content.
 */
public final class Secret implements Destroyable {
  private final byte[] value;
  private volatile boolean destroyed;

  private Secret(byte[] value) {
    this.value = value;
  }

  /** A secret holding a copy of {@code value}; the caller may zero its array afterwards. */
  public static Secret of(byte[] value) {
    if (value == null) {
      throw new IllegalArgumentException("a secret's value must not be null (use an empty array)");
    }
    return new Secret(value.clone());
  }

  /** A secret holding the UTF-8 encoding of {@code value}. */
  public static Secret ofUtf8(CharSequence value) {
    if (value == null) {
      throw new IllegalArgumentException("a secret's value must not be null (use \"\")");
    }
    ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(value));
    byte[] bytes = new byte[encoded.remaining()];
    encoded.get(bytes);
    if (encoded.hasArray()) {
      Arrays.fill(encoded.array(), (byte) 0);
    }
    return new Secret(bytes);
  }

  /** Takes ownership of {@code value} without copying: for this module's own freshly made arrays. */
  static Secret wrap(byte[] value) {
    return new Secret(value);
  }

  /** A copy of the value. Zero it when done. */
  public byte[] bytes() {
    checkLive();
    return value.clone();
  }

  /**
   * The value as UTF-8 text.
   *
   * @throws IllegalStateException if the value is not valid UTF-8 (the message holds no byte of
   *     it)
   */
  public String asString() {
    checkLive();
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(value))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalStateException(
          "this secret (" + value.length + " bytes) is not UTF-8 text; read it with bytes()");
    }
  }

  /** The number of bytes held. Not secret: lengths show in the store file too. */
  public int length() {
    checkLive();
    return value.length;
  }

  /** Zeroes the held value; later reads throw {@link IllegalStateException}. */
  @Override
  public void destroy() {
    Arrays.fill(value, (byte) 0);
    destroyed = true;
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  /** Same content, compared in constant time for equal lengths. */
  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof Secret that)) {
      return false;
    }
    checkLive();
    that.checkLive();
    return MessageDigest.isEqual(value, that.value);
  }

  /** The same for every secret: a hash of the content would leak a little of it. */
  @Override
  public int hashCode() {
    return 0x5ec7e7;
  }

  @Override
  public String toString() {
    return "Secret[***]";
  }

  private void checkLive() {
    if (destroyed) {
      throw new IllegalStateException("this secret was destroyed; read it again from the store");
    }
  }
}
