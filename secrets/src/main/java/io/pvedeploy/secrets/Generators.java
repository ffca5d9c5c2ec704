package io.pvedeploy.secrets;

import io.pvedeploy.secrets.internal.AgeCodec;
import io.pvedeploy.secrets.internal.OpenSsh;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The usual {@link Generator}s. Every one draws from the {@link java.security.SecureRandom} the
 * store hands it.
 *
 * <pre>{@code
 * store.getOrGenerate("db_password", Generators.password(32));
 * store.getOrGenerate("session_key", Generators.hex(32));
 * store.getOrGenerate("deploy_ssh_key", Generators.sshEd25519("deploy@app"));
 * }</pre>
 */
public final class Generators {
  private Generators() {}

  /**
   * Letters, digits, {@code -} and {@code _}: safe unquoted in env files, YAML, URLs, shells and
   * connection strings, where {@code $ # ' " \ @ : /} and spaces each break something.
   */
  public static final String SAFE_ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  /** A password of {@code length} characters from {@link #SAFE_ALPHABET} (6 bits each). */
  public static Generator password(int length) {
    return password(SAFE_ALPHABET, length);
  }

  /**
   * A password of {@code length} characters drawn uniformly (no modulo bias) from {@code
   * alphabet}, which must hold 2 to 256 distinct printable ASCII characters.
   */
  public static Generator password(String alphabet, int length) {
    if (alphabet == null || alphabet.length() < 2 || alphabet.length() > 256
        || alphabet.chars().distinct().count() != alphabet.length()
        || alphabet.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
      throw new IllegalArgumentException("a password alphabet needs 2 to 256 distinct printable ASCII"
          + " characters without spaces, e.g. Generators.SAFE_ALPHABET");
    }
    checkLength(length, 4, 4096, "password length");
    byte[] symbols = alphabet.getBytes(StandardCharsets.US_ASCII);
    return random -> {
      byte[] out = new byte[length];
      for (int i = 0; i < length; i++) {
        out[i] = symbols[random.nextInt(symbols.length)];
      }
      return Secret.wrap(out);
    };
  }

  /** {@code bytes} random bytes as lower-case hex ({@code 2 × bytes} characters). */
  public static Generator hex(int bytes) {
    checkLength(bytes, 8, 4096, "hex token size in bytes");
    return random -> {
      byte[] raw = new byte[bytes];
      random.nextBytes(raw);
      byte[] text = HexFormat.of().formatHex(raw).getBytes(StandardCharsets.US_ASCII);
      Arrays.fill(raw, (byte) 0);
      return Secret.wrap(text);
    };
  }

  /** {@code bytes} random bytes as URL-safe base64 without padding. */
  public static Generator base64(int bytes) {
    checkLength(bytes, 8, 4096, "base64 token size in bytes");
    return random -> {
      byte[] raw = new byte[bytes];
      random.nextBytes(raw);
      byte[] text = Base64.getUrlEncoder().withoutPadding().encode(raw);
      Arrays.fill(raw, (byte) 0);
      return Secret.wrap(text);
    };
  }

  /** {@code bytes} raw random bytes (binary: deliver as a file, never in an env file). */
  public static Generator bytes(int bytes) {
    checkLength(bytes, 8, 1 << 20, "random size in bytes");
    return random -> {
      byte[] raw = new byte[bytes];
      random.nextBytes(raw);
      return Secret.wrap(raw);
    };
  }

  /**
   * A new age identity, stored as the key file {@code age-keygen} writes (comment lines with the
   * public key, then {@code AGE-SECRET-KEY-1…}). Read it back with {@link
   * AgeIdentity#fromSecret(Secret)}; its public half is in the file's {@code # public key:} line.
   */
  public static Generator ageKeyPair() {
    return random -> {
      byte[] encoded = AgeCodec.generateIdentity();
      try {
        AgeIdentity identity = AgeIdentity.fromSecret(Secret.wrap(encoded));
        try {
          return identity.toKeyFile();
        } finally {
          identity.destroy();
        }
      } catch (InvalidIdentityException e) {
        throw new IllegalStateException("jagged generated an identity it cannot read back", e);
      } finally {
        Arrays.fill(encoded, (byte) 0);
      }
    };
  }

  /**
   * A new Ed25519 SSH key pair, stored as an unencrypted OpenSSH private key file (what {@code
   * ssh-keygen -t ed25519 -N ''} writes; it holds the public key too). Get the {@code
   * authorized_keys} line with {@link #sshPublicKey(Secret)}.
   *
   * @param comment the key's comment, e.g. {@code deploy@app} (printable ASCII, no newline)
   */
  public static Generator sshEd25519(String comment) {
    if (comment == null || comment.length() > 256 || comment.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
      throw new IllegalArgumentException("an SSH key comment is printable ASCII, at most 256 characters");
    }
    return random -> Secret.wrap(OpenSsh.generateEd25519(comment, random));
  }

  /** The {@code ssh-ed25519 AAAA… comment} line of an OpenSSH Ed25519 private key file. */
  public static String sshPublicKey(Secret privateKeyFile) {
    byte[] content = privateKeyFile.bytes();
    try {
      return OpenSsh.publicKeyLine(content);
    } finally {
      Arrays.fill(content, (byte) 0);
    }
  }

  private static void checkLength(int value, int min, int max, String what) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(what + " " + value + " is out of range: expected " + min
          + " to " + max);
    }
  }
}
