package io.pvedeploy.secrets.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.util.Arrays;
import java.util.Base64;

/**
 * Ed25519 keys from the JDK (15+) in OpenSSH's own formats: the unencrypted {@code openssh-key-v1}
 * private key file ({@code PROTOCOL.key} in OpenSSH's sources) and the {@code ssh-ed25519 AAAA…}
 * public key line.
 */
public final class OpenSsh {
  private OpenSsh() {}

  private static final byte[] MAGIC = "openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII);
  private static final String BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
  private static final String END = "-----END OPENSSH PRIVATE KEY-----";
  private static final byte[] KEY_TYPE = "ssh-ed25519".getBytes(StandardCharsets.US_ASCII);

  /** A new key pair as the content of an OpenSSH private key file (which also holds the public key). */
  public static byte[] generateEd25519(String comment, SecureRandom random) {
    KeyPair pair;
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
      generator.initialize(255, random);
      pair = generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK offers no Ed25519 (needs Java 15+)", e);
    }
    byte[] spki = pair.getPublic().getEncoded();
    byte[] publicKey = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    byte[] seed = ((EdECPrivateKey) pair.getPrivate()).getBytes()
        .orElseThrow(() -> new IllegalStateException("the JDK's Ed25519 key hides its seed"));

    byte[] publicBlob = publicBlob(publicKey);
    ByteArrayOutputStream secret = new ByteArrayOutputStream();
    int check = random.nextInt();
    writeInt(secret, check);
    writeInt(secret, check);
    writeString(secret, KEY_TYPE);
    writeString(secret, publicKey);
    byte[] both = new byte[64];
    System.arraycopy(seed, 0, both, 0, 32);
    System.arraycopy(publicKey, 0, both, 32, 32);
    writeString(secret, both);
    writeString(secret, comment.getBytes(StandardCharsets.UTF_8));
    for (int pad = 1; secret.size() % 8 != 0; pad++) {
      secret.write(pad);
    }
    byte[] secretBlock = secret.toByteArray();

    ByteArrayOutputStream file = new ByteArrayOutputStream();
    file.writeBytes(MAGIC);
    writeString(file, "none".getBytes(StandardCharsets.US_ASCII));
    writeString(file, "none".getBytes(StandardCharsets.US_ASCII));
    writeString(file, new byte[0]);
    writeInt(file, 1);
    writeString(file, publicBlob);
    writeString(file, secretBlock);
    byte[] binary = file.toByteArray();

    String base64 = Base64.getEncoder().encodeToString(binary);
    StringBuilder pem = new StringBuilder(BEGIN).append('\n');
    for (int i = 0; i < base64.length(); i += 70) {
      pem.append(base64, i, Math.min(base64.length(), i + 70)).append('\n');
    }
    pem.append(END).append('\n');
    byte[] result = pem.toString().getBytes(StandardCharsets.US_ASCII);

    Arrays.fill(seed, (byte) 0);
    Arrays.fill(both, (byte) 0);
    Arrays.fill(secretBlock, (byte) 0);
    Arrays.fill(binary, (byte) 0);
    return result;
  }

  /**
   * The {@code ssh-ed25519 AAAA… comment} line of an OpenSSH private key file written by {@link
   * #generateEd25519} (or {@code ssh-keygen -t ed25519 -N ''}): read from its clear public part.
   */
  public static String publicKeyLine(byte[] privateKeyFile) {
    String text = new String(privateKeyFile, StandardCharsets.US_ASCII).strip();
    if (!text.startsWith(BEGIN) || !text.endsWith(END)) {
      throw new IllegalArgumentException("not an OpenSSH private key file (expected " + BEGIN + ")");
    }
    byte[] binary = Base64.getMimeDecoder().decode(text.substring(BEGIN.length(), text.length() - END.length()));
    try {
      ByteBuffer in = ByteBuffer.wrap(binary);
      byte[] magic = new byte[MAGIC.length];
      in.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IllegalArgumentException("not an openssh-key-v1 file");
      }
      readString(in);
      readString(in);
      readString(in);
      if (in.getInt() != 1) {
        throw new IllegalArgumentException("an OpenSSH key file with more than one key");
      }
      byte[] publicBlob = readString(in);
      ByteBuffer secret = ByteBuffer.wrap(readString(in));
      secret.getInt();
      secret.getInt();
      readString(secret);
      readString(secret);
      byte[] priv = readString(secret);
      Arrays.fill(priv, (byte) 0);
      String comment = new String(readString(secret), StandardCharsets.UTF_8);
      String line = "ssh-ed25519 " + Base64.getEncoder().encodeToString(publicBlob);
      return comment.isEmpty() ? line : line + " " + comment;
    } catch (RuntimeException e) {
      if (e instanceof IllegalArgumentException) {
        throw e;
      }
      throw new IllegalArgumentException("a damaged OpenSSH private key file", e);
    } finally {
      Arrays.fill(binary, (byte) 0);
    }
  }

  private static byte[] publicBlob(byte[] publicKey) {
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    writeString(blob, KEY_TYPE);
    writeString(blob, publicKey);
    return blob.toByteArray();
  }

  private static byte[] readString(ByteBuffer in) {
    byte[] value = new byte[in.getInt()];
    in.get(value);
    return value;
  }

  private static void writeInt(ByteArrayOutputStream out, int value) {
    out.write(value >>> 24);
    out.write(value >>> 16);
    out.write(value >>> 8);
    out.write(value);
  }

  private static void writeString(ByteArrayOutputStream out, byte[] value) {
    writeInt(out, value.length);
    out.writeBytes(value);
  }
}
