package io.pvedeploy.secrets;

/**
 * {@link SecretStore#create} found a store file already there; it never overwrites one. Open it
 * instead, or move it away if it really is to be replaced.
 */
public class StoreExistsException extends SecretsException {
  private static final long serialVersionUID = 1L;

  public StoreExistsException(String message) {
    super(message);
  }

  public StoreExistsException(String message, Throwable cause) {
    super(message, cause);
  }
}
