package io.pvedeploy.proxmox;

import java.util.Map;

/**
 * The escape hatch: any API path, with PVE's answer as plain Java values (maps, lists, strings,
 * longs, doubles, booleans). Errors are typed as everywhere else.
 *
 * <pre>{@code
 * Object ha = pve.api().get("/cluster/ha/resources");
 * }</pre>
 */
public final class RawApi {
  private final Transport transport;

  RawApi(Transport transport) {
    this.transport = transport;
  }

  public Object get(String path) throws ProxmoxException {
    return get(path, Map.of());
  }

  /** {@code GET path?params}; returns the answer's {@code data}. */
  public Object get(String path, Map<String, ?> params) throws ProxmoxException {
    return transport.get(checkPath(path), toParams(params));
  }

  /** {@code POST path} with form parameters; returns {@code data} (often a task's UPID). */
  public Object post(String path, Map<String, ?> params) throws ProxmoxException {
    return transport.post(checkPath(path), toParams(params));
  }

  public Object put(String path, Map<String, ?> params) throws ProxmoxException {
    return transport.put(checkPath(path), toParams(params));
  }

  public Object delete(String path, Map<String, ?> params) throws ProxmoxException {
    return transport.delete(checkPath(path), toParams(params));
  }

  private static String checkPath(String path) {
    if (path == null || !path.startsWith("/") || path.contains("..") || path.contains("?")
        || path.contains("#") || path.contains("//")) {
      throw new IllegalArgumentException(
          "API path '" + path + "' must start with '/' and name a path below /api2/json, e.g."
              + " \"/cluster/resources\"; pass query parameters in the map");
    }
    String trimmed = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    StringBuilder encoded = new StringBuilder();
    for (String segment : trimmed.substring(1).split("/", -1)) {
      encoded.append(Transport.path(segment));
    }
    return encoded.length() == 0 ? "/" : encoded.toString();
  }

  private static Params toParams(Map<String, ?> params) {
    Params out = Params.of();
    if (params == null) {
      return out;
    }
    params.forEach((name, value) -> {
      if (value instanceof Iterable) {
        java.util.List<String> list = new java.util.ArrayList<>();
        ((Iterable<?>) value).forEach(v -> list.add(String.valueOf(v)));
        out.putAll(name, list);
      } else if (value instanceof Boolean) {
        out.put(name, (Boolean) value);
      } else if (value != null) {
        out.put(name, value.toString());
      }
    });
    return out;
  }
}
