package io.pvedeploy.proxmox;

/** A config write carried a `digest` that no longer matches: someone else changed the guest's config since it was read. Read it again, re-apply your change, and write with the new digest. */
public class ConfigChangedException extends ProxmoxException {
  private static final long serialVersionUID = 1L;

  public ConfigChangedException(String message, Throwable cause) {
    super(message, cause);
  }

  public ConfigChangedException(
      String message, int status, String method, String path, String pveMessage, Throwable cause) {
    super(message, status, method, path, pveMessage, cause);
  }
}
