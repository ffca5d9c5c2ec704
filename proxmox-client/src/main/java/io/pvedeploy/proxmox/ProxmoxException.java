package io.pvedeploy.proxmox;

import java.util.Optional;

/**
 * The root of everything that can go wrong between this client and a Proxmox VE cluster.
 *
 * <p>Each subclass is a case a caller can act on ({@link NotFoundException}, {@link
 * GuestLockedException}, {@link PermissionDeniedException}, …). What the caller got wrong is not
 * here: invalid arguments are {@link IllegalArgumentException}s, thrown before a request is sent.
 *
 * <p>Messages say what happened, what was expected and what to try; they never hold a secret.
 */
public class ProxmoxException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String method;
  private final String path;
  private final String pveMessage;

  /** For failures with no HTTP exchange behind them. */
  public ProxmoxException(String message, Throwable cause) {
    this(message, 0, null, null, null, cause);
  }

  /**
   * @param status the HTTP status PVE answered, or 0 when there was no answer
   * @param method the HTTP method of the failed request, or null
   * @param path the API path (below {@code /api2/json}) of the failed request, or null
   * @param pveMessage PVE's own words (its status line's reason phrase), or null
   */
  public ProxmoxException(
      String message, int status, String method, String path, String pveMessage, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.method = method;
    this.path = path;
    this.pveMessage = pveMessage;
  }

  /** The HTTP status PVE answered with, or 0 when the request got no answer. */
  public int status() {
    return status;
  }

  /** The HTTP method of the request that failed. */
  public Optional<String> method() {
    return Optional.ofNullable(method);
  }

  /** The API path of the request that failed, below {@code /api2/json}. */
  public Optional<String> path() {
    return Optional.ofNullable(path);
  }

  /** What PVE itself said, verbatim (PVE sends it as the HTTP reason phrase). */
  public Optional<String> pveMessage() {
    return Optional.ofNullable(pveMessage);
  }

  /**
   * Whether the same request may succeed if sent again later, unchanged: a lock that will be
   * released, a proxy between nodes that hiccupped. The client's retry policy retries only these.
   */
  public boolean isRetryable() {
    return false;
  }
}
