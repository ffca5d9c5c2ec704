package io.pvedeploy.secrets.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256, HKDF-SHA256 (RFC 5869) and SHA-256, as the store format specifies them. */
public final class Macs {
  private Macs() {}

  /** HKDF's info for the store's MAC key. */
  public static final byte[] MAC_KEY_INFO = "pvedeploy-secrets/v1 mac".getBytes(StandardCharsets.US_ASCII);

  /** HKDF-SHA256 with an empty salt, 32 bytes of output. */
  public static byte[] hkdf(byte[] inputKey, byte[] info) {
    byte[] prk = hmac(new byte[32], inputKey);
    byte[] block = new byte[info.length + 1];
    System.arraycopy(info, 0, block, 0, info.length);
    block[info.length] = 1;
    try {
      return hmac(prk, block);
    } finally {
      Arrays.fill(prk, (byte) 0);
    }
  }

  public static byte[] hmac(byte[] key, byte[] message) {
    Mac mac = newMac(key);
    return mac.doFinal(message);
  }

  public static Mac newMac(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK offers no HmacSHA256", e);
    }
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK offers no SHA-256", e);
    }
  }

  public static String sha256Hex(byte[] data) {
    return HexFormat.of().formatHex(sha256().digest(data));
  }
}
