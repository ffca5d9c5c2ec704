package io.pvedeploy.secrets;

/**
 * The store file declares a format version this code does not read: written by a newer
 * pvedeploy. Upgrade, or read single values with the {@code age} CLI (docs/secrets-format.md).
 */
public class UnsupportedFormatException extends SecretsException {
  private static final long serialVersionUID = 1L;

  public UnsupportedFormatException(String message) {
    super(message);
  }

  public UnsupportedFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
