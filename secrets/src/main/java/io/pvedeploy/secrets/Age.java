package io.pvedeploy.secrets;

import io.pvedeploy.secrets.internal.AgeCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.security.GeneralSecurityException;
import java.util.Collection;

/**
 * age encryption of whole streams (backups, bundles), the same codec the store uses for each
 * value: binary age v1 files with X25519 recipients, which {@code age -d -i key.txt} reads and
 * which this class reads from {@code age -r age1…}.
 */
public final class Age {
  private Age() {}

  /**
   * Encrypts {@code in} (read to its end) into {@code out} for every recipient. Closes neither.
   *
   * @return the number of plaintext bytes encrypted
   */
  public static long encrypt(InputStream in, OutputStream out, Collection<AgeRecipient> recipients)
      throws IOException {
    return encrypt(Channels.newChannel(in), Channels.newChannel(out), recipients);
  }

  /** As {@link #encrypt(InputStream, OutputStream, Collection)}, over channels. */
  public static long encrypt(ReadableByteChannel in, WritableByteChannel out, Collection<AgeRecipient> recipients)
      throws IOException {
    if (recipients == null || recipients.isEmpty()) {
      throw new IllegalArgumentException("age needs at least one recipient (AgeRecipient.parse(\"age1…\"))");
    }
    try {
      return AgeCodec.encrypt(in, out, recipients.stream().map(AgeRecipient::value).toList());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot do age's X25519/ChaCha20-Poly1305", e);
    }
  }

  /**
   * Decrypts the age file {@code in} into {@code out}. Closes neither. The plaintext is written
   * as it is authenticated, chunk by chunk: on an exception, discard what was written.
   *
   * @return the number of plaintext bytes written
   * @throws DecryptionException if the file is not for this identity or fails authentication
   */
  public static long decrypt(InputStream in, OutputStream out, AgeIdentity identity)
      throws IOException, DecryptionException {
    return decrypt(Channels.newChannel(in), Channels.newChannel(out), identity);
  }

  /** As {@link #decrypt(InputStream, OutputStream, AgeIdentity)}, over channels. */
  public static long decrypt(ReadableByteChannel in, WritableByteChannel out, AgeIdentity identity)
      throws IOException, DecryptionException {
    try {
      return AgeCodec.decrypt(in, out, identity.reader());
    } catch (GeneralSecurityException e) {
      throw new DecryptionException("the age file cannot be decrypted by " + identity
          + ": it is not encrypted to that recipient, or it is damaged (" + e.getClass().getSimpleName() + ")", e);
    }
  }

  /** Encrypts a small value in memory. */
  public static byte[] encrypt(Secret value, Collection<AgeRecipient> recipients) {
    byte[] plain = value.bytes();
    try {
      return AgeCodec.encrypt(plain, recipients.stream().map(AgeRecipient::value).toList());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot do age's X25519/ChaCha20-Poly1305", e);
    } finally {
      java.util.Arrays.fill(plain, (byte) 0);
    }
  }

  /** Decrypts a small age file (binary, or armored as {@code age -a} writes) in memory. */
  public static Secret decrypt(byte[] ageFile, AgeIdentity identity) throws DecryptionException {
    try {
      return Secret.wrap(AgeCodec.decrypt(ageFile, identity.reader()));
    } catch (GeneralSecurityException e) {
      throw new DecryptionException("the age file cannot be decrypted by " + identity
          + ": it is not encrypted to that recipient, or it is damaged (" + e.getClass().getSimpleName() + ")", e);
    }
  }
}
