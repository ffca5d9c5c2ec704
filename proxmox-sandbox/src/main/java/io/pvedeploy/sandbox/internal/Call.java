package io.pvedeploy.sandbox.internal;

import java.util.List;
import java.util.Map;

/** One validated API call: who calls, and its parameters (path parameters merged in). */
record Call(Authenticator.Caller caller, Map<String, Object> params, String relPath) {
  /** A successful answer with PVE's optional {@code total} attribute. */
  record Paged(Object data, int total) {}

  /** A pre-serialized {@code {"data":...}} body, for hot endpoints. */
  record Raw(byte[] body) {}

  String str(String key) {
    Object v = params.get(key);
    return v instanceof String s ? s : null;
  }

  String str(String key, String fallback) {
    String v = str(key);
    return v == null ? fallback : v;
  }

  boolean has(String key) {
    return params.containsKey(key);
  }

  /** A validated boolean parameter ("0"/"1"). */
  boolean flag(String key) {
    return "1".equals(str(key));
  }

  Integer integer(String key) {
    String v = str(key);
    return v == null ? null : Integer.valueOf(v.startsWith("+") ? v.substring(1) : v);
  }

  int vmid() {
    return integer("vmid");
  }

  String node() {
    return str("node");
  }

  @SuppressWarnings("unchecked")
  List<String> list(String key) {
    Object v = params.get(key);
    if (v instanceof List<?> l) {
      return (List<String>) l;
    }
    return v == null ? List.of() : List.of((String) v);
  }

  /** The user a task runs as; for a token, the token id (PVE's UPIDs show it). */
  String user() {
    return caller.userid();
  }
}
