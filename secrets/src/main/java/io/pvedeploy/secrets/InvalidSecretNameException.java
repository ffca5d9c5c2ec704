package io.pvedeploy.secrets;

/**
 * A secret name outside the safe set: {@code [a-z0-9_][a-z0-9_.-]{0,63}}. Names become file
 * names, compose secret keys and env-template references, so they are restricted to what is safe
 * as all three.
 */
public class InvalidSecretNameException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidSecretNameException(String message) {
    super(message);
  }
}
