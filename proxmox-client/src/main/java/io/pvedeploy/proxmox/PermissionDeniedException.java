package io.pvedeploy.proxmox;

import java.util.Optional;

/**
 * PVE refused the request for lack of a privilege (HTTP 403). {@link #privilege()} and {@link
 * #aclPath()} name what was missing when PVE said so.
 */
public class PermissionDeniedException extends ProxmoxException {
  private static final long serialVersionUID = 1L;

  private final String privilege;
  private final String aclPath;

  public PermissionDeniedException(
      String message,
      int status,
      String method,
      String path,
      String pveMessage,
      String aclPath,
      String privilege) {
    super(message, status, method, path, pveMessage, null);
    this.privilege = privilege;
    this.aclPath = aclPath;
  }

  /** The privilege PVE checked, e.g. {@code VM.Allocate}, when it named one. */
  public Optional<String> privilege() {
    return Optional.ofNullable(privilege);
  }

  /** The ACL path PVE checked it on, e.g. {@code /vms/101}, when it named one. */
  public Optional<String> aclPath() {
    return Optional.ofNullable(aclPath);
  }
}
