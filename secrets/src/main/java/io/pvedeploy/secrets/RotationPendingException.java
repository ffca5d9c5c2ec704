package io.pvedeploy.secrets;

/**
 * A secret was rotated and the rotation is not confirmed yet: its previous value is still kept.
 * Call {@link SecretStore#confirmRotation} once the application uses the new value, then rotate
 * again.
 */
public class RotationPendingException extends SecretsException {
  private static final long serialVersionUID = 1L;

  public RotationPendingException(String message) {
    super(message);
  }

  public RotationPendingException(String message, Throwable cause) {
    super(message, cause);
  }
}
