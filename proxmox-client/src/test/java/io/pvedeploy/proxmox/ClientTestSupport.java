package io.pvedeploy.proxmox;

import java.io.IOException;
import java.net.InetAddress;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/** A MockWebServer over HTTPS with a self-signed certificate, and a client pinned to it. */
final class ClientTestSupport implements AutoCloseable {
  static final String TOKEN_SECRET = "5f1c3b2a-0000-4000-8000-abcdefabcdef";

  final HeldCertificate certificate;
  final MockWebServer server = new MockWebServer();

  ClientTestSupport() throws IOException {
    String host = InetAddress.getByName("localhost").getCanonicalHostName();
    certificate = new HeldCertificate.Builder().addSubjectAlternativeName(host)
        .addSubjectAlternativeName("127.0.0.1").commonName("pve-test").build();
    HandshakeCertificates serverCerts =
        new HandshakeCertificates.Builder().heldCertificate(certificate).build();
    server.useHttps(serverCerts.sslSocketFactory(), false);
    server.setProtocols(java.util.List.of(okhttp3.Protocol.HTTP_1_1));
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  String fingerprint() throws Exception {
    return TlsSetup.fingerprint(certificate.certificate());
  }

  ProxmoxClient.Builder clientBuilder() throws Exception {
    return ProxmoxClient.builder()
        .baseUrl("https://127.0.0.1:" + server.getPort() + "/api2/json")
        .apiToken("root@pam!test", TOKEN_SECRET)
        .tls(TlsPolicy.pinnedFingerprint(fingerprint()))
        .retryPolicy(new RetryPolicy(3, java.time.Duration.ofMillis(1), java.time.Duration.ofMillis(5)));
  }

  ProxmoxClient client() throws Exception {
    return clientBuilder().build();
  }

  static MockResponse data(String json) {
    return new MockResponse().setHeader("Content-Type", "application/json;charset=UTF-8")
        .setBody("{\"data\":" + json + "}");
  }

  /** An error as PVE sends it: the text in the status line, {"data":null} in the body. */
  static MockResponse error(int status, String message) {
    return new MockResponse().setStatus("HTTP/1.1 " + status + " " + message)
        .setHeader("Content-Type", "application/json;charset=UTF-8").setBody("{\"data\":null}");
  }

  @Override
  public void close() throws IOException {
    server.shutdown();
  }
}
