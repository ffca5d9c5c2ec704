package io.pvedeploy.proxmox;

/** The node that received the request could not reach the node that owns the resource (PVE's 595/596 answers); retryable. */
public class ProxyException extends ProxmoxException {
  private static final long serialVersionUID = 1L;

  public ProxyException(String message, Throwable cause) {
    super(message, cause);
  }

  public ProxyException(
      String message, int status, String method, String path, String pveMessage, Throwable cause) {
    super(message, status, method, path, pveMessage, cause);
  }

  @Override
  public boolean isRetryable() {
    return true;
  }
}
