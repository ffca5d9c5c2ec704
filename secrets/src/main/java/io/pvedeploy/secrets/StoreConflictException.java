package io.pvedeploy.secrets;

/**
 * The store file changed between our read and our write although we held its lock: something
 * edited it without taking the lock (a text editor, {@code git checkout}). Nothing was written;
 * the operation can be retried on the new content.
 */
public class StoreConflictException extends SecretsException {
  private static final long serialVersionUID = 1L;

  public StoreConflictException(String message) {
    super(message);
  }

  public StoreConflictException(String message, Throwable cause) {
    super(message, cause);
  }
}
