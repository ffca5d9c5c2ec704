package io.pvedeploy.sandbox.internal;

import java.util.Map;

/**
 * An API failure as PVE reports it: a status, a message (the first line becomes the HTTP reason
 * phrase, the whole text goes into the body's {@code message}), and optional per-field errors.
 */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  final Map<String, String> errors;
  /** Raised by the HTTP server's auth layer, which answers with an empty body. */
  final boolean bare;

  ApiException(int status, String message, Map<String, String> errors) {
    this(status, message, errors, false);
  }

  private ApiException(int status, String message, Map<String, String> errors, boolean bare) {
    super(message, null, false, false);
    this.status = status;
    this.errors = errors == null ? Map.of() : Map.copyOf(errors);
    this.bare = bare;
  }

  /** pveproxy's auth_handler refusing a request ("No ticket", "Authentication failed!"). */
  static ApiException unauthorized(String text) {
    return new ApiException(401, text + "\n", null, true);
  }

  /** PVE's plain {@code die "...\n"} inside a handler: 500 with the text. */
  static ApiException fail(String text) {
    return new ApiException(500, text + "\n", null);
  }

  static ApiException param(Map<String, String> errors) {
    return new ApiException(400, "Parameter verification failed.\n", errors);
  }

  static ApiException param(String field, String error) {
    return param(Map.of(field, error));
  }

  /** PVE's raise_perm_exc: 403 "Permission check failed (what)". */
  static ApiException permission(String what) {
    return new ApiException(
        403, "Permission check failed" + (what == null ? "" : " (" + what + ")") + "\n", null);
  }

  String reasonPhrase() {
    String m = getMessage();
    int nl = m.indexOf('\n');
    String first = nl < 0 ? m : m.substring(0, nl);
    return first.replace('\r', ' ');
  }
}
