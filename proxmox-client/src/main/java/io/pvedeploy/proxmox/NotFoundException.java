package io.pvedeploy.proxmox;

/** The node, guest, storage, snapshot or task does not exist (PVE often says so with a 500 "… does not exist"). */
public class NotFoundException extends ProxmoxException {
  private static final long serialVersionUID = 1L;

  public NotFoundException(String message, Throwable cause) {
    super(message, cause);
  }

  public NotFoundException(
      String message, int status, String method, String path, String pveMessage, Throwable cause) {
    super(message, status, method, path, pveMessage, cause);
  }
}
