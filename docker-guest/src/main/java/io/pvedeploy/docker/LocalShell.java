package io.pvedeploy.docker;

import io.pvedeploy.docker.internal.ProcessRunner;
import io.pvedeploy.docker.internal.ShellQuoting;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link GuestShell} on this machine: each command is a child process of this JVM (through
 * Apache Commons Exec), with the argv passed to the OS as is. For a Docker on the operator's own
 * machine, for tests, and for a JVM that runs inside the guest.
 *
 * <p>When this JVM cannot pass non-ASCII arguments to the OS intact (its platform charset is not
 * UTF-8, e.g. under {@code LANG=C}), a command with such arguments runs as {@code sh -c} of a
 * command line in which every argument is quoted and non-ASCII bytes are spelled in octal, so the
 * program still receives the exact bytes. A program that does not exist ends with exit status
 * 127 and {@code <program>: command not found} on stderr, as it would in a shell.
 */
public final class LocalShell implements GuestShell {
  private static final Logger LOG = LoggerFactory.getLogger(LocalShell.class);

  private final boolean asciiOnly;

  private LocalShell(boolean asciiOnly) {
    this.asciiOnly = asciiOnly;
  }

  /** A shell that runs commands on this machine as this JVM's user. */
  public static LocalShell create() {
    return new LocalShell(!ShellQuoting.platformPassesUtf8());
  }

  /** Forces the ASCII-only path (tests reach the non-UTF-8 platform's code with it). */
  static LocalShell asciiOnlyForTests() {
    return new LocalShell(true);
  }

  @Override
  public String target() {
    return "local";
  }

  @Override
  public int exec(Exec exec, OutputStream stdout, OutputStream stderr) throws GuestShellException {
    if (exec == null || stdout == null || stderr == null) {
      throw new IllegalArgumentException("exec, stdout and stderr must not be null");
    }
    List<String> command = exec.argv();
    if (asciiOnly && ShellQuoting.hasNonAscii(command)) {
      command = new ArrayList<>(List.of("/bin/sh", "-c", "exec " + ShellQuoting.quote(command, true)));
    }
    LOG.debug("local: {}", exec);
    ProcessRunner.Outcome outcome;
    InputStream stdin = exec.openStdin();
    try {
      outcome = ProcessRunner.run(command, stdin, stdout, stderr, exec.timeout(), null);
    } catch (IOException e) {
      if (isNotFound(e)) {
        write(stderr, exec.program() + ": command not found\n");
        return 127;
      }
      if (String.valueOf(e.getMessage()).contains("error=13")) {
        write(stderr, exec.program() + ": Permission denied\n");
        return 126;
      }
      throw new GuestShellException(GuestShellException.Reason.CANNOT_START,
          "cannot start " + exec.program() + " on this machine: " + e.getMessage(), e);
    }
    if (outcome.timedOut()) {
      throw new CommandTimeoutException(exec.program(), exec.timeout(),
          exec.program() + " did not finish within " + describe(exec.timeout())
              + " and was killed with its child processes. Pass a longer timeout"
              + " (Exec.builder(…).timeout(…)) if it is just slow");
    }
    if (outcome.inputFailure() != null) {
      throw new GuestShellException(GuestShellException.Reason.LOCAL_IO,
          "reading the stdin for " + exec.program() + " failed after " + outcome.stdinBytes()
              + " bytes, so the command got a truncated input: " + outcome.inputFailure().getMessage(),
          outcome.inputFailure());
    }
    if (outcome.outputFailure() != null) {
      throw new GuestShellException(GuestShellException.Reason.LOCAL_IO,
          "writing the output of " + exec.program() + " failed: " + outcome.outputFailure().getMessage(),
          outcome.outputFailure());
    }
    return outcome.exitCode();
  }

  private static boolean isNotFound(IOException e) {
    String m = String.valueOf(e.getMessage());
    return m.contains("error=2,") || m.contains("No such file or directory");
  }

  private static void write(OutputStream out, String text) throws GuestShellException {
    try {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new GuestShellException(GuestShellException.Reason.LOCAL_IO,
          "writing to the caller's stderr sink failed: " + e.getMessage(), e);
    }
  }

  static String describe(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  @Override
  public String toString() {
    return "LocalShell";
  }
}
