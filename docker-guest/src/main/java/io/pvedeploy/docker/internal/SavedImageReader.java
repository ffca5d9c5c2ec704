package io.pvedeploy.docker.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

/**
 * Reads the tar stream of {@code docker save} once, keeping only what a transfer needs: the
 * image's config and the layers the destination lacks, each spooled to its own file. Both
 * layouts are read: the legacy one ({@code <v1 id>/layer.tar}, {@code <image id>.json};
 * Docker before 25) and the OCI one ({@code blobs/sha256/<digest>}; Docker 25 and later).
 *
 * <p>A layer is recognised by its content: a legacy {@code layer.tar}'s name says nothing of
 * its diff id, so it is hashed while it is spooled and dropped at once when not needed (with
 * delayed allocation such a short-lived file seldom reaches the disk). An OCI blob named by a
 * diff id the destination has is skipped without being written. A gzip-compressed blob (the
 * containerd image store saves layers as they were pulled) is identified by the digest of its
 * decompressed content and kept as it is: {@code docker load} decompresses it.
 */
public final class SavedImageReader {
  private SavedImageReader() {}

  private static final int MAX_CONFIG = 16 << 20;

  /**
   * A layer spooled to a local file.
   *
   * @param diffId the layer's diff id (hex), the digest of its uncompressed tar
   * @param blobHex the digest (hex) of the file's bytes: the diff id unless compressed
   * @param size the file's size
   * @param file where it is spooled
   */
  public record Blob(String diffId, String blobHex, long size, Path file) {}

  /** The image's config JSON (its digest is the image id) and the needed layers by diff id. */
  public record Result(byte[] config, Map<String, Blob> layers) {}

  /**
   * Reads {@code save} to its end.
   *
   * @param imageIdHex the image id's hex digits (the config's digest)
   * @param allDiffIds every diff id (hex) of the image
   * @param needed the diff ids (hex) to keep
   * @param spool an existing private directory for the kept layers
   * @throws SpoolException if writing the local spool failed
   * @throws IOException if the stream is no tar, lacks the config or a needed layer, or the
   *     config does not match its digest
   */
  public static Result read(InputStream save, String imageIdHex, Set<String> allDiffIds,
      Set<String> needed, Path spool) throws IOException {
    TarReader tar = new TarReader(save);
    byte[] config = null;
    Map<String, Blob> found = new HashMap<>();
    int count = 0;
    TarReader.Entry entry;
    while ((entry = tar.next()) != null) {
      if (!entry.isFile()) {
        continue;
      }
      String name = entry.name();
      String nameHex = name.startsWith("blobs/sha256/") ? name.substring("blobs/sha256/".length()) : null;
      if (name.equals(imageIdHex + ".json") || imageIdHex.equals(nameHex)) {
        if (entry.size() > MAX_CONFIG) {
          throw new IOException("the image config " + name + " is " + entry.size() + " bytes, more than " + MAX_CONFIG);
        }
        config = tar.content().readAllBytes();
        String actual = Digests.sha256Hex(config);
        if (!actual.equals(imageIdHex)) {
          throw new IOException("the saved image config has digest sha256:" + actual
              + ", not the image id sha256:" + imageIdHex);
        }
        continue;
      }
      boolean layerLike = nameHex != null || name.equals("layer.tar") || name.endsWith("/layer.tar");
      if (!layerLike || found.keySet().containsAll(needed)) {
        continue;
      }
      if (nameHex != null && allDiffIds.contains(nameHex)
          && (!needed.contains(nameHex) || found.containsKey(nameHex))) {
        continue; // an uncompressed layer the destination has: not even read
      }
      Path file = spool.resolve("spool-" + (++count));
      MessageDigest raw = Digests.sha256();
      byte[] head = new byte[2];
      int headLength = 0;
      long size = 0;
      try (InputStream in = new DigestInputStream(tar.content(), raw);
          OutputStream out = spoolFile(file)) {
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
          while (headLength < 2 && headLength < n) {
            head[headLength] = buffer[headLength];
            headLength++;
          }
          try {
            out.write(buffer, 0, n);
          } catch (IOException e) {
            throw new SpoolException("writing " + file + " failed: " + e.getMessage(), e);
          }
          size += n;
        }
      }
      String rawHex = HexFormat.of().formatHex(raw.digest());
      String diffId = rawHex;
      if (headLength == 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
        diffId = gunzippedDigest(file);
      }
      try {
        if (needed.contains(diffId) && !found.containsKey(diffId)) {
          Path kept = spool.resolve(rawHex);
          Files.move(file, kept, StandardCopyOption.REPLACE_EXISTING);
          found.put(diffId, new Blob(diffId, rawHex, size, kept));
        } else {
          Files.delete(file);
        }
      } catch (IOException e) {
        throw new SpoolException("moving or removing " + file + " failed: " + e.getMessage(), e);
      }
    }
    if (config == null) {
      throw new IOException("the saved image holds no config named after the image id sha256:" + imageIdHex);
    }
    Set<String> missing = new TreeSet<>(needed);
    missing.removeAll(found.keySet());
    if (!missing.isEmpty()) {
      throw new IOException("the saved image holds no layer with diff id sha256:"
          + String.join(", sha256:", missing) + " (only uncompressed and gzip layers are recognised)");
    }
    return new Result(config, found);
  }

  /** Writing the local spool failed (this machine's disk, not the saved image). */
  public static final class SpoolException extends IOException {
    private static final long serialVersionUID = 1L;

    SpoolException(String message, IOException cause) {
      super(message, cause);
    }
  }

  private static OutputStream spoolFile(Path file) throws SpoolException {
    try {
      return Files.newOutputStream(file);
    } catch (IOException e) {
      throw new SpoolException("creating " + file + " failed: " + e.getMessage(), e);
    }
  }

  private static String gunzippedDigest(Path file) throws IOException {
    MessageDigest digest = Digests.sha256();
    try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(file)), 64 * 1024)) {
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        digest.update(buffer, 0, n);
      }
    } catch (java.util.zip.ZipException e) {
      return ""; // looked like gzip but is not: matches no diff id
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
