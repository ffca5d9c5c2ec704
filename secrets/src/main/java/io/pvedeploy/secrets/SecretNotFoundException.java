package io.pvedeploy.secrets;

/**
 * An operation needs a secret the store does not hold (rotating it, rendering it). {@link
 * SecretStore#get} returns an empty {@code Optional} instead.
 */
public class SecretNotFoundException extends SecretsException {
  private static final long serialVersionUID = 1L;

  public SecretNotFoundException(String message) {
    super(message);
  }

  public SecretNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
