package io.pvedeploy.docker.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/** SHA-256 digests as Docker writes them ({@code sha256:<64 hex>}), and layer chain ids. */
public final class Digests {
  private Digests() {}

  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  public static String sha256Hex(byte[] data) {
    return HexFormat.of().formatHex(sha256().digest(data));
  }

  /** Whether {@code s} is {@code sha256:} and 64 lower-case hex digits. */
  public static boolean isDigest(String s) {
    return s != null && DIGEST.matcher(s).matches();
  }

  /** The 64 hex digits of a {@code sha256:…} digest. */
  public static String hex(String digest) {
    if (!isDigest(digest)) {
      throw new IllegalArgumentException("not a sha256 digest: " + digest);
    }
    return digest.substring("sha256:".length());
  }

  /**
   * The chain id of each prefix of an image's layers (its {@code RootFS.Layers}, diff ids): the
   * first is its diff id, each next one {@code sha256("<previous chain id> <diff id>")}. Docker's
   * layer store is keyed by these, so a guest has layer {@code i} of an image exactly when it
   * has the chain id {@code i}.
   */
  public static List<String> chainIds(List<String> diffIds) {
    List<String> out = new ArrayList<>(diffIds.size());
    String chain = null;
    for (String diff : diffIds) {
      chain = chain == null ? diff
          : "sha256:" + sha256Hex((chain + " " + diff).getBytes(StandardCharsets.US_ASCII));
      out.add(chain);
    }
    return out;
  }
}
