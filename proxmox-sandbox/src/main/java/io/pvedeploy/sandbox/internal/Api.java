package io.pvedeploy.sandbox.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an HTTP request into a PVE answer, in pveproxy's order: injected faults, authentication,
 * handler lookup, API-token check, node resolution, schema validation, handler.
 */
final class Api {
  private static final Logger LOG = LoggerFactory.getLogger(Api.class);
  static final String BASE = "/api2/json";

  record Request(
      String method,
      String path,
      String query,
      String contentType,
      byte[] body,
      String cookie,
      String authorization,
      String csrf) {}

  record Response(int status, String reason, byte[] body) {}

  private final Schema schema;
  private final Cluster cluster;
  private final Authenticator auth;
  private final FaultInjector faults;
  private final Map<String, Function<Call, Object>> handlers = new HashMap<>();
  private final Map<String, Function<Call, Object>> sandboxHandlers = new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicLong requests = new AtomicLong();

  Api(Schema schema, Cluster cluster, Authenticator auth, FaultInjector faults) {
    this.schema = schema;
    this.cluster = cluster;
    this.auth = auth;
    this.faults = faults;
  }

  /** Registers the code for a schema endpoint, e.g. {@code ("GET", "/version")}. */
  void on(String method, String schemaPath, Function<Call, Object> handler) {
    if (schema.endpoint(method, schemaPath).isEmpty()) {
      throw new IllegalStateException("not in the PVE schema: " + method + " " + schemaPath);
    }
    handlers.put(method + " " + schemaPath, handler);
  }

  /**
   * Registers a sandbox-only endpoint under {@code /sandbox/} (not PVE's, so no schema): only
   * root@pam or its token may call it, no fault fires before it, and it runs WITHOUT the cluster
   * lock (it takes the lock itself for what it touches).
   */
  void onSandbox(String method, String relPath, Function<Call, Object> handler) {
    if (!relPath.startsWith("/sandbox/")) {
      throw new IllegalArgumentException("sandbox endpoints live under /sandbox/: " + relPath);
    }
    sandboxHandlers.put(method + " " + relPath, handler);
  }

  long requestCount() {
    return requests.get();
  }

  Response handle(Request req) {
    requests.incrementAndGet();
    try {
      return ok(dispatch(req));
    } catch (ApiException e) {
      return error(e);
    } catch (RuntimeException e) {
      LOG.error("internal error on {} {}", req.method(), req.path(), e);
      return error(ApiException.fail("internal sandbox error: " + e));
    }
  }

  private Object dispatch(Request req) {
    String method = req.method().toUpperCase(Locale.ROOT);
    if (!req.path().startsWith(BASE + "/") && !req.path().equals(BASE)) {
      throw new ApiException(501, "no such uri", null);
    }
    String rel = req.path().substring(BASE.length());
    if (rel.isEmpty()) {
      rel = "/";
    }
    boolean sandboxEndpoint = rel.startsWith("/sandbox/");
    if (!sandboxEndpoint) {
      ApiException injected = faults.requestFault(method, rel);
      if (injected != null) {
        throw injected;
      }
    }
    Authenticator.Caller caller = auth.authenticate(method, rel, req.cookie(), req.authorization(), req.csrf());
    Map<String, Object> params = parseParams(req, method);
    params.remove("_dc");
    if (sandboxEndpoint && !rel.equals(SandboxApi.PATH)) {
      Function<Call, Object> handler = sandboxHandlers.get(method + " " + rel);
      if (handler == null) {
        throw new ApiException(501, "Method '" + method + " " + rel + "' not implemented", null);
      }
      if (caller == null || !(caller.isRootPam() || caller.token())) {
        throw ApiException.permission("only root@pam or its API token may use " + rel);
      }
      return handler.apply(new Call(caller, params, rel));
    }
    if (sandboxEndpoint) {
      if (!method.equals("POST")) {
        throw new ApiException(501, "Method '" + method + " " + rel + "' not implemented", null);
      }
      if (caller == null || !(caller.isRootPam() || caller.token())) {
        throw ApiException.permission("only root@pam or its API token may inject faults");
      }
      return SandboxApi.apply(faults, params);
    }
    var match = schema.match(method, rel);
    Function<Call, Object> handler = match.map(m -> handlers.get(method + " " + m.endpoint().path())).orElse(null);
    if (handler == null) {
      throw new ApiException(501, "Method '" + method + " " + rel + "' not implemented", null);
    }
    Schema.Endpoint endpoint = match.get().endpoint();
    for (Map.Entry<String, String> p : match.get().pathParams().entrySet()) {
      Object given = params.get(p.getKey());
      if (given != null && !given.equals(p.getValue())) {
        throw ApiException.param(p.getKey(), "duplicate parameter (already defined in URI) with conflicting values!");
      }
      params.put(p.getKey(), p.getValue());
    }
    if (caller != null && caller.token() && !endpoint.allowToken()) {
      throw ApiException.permission("URI '" + rel + "' not available with API token, need proper ticket.\n");
    }
    if (endpoint.path().contains("{node}")) {
      cluster.checkNode((String) params.get("node"));
    }
    Map<String, String> errors = ParamValidator.validate(endpoint.parameters(), params);
    if (!errors.isEmpty()) {
      throw ApiException.param(errors);
    }
    Call call = new Call(caller, params, rel);
    cluster.lock.lock();
    try {
      return handler.apply(call);
    } finally {
      cluster.lock.unlock();
    }
  }

