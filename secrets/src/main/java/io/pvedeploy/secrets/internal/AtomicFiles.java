package io.pvedeploy.secrets.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Whole-file writes that a crash cannot half-do: the content goes to a temp file in the same
 * directory (created with its final mode, so it is never readable by others), is fsynced, and is
 * renamed over the target in one atomic step; then the directory is fsynced so the rename itself
 * survives a power cut. A reader sees the old file or the new one, never a mix.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  private static final SecureRandom RANDOM = new SecureRandom();

  /** A test hook: runs after the temp file is complete and synced, before the rename. */
  public interface BeforeRename {
    void run(Path temp) throws IOException;
  }

  private static volatile BeforeRename beforeRename;

  /** For tests only: simulate a crash between writing and renaming. */
  public static void beforeRenameHook(BeforeRename hook) {
    beforeRename = hook;
  }

  /** The prefix of temp files, so a reader or cleaner can recognise leftovers. */
  public static String tempPrefix(Path target) {
    return "." + target.getFileName() + ".tmp-";
  }

  /**
   * Writes {@code content} to {@code target} atomically with permission bits {@code mode}.
   *
   * @param replace whether an existing target may be replaced; when false an existing target
   *     fails with {@link FileAlreadyExistsException}
   */
  public static void write(Path target, byte[] content, int mode, boolean replace) throws IOException {
    write(target, content, mode, replace, null);
  }

  /** As {@link #write(Path, byte[], int, boolean)}, running {@code prepare} (e.g. a chown) on the temp file first. */
  public static void write(Path target, byte[] content, int mode, boolean replace, BeforeRename prepare)
      throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = dir.resolve(tempPrefix(target) + HexFormat.of().toHexDigits(RANDOM.nextLong()));
    Set<PosixFilePermission> perms = permissions(mode);
    boolean done = false;
    try {
      try (FileChannel channel = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(perms))) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.setPosixFilePermissions(temp, perms);
      if (prepare != null) {
        prepare.run(temp);
      }
      BeforeRename hook = beforeRename;
      if (hook != null) {
        hook.run(temp);
      }
      if (replace) {
        try {
          Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          throw new IOException("the file system of " + dir + " cannot rename atomically", e);
        }
      } else {
        // link(2) fails if the target exists: an atomic create-if-absent.
        Files.createLink(target, temp);
        Files.delete(temp);
      }
      done = true;
      syncDirectory(dir);
    } finally {
      if (!done) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /** Makes a rename or create in {@code dir} durable (Linux allows fsync on a directory). */
  public static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Some file systems refuse fsync on a directory; the rename is still atomic.
    }
  }

  public static Set<PosixFilePermission> permissions(int mode) {
    StringBuilder s = new StringBuilder(9);
    String rwx = "rwxrwxrwx";
    for (int bit = 8; bit >= 0; bit--) {
      s.append((mode & (1 << bit)) != 0 ? rwx.charAt(8 - bit) : '-');
    }
    return PosixFilePermissions.fromString(s.toString());
  }
}
