package io.pvedeploy.docker;

import java.time.Duration;

/**
 * A command on the guest did not end within its timeout and was killed (on the guest too, where
 * the shell can: {@link SshGuestShell} runs every command under {@code timeout(1)}).
 */
public class CommandTimeoutException extends GuestShellException {
  private static final long serialVersionUID = 1L;

  private final String program;
  private final Duration timeout;

  public CommandTimeoutException(String program, Duration timeout, String message) {
    super(Reason.TIMEOUT, message, null);
    this.program = program;
    this.timeout = timeout;
  }

  /** The program that ran too long (argv[0]; its arguments are not kept, they may be secrets). */
  public String program() {
    return program;
  }

  public Duration timeout() {
    return timeout;
  }
}
