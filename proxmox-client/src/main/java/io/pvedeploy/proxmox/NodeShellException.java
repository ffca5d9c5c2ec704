package io.pvedeploy.proxmox;

import java.util.OptionalInt;

/**
 * Something went wrong on the way to, or on, a Proxmox node's shell ({@link NodeShell}): ssh
 * could not connect or authenticate, the host key did not match, {@code sudo} refused, a
 * deadline passed, or a typed operation's PVE tool ({@code pct push}, {@code qm guest exec}, …)
 * failed. {@link #kind()} says which, so a caller can act on it; the message says what to try.
 *
 * <p>A command run through {@link NodeShell#run} that exits non-zero is not an exception: its
 * exit code is part of the {@link RemoteCommandResult}.
 */
public class NodeShellException extends ProxmoxException {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Kind {
    /** The node could not be reached: DNS, TCP refused or timed out, connection dropped. */
    UNREACHABLE,
    /** The node's host key differs from the one in known_hosts: reinstalled node or interception. */
    HOST_KEY_MISMATCH,
    /** Strict host-key checking is on and known_hosts has no key for the node. */
    HOST_KEY_UNKNOWN,
    /** The node refused every key offered (and passwords are never tried). */
    AUTHENTICATION,
    /** {@code sudo -n} refused: a password would be needed, or the command is not allowed. */
    SUDO,
    /** The command's deadline passed; it was killed on the node. */
    TIMEOUT,
    /** A typed operation's PVE tool exited non-zero; {@link #exitCode()} has its status. */
    COMMAND_FAILED,
    /** A PVE tool answered something this client cannot read. */
    UNEXPECTED_OUTPUT,
    /** Reading the caller's input or writing the caller's output (a local file) failed. */
    LOCAL_IO,
    /** The local OpenSSH client is missing or could not be started. */
    SSH_CLIENT,
    /** Any other failure ssh reported (exit status 255). */
    SSH_FAILED
  }

  private final Kind kind;
  private final int exitCode;

  public NodeShellException(Kind kind, String message, Throwable cause) {
    this(kind, message, -1, cause);
  }

  /**
   * @param exitCode the remote command's exit status, or -1 when there is none
   */
  public NodeShellException(Kind kind, String message, int exitCode, Throwable cause) {
    super(message, cause);
    if (kind == null) {
      throw new IllegalArgumentException("kind must not be null");
    }
    this.kind = kind;
    this.exitCode = exitCode;
  }

  public Kind kind() {
    return kind;
  }

  /** The exit status of the remote command that failed, for {@link Kind#COMMAND_FAILED}. */
  public OptionalInt exitCode() {
    return exitCode < 0 ? OptionalInt.empty() : OptionalInt.of(exitCode);
  }

  /** Only an unreachable node may answer if asked again later. */
  @Override
  public boolean isRetryable() {
    return kind == Kind.UNREACHABLE;
  }
}
