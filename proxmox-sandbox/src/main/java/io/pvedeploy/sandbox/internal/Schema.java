package io.pvedeploy.sandbox.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The facts of the official PVE API schema, bundled as a resource (never read from the shared
 * checkout at run time), and the lookup of a request path to its endpoint.
 */
final class Schema {
  private static final String RESOURCE = "/io/pvedeploy/sandbox/schema/pve-api.json";

  /** One API method: its path template, HTTP method and parameter facts. */
  record Endpoint(
      String path,
      String method,
      String name,
      boolean allowToken,
      boolean isProtected,
      Map<String, Map<String, Object>> parameters) {
    String[] segments() {
      return path.substring(1).split("/");
    }
  }

  record Match(Endpoint endpoint, Map<String, String> pathParams) {}

  private final String pveVersion;
  private final Map<String, List<Endpoint>> byMethod = new HashMap<>();
  private final Map<String, Endpoint> byKey = new HashMap<>();

  private Schema(String pveVersion, List<Endpoint> endpoints) {
    this.pveVersion = pveVersion;
    for (Endpoint e : endpoints) {
      byMethod.computeIfAbsent(e.method(), k -> new ArrayList<>()).add(e);
      byKey.put(e.method() + " " + e.path(), e);
    }
  }

  private static volatile Schema bundled;

  /** The schema bundled in this jar; parsed once per JVM since it never changes. */
  static Schema bundled() {
    Schema s = bundled;
    if (s == null) {
      synchronized (Schema.class) {
        if (bundled == null) {
          bundled = load();
        }
        s = bundled;
      }
    }
    return s;
  }

  @SuppressWarnings("unchecked")
  private static Schema load() {
    try (InputStream in = Schema.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("schema resource missing: " + RESOURCE);
      }
      Map<String, Object> root =
          (Map<String, Object>) Json.read(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      List<Endpoint> endpoints = new ArrayList<>();
      for (Object o : (List<Object>) root.get("endpoints")) {
        Map<String, Object> e = (Map<String, Object>) o;
        Map<String, Map<String, Object>> params = new LinkedHashMap<>();
        Object p = e.get("parameters");
        if (p instanceof Map<?, ?> pm) {
          pm.forEach((k, v) -> params.put((String) k, (Map<String, Object>) v));
        }
        endpoints.add(
            new Endpoint(
                (String) e.get("path"),
                (String) e.get("method"),
                (String) e.get("name"),
                truthy(e.get("allowtoken")),
                truthy(e.get("protected")),
                params));
      }
      return new Schema(String.valueOf(root.get("pveVersion")), endpoints);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static boolean truthy(Object o) {
    if (o == null) {
      return false;
    }
    if (o instanceof Boolean b) {
      return b;
    }
    if (o instanceof Number n) {
      return n.doubleValue() != 0;
    }
    return !o.toString().isEmpty() && !o.toString().equals("0");
  }

  String pveVersion() {
    return pveVersion;
  }

  Optional<Endpoint> endpoint(String method, String path) {
    return Optional.ofNullable(byKey.get(method + " " + path));
  }

  /**
   * Finds the endpoint for a relative path like {@code /nodes/pve1/lxc/101/config}. Each segment
   * is URL-decoded on its own, so an encoded volume id ({@code local%3Abackup%2F...}) stays one
   * segment; a trailing template variable also takes an unencoded rest of the path.
   */
  Optional<Match> match(String method, String rawPath) {
    List<Endpoint> candidates = byMethod.getOrDefault(method, List.of());
    String trimmed = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
    if (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    String[] raw = trimmed.isEmpty() ? new String[0] : trimmed.split("/", -1);
    String[] seg = new String[raw.length];
    for (int i = 0; i < raw.length; i++) {
      seg[i] = URLDecoder.decode(raw[i].replace("+", "%2B"), StandardCharsets.UTF_8);
    }
    Match best = null;
    int bestLiterals = -1;
    for (Endpoint e : candidates) {
      String[] tpl = e.path().equals("/") ? new String[0] : e.segments();
      Map<String, String> vars = matchSegments(tpl, seg);
      if (vars != null) {
        int literals = 0;
        for (String t : tpl) {
          if (!t.startsWith("{")) {
            literals++;
          }
        }
        if (literals > bestLiterals) {
          best = new Match(e, vars);
          bestLiterals = literals;
        }
      }
    }
    return Optional.ofNullable(best);
  }

  private static Map<String, String> matchSegments(String[] tpl, String[] seg) {
    boolean slurp = tpl.length > 0 && tpl[tpl.length - 1].startsWith("{") && seg.length > tpl.length;
    if (tpl.length != seg.length && !slurp) {
      return null;
    }
    if (slurp && seg.length < tpl.length) {
      return null;
    }
    Map<String, String> vars = new LinkedHashMap<>();
    for (int i = 0; i < tpl.length; i++) {
      String t = tpl[i];
      String s = seg[i];
      if (t.startsWith("{")) {
        if (i == tpl.length - 1 && seg.length > tpl.length) {
          s = String.join("/", java.util.Arrays.copyOfRange(seg, i, seg.length));
        }
        if (s.isEmpty()) {
          return null;
        }
        vars.put(t.substring(1, t.length() - 1), s);
      } else if (!t.equals(s)) {
        return null;
      }
    }
    return vars;
  }
}
