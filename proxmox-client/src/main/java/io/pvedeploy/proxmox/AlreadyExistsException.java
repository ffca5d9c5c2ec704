package io.pvedeploy.proxmox;

/** What was to be created exists already, e.g. a guest with that vmid. */
public class AlreadyExistsException extends ProxmoxException {
  private static final long serialVersionUID = 1L;

  public AlreadyExistsException(String message, Throwable cause) {
    super(message, cause);
  }

  public AlreadyExistsException(
      String message, int status, String method, String path, String pveMessage, Throwable cause) {
    super(message, status, method, path, pveMessage, cause);
  }
}
