package io.pvedeploy.proxmox;

import java.nio.charset.StandardCharsets;

/**
 * How a command run on a node ({@link NodeShell#run}, {@link NodeShell#pctExec}) ended: its exit
 * status and what it wrote, stdout and stderr kept apart, byte for byte.
 *
 * <p>A non-zero exit is a result, not an exception: {@code grep} finding nothing exits 1. Call
 * {@link #orThrow()} where any failure is one. {@link #toString()} shows sizes, never content,
 * which may hold secrets.
 *
 * @param exitCode the remote command's exit status
 * @param stdout what it wrote to stdout
 * @param stderr what it wrote to stderr
 */
public record RemoteCommandResult(int exitCode, byte[] stdout, byte[] stderr) {
  private static final int MESSAGE_TAIL = 2000;

  public RemoteCommandResult {
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

  /** Whether the command exited with status 0. */
  public boolean succeeded() {
    return exitCode == 0;
  }

  /**
   * Returns this result if the command exited 0; otherwise a {@link NodeShellException} of kind
   * {@link NodeShellException.Kind#COMMAND_FAILED} whose message holds the end of stderr.
   */
  public RemoteCommandResult orThrow() throws NodeShellException {
    if (exitCode != 0) {
      throw new NodeShellException(
          NodeShellException.Kind.COMMAND_FAILED,
          "the command exited with status " + exitCode + stderrTail(), exitCode, null);
    }
    return this;
  }

  String stderrTail() {
    String text = stderrText().strip();
    if (text.isEmpty()) {
      return " and wrote nothing to stderr";
    }
    if (text.length() > MESSAGE_TAIL) {
      text = "…" + text.substring(text.length() - MESSAGE_TAIL);
    }
    return "; its stderr ends with:\n" + text;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RemoteCommandResult r
        && r.exitCode == exitCode
        && java.util.Arrays.equals(r.stdout, stdout)
        && java.util.Arrays.equals(r.stderr, stderr);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * exitCode + java.util.Arrays.hashCode(stdout)) + java.util.Arrays.hashCode(stderr);
  }

  @Override
  public String toString() {
    return "RemoteCommandResult[exitCode=" + exitCode + ", stdout=" + stdout.length
        + " bytes, stderr=" + stderr.length + " bytes]";
  }
}
