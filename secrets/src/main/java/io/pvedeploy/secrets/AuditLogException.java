package io.pvedeploy.secrets;

/**
 * The audit log cannot be read: a line that is not an audit entry. For a log that reads but
 * whose hash chain is broken, see {@link AuditLog#verify()}.
 */
public class AuditLogException extends SecretsException {
  private static final long serialVersionUID = 1L;

  public AuditLogException(String message) {
    super(message);
  }

  public AuditLogException(String message, Throwable cause) {
    super(message, cause);
  }
}
