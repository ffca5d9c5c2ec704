package io.pvedeploy.secrets;

/**
 * Reading or writing a store, key or audit file failed (disk full, permission, I/O error). The
 * cause is the {@link java.io.IOException}; a failed write left the previous file intact.
 */
public class StoreIoException extends SecretsException {
  private static final long serialVersionUID = 1L;

  public StoreIoException(String message) {
    super(message);
  }

  public StoreIoException(String message, Throwable cause) {
    super(message, cause);
  }
}
