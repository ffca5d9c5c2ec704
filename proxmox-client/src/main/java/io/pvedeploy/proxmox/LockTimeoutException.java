package io.pvedeploy.proxmox;

/** PVE could not take a guest's config-file lock in time ("can't lock file … got timeout"); retryable. */
public class LockTimeoutException extends ProxmoxException {
  private static final long serialVersionUID = 1L;

  public LockTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }

  public LockTimeoutException(
      String message, int status, String method, String path, String pveMessage, Throwable cause) {
    super(message, status, method, path, pveMessage, cause);
  }

  @Override
  public boolean isRetryable() {
    return true;
  }
}
