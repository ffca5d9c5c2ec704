package io.pvedeploy.proxmox;

/** PVE answered something this client cannot make sense of: a verification failure, not the caller's fault. */
public class UnexpectedResponseException extends ProxmoxException {
  private static final long serialVersionUID = 1L;

  public UnexpectedResponseException(String message) {
    super(message, null);
  }

  public UnexpectedResponseException(String message, Throwable cause) {
    super(message, cause);
  }

  public UnexpectedResponseException(
      String message, int status, String method, String path, String pveMessage, Throwable cause) {
    super(message, status, method, path, pveMessage, cause);
  }
}
