package io.pvedeploy.docker;

/**
 * A command that had to succeed exited non-zero: writing a file, {@code docker-compose up}, an
 * {@code apt-get install}. The message holds the end of what the command wrote to stderr (or
 * stdout when stderr was empty); {@link #exitCode()} and {@link #outputTail()} give the pieces.
 */
public class CommandFailedException extends DockerGuestException {
  private static final long serialVersionUID = 1L;

  private final String program;
  private final int exitCode;
  private final String outputTail;

  public CommandFailedException(
      String message, String program, int exitCode, String outputTail, Throwable cause) {
    super(message, cause);
    this.program = program;
    this.exitCode = exitCode;
    this.outputTail = outputTail == null ? "" : outputTail;
  }

  /** The program that failed (argv[0]). */
  public String program() {
    return program;
  }

  public int exitCode() {
    return exitCode;
  }

  /** The last lines the command wrote to stderr, or stdout when stderr was empty. */
  public String outputTail() {
    return outputTail;
  }
}
