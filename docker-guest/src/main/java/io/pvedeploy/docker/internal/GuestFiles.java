package io.pvedeploy.docker.internal;

import io.pvedeploy.docker.DockerGuestException;
import io.pvedeploy.docker.Exec;
import io.pvedeploy.docker.ExecResult;
import io.pvedeploy.docker.FileOptions;
import io.pvedeploy.docker.GuestShell;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;

/**
 * {@link GuestShell#put} and {@link GuestShell#read} over nothing but {@link GuestShell#exec}:
 * content on stdin or stdout, the path and options as positional parameters of a constant
 * script (so they are never parsed by the guest's shell as code).
 */
public final class GuestFiles {
  private GuestFiles() {}

  /** Generous: a file put is bounded by the link, not by a command that could hang. */
  static final Duration TRANSFER_TIMEOUT = Duration.ofHours(2);

  /**
   * Writes stdin to a private temp file beside {@code $1}, chowns it to {@code $3} (if not
   * empty), chmods it to {@code $2}, renames it into place; removes the temp file on failure.
   */
  static final String PUT_SCRIPT = String.join("\n",
      "set -eu",
      "dest=$1 mode=$2 owner=$3",
      "dir=${dest%/*}",
      "[ -n \"$dir\" ] || dir=/",
      "mkdir -p -- \"$dir\"",
      "tmp=$(mktemp \"$dir/.pvedeploy-put.XXXXXXXXXX\")",
      "trap 'rm -f -- \"$tmp\"' EXIT",
      "cat > \"$tmp\"",
      "if [ -n \"$owner\" ]; then chown -- \"$owner\" \"$tmp\"; fi",
      "chmod -- \"$mode\" \"$tmp\"",
      "mv -f -- \"$tmp\" \"$dest\"",
      "trap - EXIT",
      "");

  public static void put(GuestShell shell, String path, InputStream content, FileOptions options)
      throws DockerGuestException {
    checkPath(path);
    if (content == null || options == null) {
      throw new IllegalArgumentException("content and options must not be null (FileOptions.defaults())");
    }
    if (path.endsWith("/")) {
      throw new IllegalArgumentException("guest path '" + path + "' names a directory, not a file");
    }
    Exec exec = Exec.builder(List.of("sh", "-c", PUT_SCRIPT, "pvedeploy-put", path,
            options.modeString(), options.chownSpec().orElse("")))
        .stdin(content).timeout(TRANSFER_TIMEOUT).build();
    shell.run(exec).orThrow("writing " + path + " on " + shell.target());
  }

  public static void read(GuestShell shell, String path, OutputStream out) throws DockerGuestException {
    checkPath(path);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = shell.exec(Exec.builder("cat", "--", path).timeout(TRANSFER_TIMEOUT).build(), out, err);
    if (code != 0) {
      new ExecResult(code, null, err.toByteArray()).orThrow("reading " + path + " on " + shell.target());
    }
  }

  /**
   * An absolute guest path without NUL or control characters (newlines in paths would be
   * mangled by too many tools on the way; such a path is refused, not passed through).
   */
  public static String checkPath(String path) {
    if (path == null || !path.startsWith("/")) {
      throw new IllegalArgumentException("guest path '" + path + "' must be absolute (start with /)");
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new IllegalArgumentException("guest path has a control character (code " + (int) c
            + ") at position " + i + "; use a path without newlines, tabs or NUL");
      }
    }
    ShellQuoting.checkArgument(path, 0);
    return path;
  }
}
