package io.pvedeploy.proxmox;

/** The request got no usable answer: DNS, TCP, TLS (including a pinned fingerprint that does not match) or a timeout. */
public class ConnectionException extends ProxmoxException {
  private static final long serialVersionUID = 1L;

  public ConnectionException(String message, Throwable cause) {
    super(message, cause);
  }

  public ConnectionException(
      String message, int status, String method, String path, String pveMessage, Throwable cause) {
    super(message, status, method, path, pveMessage, cause);
  }

  @Override
  public boolean isRetryable() {
    return true;
  }
}
