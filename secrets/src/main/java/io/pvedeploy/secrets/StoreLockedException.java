package io.pvedeploy.secrets;

/**
 * Another process (or store instance) held the store's lock for longer than the {@linkplain
 * SecretStore.Builder#lockTimeout lock timeout}. The message names the lock file.
 */
public class StoreLockedException extends SecretsException {
  private static final long serialVersionUID = 1L;

  public StoreLockedException(String message) {
    super(message);
  }

  public StoreLockedException(String message, Throwable cause) {
    super(message, cause);
  }
}
