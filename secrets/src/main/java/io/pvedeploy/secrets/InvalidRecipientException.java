package io.pvedeploy.secrets;

/**
 * A string that is not an age X25519 recipient ({@code age1…}, Bech32 with a valid checksum).
 * Passphrase ({@code scrypt}) and SSH recipients are not supported.
 */
public class InvalidRecipientException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidRecipientException(String message, Throwable cause) {
    super(message, cause);
  }
}
