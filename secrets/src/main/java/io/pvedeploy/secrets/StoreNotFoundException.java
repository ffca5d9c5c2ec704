package io.pvedeploy.secrets;

/**
 * {@link SecretStore#open} found no store file. Create one with {@link SecretStore#create} or
 * {@link SecretStore.Builder#openOrCreate()}.
 */
public class StoreNotFoundException extends SecretsException {
  private static final long serialVersionUID = 1L;

  public StoreNotFoundException(String message) {
    super(message);
  }

  public StoreNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
