package io.pvedeploy.docker;

/**
 * The shell could not carry a command to the guest or bring its result back: ssh could not
 * connect or log in, the program could not be started, a local stream failed, or the command
 * outlived its timeout ({@link CommandTimeoutException}). The command's own exit status is never
 * this exception: a non-zero exit is an {@link ExecResult}.
 */
public class GuestShellException extends DockerGuestException {
  private static final long serialVersionUID = 1L;

  /** What kind of transport failure this is, for callers that decide by it. */
  public enum Reason {
    /** The shell's client program (ssh) or the command could not be started at all. */
    CANNOT_START,
    /** The guest's SSH host key is not known, and strict host-key checking is on. */
    HOST_KEY_UNKNOWN,
    /** The guest's SSH host key differs from the recorded one. */
    HOST_KEY_CHANGED,
    /** The guest refused the login. */
    AUTHENTICATION,
    /** The guest cannot be reached (refused, unresolvable, timed out). */
    UNREACHABLE,
    /** Reading the caller's stdin or writing to the caller's output sink failed. */
    LOCAL_IO,
    /** The command did not end within its timeout. */
    TIMEOUT,
    /** Anything else the transport reported. */
    OTHER
  }

  private final Reason reason;

  public GuestShellException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
