package io.pvedeploy.proxmox;

import java.util.Map;

/**
 * PVE refused the request's parameters (HTTP 400 "Parameter verification failed."); {@link
 * #errors()} holds PVE's message per parameter.
 */
public class ParameterException extends ProxmoxException {
  private static final long serialVersionUID = 1L;

  private final Map<String, String> errors;

  public ParameterException(
      String message,
      int status,
      String method,
      String path,
      String pveMessage,
      Map<String, String> errors) {
    super(message, status, method, path, pveMessage, null);
    this.errors = Map.copyOf(errors);
  }

  /** PVE's complaint per parameter name, e.g. {@code vmid → "value must have a minimum …"}. */
  public Map<String, String> errors() {
    return errors;
  }
}
