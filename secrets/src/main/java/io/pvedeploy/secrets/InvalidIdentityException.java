package io.pvedeploy.secrets;

/**
 * A key file or value holds no usable age identity ({@code AGE-SECRET-KEY-1…}): wrong file, a
 * passphrase-protected key (not supported), or corruption. The message never quotes the key.
 */
public class InvalidIdentityException extends SecretsException {
  private static final long serialVersionUID = 1L;

  public InvalidIdentityException(String message) {
    super(message);
  }

  public InvalidIdentityException(String message, Throwable cause) {
    super(message, cause);
  }
}
