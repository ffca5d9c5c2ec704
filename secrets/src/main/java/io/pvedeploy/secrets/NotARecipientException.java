package io.pvedeploy.secrets;

/**
 * The identity given cannot decrypt the store: its recipient is not in the store's list. Ask
 * someone whose identity is a recipient to {@link SecretStore#addRecipient add} yours.
 */
public class NotARecipientException extends SecretsException {
  private static final long serialVersionUID = 1L;

  public NotARecipientException(String message) {
    super(message);
  }

  public NotARecipientException(String message, Throwable cause) {
    super(message, cause);
  }
}
