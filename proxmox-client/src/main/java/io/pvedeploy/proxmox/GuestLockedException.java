package io.pvedeploy.proxmox;

/** The guest holds a config lock (`create`, `backup`, `snapshot`, …) set by a running task; retryable. */
public class GuestLockedException extends ProxmoxException {
  private static final long serialVersionUID = 1L;

  public GuestLockedException(String message, Throwable cause) {
    super(message, cause);
  }

  public GuestLockedException(
      String message, int status, String method, String path, String pveMessage, Throwable cause) {
    super(message, status, method, path, pveMessage, cause);
  }

  @Override
  public boolean isRetryable() {
    return true;
  }
}
