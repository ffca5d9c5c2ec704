package io.pvedeploy.secrets;

/**
 * A value's ciphertext passed the store's MAC but age could not decrypt it with this identity:
 * it was written by a recipient for a recipient list that does not include this identity, or by
 * a faulty tool. The message names the secret, never its content.
 */
public class DecryptionException extends SecretsException {
  private static final long serialVersionUID = 1L;

  public DecryptionException(String message) {
    super(message);
  }

  public DecryptionException(String message, Throwable cause) {
    super(message, cause);
  }
}
