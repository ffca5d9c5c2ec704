package io.pvedeploy.proxmox;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.util.List;
import java.util.Map;
import com.squareup.moshi.JsonDataException;
import com.squareup.moshi.JsonEncodingException;
import com.squareup.moshi.JsonReader;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one API call and returns PVE's {@code data}, or throws the typed failure; retries what
 * the {@link RetryPolicy} allows. Everything above this class speaks in paths and {@link Params}.
 *
 * <p>Answers are read with Moshi, the design card's JSON library, except where one answer
 * grows with the cluster: {@code GET /cluster/resources} goes through {@link #getScanned} and
 * the small {@link JsonScanner}, because for 5,000 guests (1.4 MB) Moshi's reader takes ~9 ms,
 * no faster than proxmoxer's C {@code json.loads} (~10 ms), and issue 3 asks for 5× faster.
 */
final class Transport {
  private static final Logger LOG = LoggerFactory.getLogger(ProxmoxClient.class);

  final OkHttpClient http;
  final HttpUrl baseUrl;
  final RetryPolicy retry;

  Transport(OkHttpClient http, HttpUrl baseUrl, RetryPolicy retry) {
    this.http = http;
    this.baseUrl = baseUrl;
    this.retry = retry;
  }

  /** The whole JSON answer: {@code data} plus any siblings PVE sends (e.g. {@code total}). */
  record Answer(Object data, Map<String, Object> envelope) {}

  /**
   * Reads an answer's {@code data} from a {@link JsonScanner}, for the large answers where
   * Moshi's reader alone costs more than the request (see {@link JsonScanner} for the figures).
   */
  @FunctionalInterface
  interface ScanReader<T> {
    T read(JsonScanner scanner) throws JsonScanException;
  }

  /** Reads a successful answer's body. */
  @FunctionalInterface
  private interface BodyReader<T> {
    T read(ResponseBody body) throws IOException, ProxmoxException;
  }

  /** The whole answer, as plain Java values, read with Moshi. */
  private static final BodyReader<Answer> TREE = body -> {
    JsonReader reader = JsonReader.of(body.source());
    reader.setLenient(true);
    Map<String, Object> envelope = Json.object(Json.readValue(reader), "answer");
    return new Answer(envelope.get("data"), envelope);
  };

  private static final JsonScanNames DATA = JsonScanNames.of("data");

  Object get(String path, Params params) throws ProxmoxException {
    return call("GET", path, params).data();
  }

  Object post(String path, Params params) throws ProxmoxException {
    return call("POST", path, params).data();
  }

  Object put(String path, Params params) throws ProxmoxException {
    return call("PUT", path, params).data();
  }

  Object delete(String path, Params params) throws ProxmoxException {
    return call("DELETE", path, params).data();
  }

  /** Builds a path from raw segments, percent-encoding each one. */
  static String path(Object... segments) {
    StringBuilder out = new StringBuilder();
    for (Object segment : segments) {
      out.append('/')
          .append(URLEncoder.encode(segment.toString(), StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return out.toString();
  }

  Answer call(String method, String path, Params params) throws ProxmoxException {
    return call(method, path, params, TREE);
  }

  /**
   * {@code GET path}, with {@code data} read by {@code reader} from the whole body in memory;
   * null data gives null.
   */
  <T> T getScanned(String path, Params params, ScanReader<T> reader) throws ProxmoxException {
    // bytes() checks the length against Content-Length: a cut body is a connection failure.
    return call("GET", path, params, body -> readData(new JsonScanner(body.bytes()), reader));
  }

  /** An answer's {@code data}, read by {@code reader}; null data gives null. */
  static <T> T readData(JsonScanner json, ScanReader<T> reader) throws JsonScanException {
    T result = null;
    json.beginObject();
    while (json.hasNext()) {
      if (json.nextName(DATA) == 0 && json.peek() != JsonScanner.Kind.NULL) {
        result = reader.read(json);
      } else {
        json.skipValue();
      }
    }
    json.endObject();
    json.endDocument();
    return result;
  }

  private <T> T call(String method, String path, Params params, BodyReader<T> reader)
      throws ProxmoxException {
    int attempt = 1;
    while (true) {
      try {
        return callOnce(method, path, params, reader);
      } catch (ProxmoxException failure) {
        boolean safe =
            method.equals("GET")
                || failure instanceof GuestLockedException
                || failure instanceof LockTimeoutException;
        if (!failure.isRetryable() || !safe || attempt >= retry.maxAttempts()) {
          throw failure;
        }
        long delay = retry.delayAfter(attempt).toMillis();
        LOG.debug("{} {} failed ({}), attempt {} of {}; retrying in {} ms", method, path,
            failure.getClass().getSimpleName(), attempt, retry.maxAttempts(), delay);
        sleep(delay, failure);
        attempt++;
      }
    }
  }

  private static void sleep(long millis, ProxmoxException pending) throws ProxmoxException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pending.addSuppressed(e);
      throw pending;
    }
  }

  private <T> T callOnce(String method, String path, Params params, BodyReader<T> reader)
      throws ProxmoxException {
    Request request = request(method, path, params);
    long started = System.nanoTime();
    try (Response response = http.newCall(request).execute()) {
      LOG.debug("{} {} -> {} ({} ms)", method, path, response.code(),
          (System.nanoTime() - started) / 1_000_000);
      ResponseBody body = response.body();
      if (response.isSuccessful()) {
        if (body == null || body.contentLength() == 0) {
          throw new UnexpectedResponseException(
              method + " " + path + ": PVE answered " + response.code() + " with no body");
        }
        try {
          return reader.read(body);
        } catch (JsonEncodingException | JsonDataException | JsonScanException
            | IllegalStateException notJson) {
          // Malformed JSON, or JSON of another shape; a broken connection stays an IOException.
          throw new UnexpectedResponseException(
              method + " " + path + ": PVE answered " + response.code()
                  + " with a body this client cannot read: " + notJson.getMessage(), notJson);
        }
      }
      Object parsed = null;
      if (body != null && body.contentLength() != 0) {
        try {
          parsed = Json.read(body.source());
        } catch (IOException | RuntimeException notJson) {
          // An error answer without a JSON body: its status line says it all.
        }
      }
      Map<String, Object> errors = null;
      if (parsed instanceof Map && ((Map<?, ?>) parsed).get("errors") instanceof Map) {
        errors = Json.object(((Map<?, ?>) parsed).get("errors"), "errors");
      }
      String message = response.message();
      if (message.isEmpty() && parsed instanceof Map && ((Map<?, ?>) parsed).get("message") != null) {
        // A reverse proxy speaking HTTP/2 drops the reason phrase; newer PVE versions also
        // put the text in the body.
        message = String.valueOf(((Map<?, ?>) parsed).get("message"));
      }
      throw Failures.fromResponse(method, path, response.code(), message, errors);
    } catch (Authenticator.AuthFailure auth) {
      throw auth.failure();
    } catch (IOException io) {
      throw connectionFailure(method, path, io);
    }
  }

  private Request request(String method, String path, Params params) {
    HttpUrl.Builder url = baseUrl.newBuilder().addEncodedPathSegments(path.substring(1));
    RequestBody body = null;
    if (method.equals("GET") || method.equals("DELETE")) {
      params.asMap().forEach((k, values) -> values.forEach(v -> url.addQueryParameter(k, v)));
    } else {
      FormBody.Builder form = new FormBody.Builder();
      params.asMap().forEach((k, values) -> values.forEach(v -> form.add(k, v)));
      body = form.build();
    }
    return new Request.Builder().url(url.build()).method(method, body).build();
  }

  private ProxmoxException connectionFailure(String method, String path, IOException io) {
    String target = baseUrl.host() + ":" + baseUrl.port();
    for (Throwable t = io; t != null; t = t.getCause()) {
      if (t instanceof CertificateException) {
        String why = t.getMessage();
        boolean pinned = why != null && why.contains("pinned to");
        return new ConnectionException(
            method + " " + path + ": TLS with " + target + " refused: " + why
                + (pinned ? "" : ". The node's certificate is not trusted: a fresh PVE node has a"
                    + " self-signed one. Pin its fingerprint (TlsPolicy.pinnedFingerprint, as"
                    + " shown in Node → System → Certificates) or trust its CA"
                    + " (TlsPolicy.trustCertificates with /etc/pve/pve-root-ca.pem)."),
            0, method, path, null, io);
      }
    }
    if (io instanceof javax.net.ssl.SSLException) {
      return new ConnectionException(
          method + " " + path + ": TLS with " + target + " failed: " + io.getMessage()
              + ". If the node has a self-signed certificate, pin its fingerprint"
              + " (TlsPolicy.pinnedFingerprint) or trust its CA (TlsPolicy.trustCertificates).",
          0, method, path, null, io);
    }
    String kind = io instanceof InterruptedIOException ? "timed out" : "failed";
    return new ConnectionException(
        method + " " + path + ": connection to " + target + " " + kind + ": " + io
            + ". Check that the node is reachable on that port (PVE listens on 8006).",
        0, method, path, null, io);
  }

  static List<String> strings(List<Object> values) {
    return values.stream().map(String::valueOf).toList();
  }
}
