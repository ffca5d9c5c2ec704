package io.pvedeploy.proxmox;

/** PVE did not accept the credentials: wrong token or password, expired ticket, or a login that needs a second factor. */
public class AuthenticationException extends ProxmoxException {
  private static final long serialVersionUID = 1L;

  public AuthenticationException(String message, Throwable cause) {
    super(message, cause);
  }

  public AuthenticationException(
      String message, int status, String method, String path, String pveMessage, Throwable cause) {
    super(message, status, method, path, pveMessage, cause);
  }
}
