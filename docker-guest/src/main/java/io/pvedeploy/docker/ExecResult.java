package io.pvedeploy.docker;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How a command on a guest ended: its exit status and what it wrote, stdout and stderr kept
 * apart, byte for byte.
 *
 * <p>A non-zero exit is a result, not an exception: {@code grep} finding nothing exits 1. Call
 * {@link #orThrow(String)} where any failure is one. {@link #toString()} shows sizes, never
 * content, which may hold secrets.
 */
public record ExecResult(int exitCode, byte[] stdout, byte[] stderr) {
  private static final int TAIL_CHARS = 2000;

  public ExecResult {
    stdout = stdout == null ? new byte[0] : stdout.clone();
    stderr = stderr == null ? new byte[0] : stderr.clone();
  }

  /** A copy of stdout's bytes. */
  @Override
  public byte[] stdout() {
    return stdout.clone();
  }

  /** A copy of stderr's bytes. */
  @Override
  public byte[] stderr() {
    return stderr.clone();
  }

  /** Stdout decoded as UTF-8 (malformed bytes become U+FFFD). */
  public String stdoutText() {
    return new String(stdout, StandardCharsets.UTF_8);
  }

  /** Stderr decoded as UTF-8 (malformed bytes become U+FFFD). */
  public String stderrText() {
    return new String(stderr, StandardCharsets.UTF_8);
  }

  public boolean succeeded() {
    return exitCode == 0;
  }

  /**
   * Returns this result if the command exited 0, or throws a {@link CommandFailedException} whose
   * message starts with {@code what} (e.g. "docker-compose up of app shop") and ends with the
   * tail of stderr (or stdout when stderr is empty).
   */
  public ExecResult orThrow(String what) throws CommandFailedException {
    if (exitCode != 0) {
      String tail = outputTail();
      throw new CommandFailedException(
          what + " failed with exit status " + exitCode
              + (tail.isEmpty() ? " and printed nothing" : "; it said:\n" + tail),
          what, exitCode, tail, null);
    }
    return this;
  }

  /** The last ~2000 characters of stderr, or of stdout when stderr is blank, stripped. */
  public String outputTail() {
    String text = stderrText().strip();
    if (text.isEmpty()) {
      text = stdoutText().strip();
    }
    return text.length() > TAIL_CHARS ? "…" + text.substring(text.length() - TAIL_CHARS) : text;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ExecResult r
        && r.exitCode == exitCode
        && Arrays.equals(r.stdout, stdout)
        && Arrays.equals(r.stderr, stderr);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * exitCode + Arrays.hashCode(stdout)) + Arrays.hashCode(stderr);
  }

  @Override
  public String toString() {
    return "ExecResult[exitCode=" + exitCode + ", stdout=" + stdout.length + " bytes, stderr="
        + stderr.length + " bytes]";
  }
}