  /** Form body (or JSON body) then query string; query wins, as in pveproxy's extract_params. */
  private static Map<String, Object> parseParams(Request req, String method) {
    Map<String, Object> params = new LinkedHashMap<>();
    if ((method.equals("POST") || method.equals("PUT")) && req.body() != null && req.body().length > 0) {
      String body = new String(req.body(), StandardCharsets.UTF_8);
      String ct = req.contentType() == null ? "" : req.contentType().toLowerCase(Locale.ROOT);
      if (ct.startsWith("application/json")) {
        Object json;
        try {
          json = Json.read(body);
        } catch (RuntimeException e) {
          throw ApiException.fail("malformed JSON string: " + e.getMessage());
        }
        if (json instanceof Map<?, ?> m) {
          m.forEach((k, v) -> { if (v != null) params.put((String) k, jsonValue(v)); });
        }
      } else {
        decodeForm(body, params);
      }
    }
    Map<String, Object> query = new LinkedHashMap<>();
    decodeForm(req.query(), query);
    params.putAll(query);
    return params;
  }

  private static Object jsonValue(Object v) {
    if (v instanceof Boolean b) {
      return b ? "1" : "0";
    }
    if (v instanceof Double d) {
      return ParamValidator.perlNumber(d);
    }
    if (v instanceof List<?> l) {
      List<String> out = new ArrayList<>();
      for (Object o : l) {
        out.add(String.valueOf(jsonValue(o)));
      }
      return out;
    }
    return String.valueOf(v);
  }

  /** pveproxy's decode_urlencoded: repeated keys collect into a list. */
  @SuppressWarnings("unchecked")
  static void decodeForm(String data, Map<String, Object> into) {
    if (data == null || data.isEmpty()) {
      return;
    }
    for (String kv : data.split("[&;]")) {
      if (kv.isEmpty()) {
        continue;
      }
      int eq = kv.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
      if (eq < 0) {
        into.putIfAbsent(k, "");
        continue;
      }
      String v = URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
      Object old = into.get(k);
      if (old instanceof List<?> l) {
        ((List<String>) l).add(v);
      } else if (old instanceof String s) {
        List<String> list = new ArrayList<>();
        list.add(s);
        list.add(v);
        into.put(k, list);
      } else {
        into.put(k, v);
      }
    }
  }

  private static Response ok(Object result) {
    if (result instanceof Call.Raw raw) {
      return new Response(200, "OK", raw.body());
    }
    Map<String, Object> body = new LinkedHashMap<>();
    if (result instanceof Call.Paged paged) {
      body.put("data", paged.data());
      body.put("total", paged.total());
    } else {
      body.put("data", result);
    }
    return new Response(200, "OK", Json.bytes(body));
  }

  /** PVE's error shape: reason phrase = first line; json body with data null and the message. */
  static Response error(ApiException e) {
    if (e.bare) {
      return new Response(e.status, e.reasonPhrase(), new byte[0]);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("data", null);
    body.put("message", e.getMessage());
    if (!e.errors.isEmpty()) {
      body.put("errors", new LinkedHashMap<>(e.errors));
    }
    return new Response(e.status, e.reasonPhrase(), Json.bytes(body));
  }
}
