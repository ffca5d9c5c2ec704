package io.pvedeploy.secrets;

/**
 * The root of everything that can go wrong in this module that is not the caller's mistake: a
 * store file that is missing, locked, changed underneath us or tampered with; an identity that is
 * not a recipient; an unreadable key file; the disk failing.
 *
 * <p>Each subclass is a case a caller can act on. Invalid arguments (a secret name with a space,
 * a malformed {@code age1…} recipient) are {@link IllegalArgumentException}s, thrown before
 * anything is read or written.
 *
 * <p>Messages say what happened, what was expected and what to try. They never hold a secret
 * value, an identity's private key or a value's ciphertext: names, recipients, paths and line
 * numbers only.
 */
public class SecretsException extends Exception {
  private static final long serialVersionUID = 1L;

  public SecretsException(String message) {
    super(message);
  }

  public SecretsException(String message, Throwable cause) {
    super(message, cause);
  }
}
