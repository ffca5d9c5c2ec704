package io.pvedeploy.sandbox.internal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /api2/json/sandbox/faults}: fault injection for the standalone sandbox. Not part of
 * PVE. Parameters (form or JSON): {@code action} = failNext | slowTasks | failTasks |
 * taskNotYetVisible | clear, and per action: failNext {@code count, method?, path, status,
 * message}; slowTasks {@code ms}; failTasks {@code type, exitstatus}; taskNotYetVisible
 * {@code count}.
 */
final class SandboxApi {
  static final String PATH = "/sandbox/faults";

  private SandboxApi() {}

  static Object apply(FaultInjector faults, Map<String, Object> params) {
    String action = required(params, "action");
    try {
      switch (action) {
        case "failNext" -> faults.failNext(
            intParam(params, "count", 1),
            params.get("method") instanceof String m && !m.isEmpty() ? m : null,
            required(params, "path"),
            intParam(params, "status", 500),
            required(params, "message"));
        case "slowTasks" -> faults.slowTasks(Duration.ofMillis(intParam(params, "ms", 0)));
        case "failTasks" -> faults.failTasks(required(params, "type"), required(params, "exitstatus"));
        case "taskNotYetVisible" -> faults.taskNotYetVisible(intParam(params, "count", 1));
        case "clear" -> faults.clear();
        default -> throw ApiException.param("action",
            "value '" + action + "' does not have a value in the enumeration "
                + "'failNext, slowTasks, failTasks, taskNotYetVisible, clear'");
      }
    } catch (IllegalArgumentException e) {
      throw ApiException.param("action", e.getMessage());
    }
    return null;
  }

  private static String required(Map<String, Object> params, String key) {
    if (params.get(key) instanceof String s && !s.isEmpty()) {
      return s;
    }
    Map<String, String> errors = new LinkedHashMap<>();
    errors.put(key, "property is missing and it is not optional");
    throw ApiException.param(errors);
  }

  private static int intParam(Map<String, Object> params, String key, int fallback) {
    Object v = params.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v.toString());
    } catch (NumberFormatException e) {
      throw ApiException.param(key, "type check ('integer') failed - got '" + v + "'");
    }
  }
}
