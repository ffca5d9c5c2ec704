package io.pvedeploy.sandbox;

import com.squareup.moshi.Moshi;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/** A minimal PVE client for tests: JDK HttpClient trusting only the sandbox's certificate. */
final class PveHttp {
  /** Status, reason phrase (read from the raw status line PVE-style clients use) and body. */
  record Reply(int status, String body, Object json) {
    @SuppressWarnings("unchecked")
    Object data() {
      return json instanceof Map<?, ?> m ? ((Map<String, Object>) m).get("data") : null;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> dataMap() {
      return (Map<String, Object>) data();
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> dataList() {
      return (List<Map<String, Object>>) data();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> errors() {
      return (Map<String, Object>) ((Map<String, Object>) json).get("errors");
    }

    @SuppressWarnings("unchecked")
    String message() {
      return (String) ((Map<String, Object>) json).get("message");
    }
  }

  private static final com.squareup.moshi.JsonAdapter<Object> JSON = new Moshi.Builder().build().adapter(Object.class);

  private final HttpClient http;
  private final String base;
  private String authorization;
  private String cookie;
  private String csrf;

  PveHttp(String baseUrl, String certificatePem) {
    this(baseUrl, trusting(certificatePem));
  }

  private PveHttp(String baseUrl, SSLContext ssl) {
    this.base = baseUrl;
    this.http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** Trusts exactly the certificate with this SHA-256 fingerprint, as PVE clients pin. */
  static PveHttp pinned(String baseUrl, String fingerprint) {
    X509TrustManager pin = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("no client certificates");
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
          byte[] d = MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded());
          StringBuilder hex = new StringBuilder();
          for (byte b : d) {
            hex.append(hex.length() == 0 ? "" : ":").append(String.format("%02X", b));
          }
          if (!hex.toString().equals(fingerprint)) {
            throw new CertificateException("fingerprint " + hex + " is not the pinned " + fingerprint);
          }
        } catch (java.security.NoSuchAlgorithmException e) {
          throw new CertificateException(e);
        }
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new javax.net.ssl.TrustManager[] {pin}, null);
      return new PveHttp(baseUrl, ctx);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static PveHttp token(Sandbox s) {
    return new PveHttp(s.url(), s.certificatePem()).withToken(s.tokenId() + "=" + s.tokenSecret());
  }

  PveHttp withToken(String idAndSecret) {
    authorization = "PVEAPIToken=" + idAndSecret;
    return this;
  }

  PveHttp withTicket(String ticket, String csrfToken) {
    cookie = "PVEAuthCookie=" + URLEncoder.encode(ticket, StandardCharsets.UTF_8);
    csrf = csrfToken;
    return this;
  }

  static SSLContext trusting(String pem) {
    try {
      var cert = CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      ks.setCertificateEntry("sandbox", cert);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  Reply get(String path) {
    return send("GET", path, null);
  }

  Reply delete(String path) {
    return send("DELETE", path, null);
  }

  /** Form-encoded body from alternating key, value arguments (keys may repeat). */
  Reply post(String path, String... kv) {
    return send("POST", path, form(kv));
  }

  Reply put(String path, String... kv) {
    return send("PUT", path, form(kv));
  }

  static String form(String... kv) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < kv.length; i += 2) {
      parts.add(URLEncoder.encode(kv[i], StandardCharsets.UTF_8) + "=" + URLEncoder.encode(kv[i + 1], StandardCharsets.UTF_8));
    }
    return String.join("&", parts);
  }

  Reply send(String method, String path, String formBody) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    if (csrf != null) {
      b.header("CSRFPreventionToken", csrf);
    }
    if (formBody != null) {
      b.header("Content-Type", "application/x-www-form-urlencoded");
      b.method(method, HttpRequest.BodyPublishers.ofString(formBody));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      Object json = r.body().isEmpty() ? null : JSON.fromJson(r.body());
      return new Reply(r.statusCode(), r.body(), json);
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Polls a task until it stops; returns its final status object. */
  Map<String, Object> await(String upid) {
    return await(upid, Duration.ofSeconds(15));
  }

  /** Polls a task until it stops, for at most {@code timeout} (a real guest's task takes longer). */
  Map<String, Object> await(String upid, Duration timeout) {
    String node = upid.split(":")[1];
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      Reply r = get("/nodes/" + node + "/tasks/" + URLEncoder.encode(upid, StandardCharsets.UTF_8) + "/status");
      if (r.status() == 200 && "stopped".equals(r.dataMap().get("status"))) {
        return r.dataMap();
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("task did not finish: " + upid);
  }

  /** Asserts a task ended OK and returns nothing; the common case. */
  void awaitOk(Reply started) {
    awaitOk(started, Duration.ofSeconds(15));
  }

  void awaitOk(Reply started, Duration timeout) {
    if (started.status() != 200) {
      throw new AssertionError("task not started: " + started.status() + " " + started.body());
    }
    Map<String, Object> s = await((String) started.data(), timeout);
    if (!"OK".equals(s.get("exitstatus"))) {
      throw new AssertionError("task failed: " + s);
    }
  }
}
