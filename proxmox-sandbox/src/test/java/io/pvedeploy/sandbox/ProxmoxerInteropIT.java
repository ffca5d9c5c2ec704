package io.pvedeploy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.squareup.moshi.Moshi;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A third-party client, unchanged, against the standalone sandbox: Debian's python3-proxmoxer
 * drives a container through its life and sees PVE's error shapes, with simulated guests and
 * with real LXC guests alike. If this passes, tools built on proxmoxer can be tested against the
 * sandbox instead of a real cluster.
 */
@Tag("integration")
class ProxmoxerInteropIT {
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private Process sandbox;

  @AfterEach
  void stop() throws InterruptedException {
    if (sandbox != null) {
      sandbox.destroy();
      sandbox.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest(name = "--guests {0}")
  @ValueSource(strings = {"simulated", "lxc"})
  @SuppressWarnings("unchecked")
  void proxmoxerDrivesAContainerThroughItsLifeAndSeesPvesErrors(String guests) throws Exception {
    requireProxmoxer();
    sandbox = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", "target/proxmox-sandbox.jar", "--port", "0", "--nodes", "pve1,pve2",
        "--task-duration", "50", "--guests", guests).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String line = new BufferedReader(new InputStreamReader(sandbox.getInputStream(), StandardCharsets.UTF_8)).readLine();
    Map<String, Object> ready = (Map<String, Object>) new Moshi.Builder().build().adapter(Object.class).fromJson(line);

    // proxmoxer verifies TLS with requests: hand it the sandbox's certificate as its CA bundle.
    Path ca = Files.createTempFile("sandbox-ca", ".pem");
    try {
      String pem = fetchPem((String) ready.get("url"));
      Files.writeString(ca, pem);
      java.net.URI url = java.net.URI.create((String) ready.get("url"));
      String script;
      try (InputStream in = getClass().getResourceAsStream("proxmoxer_lifecycle.py")) {
        script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      Process python = new ProcessBuilder(PYTHON.toString(), "-c", script, url.getHost(),
          String.valueOf(url.getPort()), (String) ready.get("tokenId"), (String) ready.get("tokenSecret"),
          ca.toString()).redirectErrorStream(false).start();
      String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(python.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(python.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(python.exitValue()).as("proxmoxer run; stderr:%n%s", err).isZero();

      Map<String, Object> seen = (Map<String, Object>) new Moshi.Builder().build().adapter(Object.class).fromJson(out);
      assertThat((List<List<String>>) seen.get("steps")).containsExactly(
          List.of("create", "OK"), List.of("start", "OK"), List.of("snapshot", "OK"),
          List.of("vzdump", "OK"), List.of("stop", "OK"), List.of("destroy", "OK"));
      assertThat(((Number) seen.get("memory")).intValue()).isEqualTo(1024);
      assertThat(((Number) seen.get("unprivileged")).intValue()).isEqualTo(1);
      assertThat(seen.get("status")).isEqualTo("running");
      assertThat((List<String>) seen.get("backups")).singleElement().asString().startsWith("local:backup/vzdump-lxc-");
      assertThat(seen.get("gone")).isEqualTo(true);

      Map<String, Object> badVmid = (Map<String, Object>) seen.get("bad_vmid");
      assertThat(((Number) badVmid.get("status")).intValue()).isEqualTo(400);
      assertThat(badVmid.get("message")).isEqualTo("Parameter verification failed.");
      Map<String, Object> raw = (Map<String, Object>) seen.get("bad_vmid_raw");
      assertThat(raw.get("reason")).isEqualTo("Parameter verification failed.");
      assertThat((Map<String, Object>) raw.get("errors")).containsKey("vmid");
      Map<String, Object> keyctl = (Map<String, Object>) seen.get("keyctl_by_token");
      assertThat(((Number) keyctl.get("status")).intValue()).isEqualTo(403);
      assertThat((String) keyctl.get("message")).contains("only allowed for root@pam");
      assertThat(((Number) ((Map<String, Object>) seen.get("wrong_token")).get("status")).intValue()).isEqualTo(401);
    } finally {
      Files.deleteIfExists(ca);
    }
  }

  /** The server's certificate, as PEM, read from its TLS handshake. */
  private static String fetchPem(String url) throws Exception {
    java.net.URI uri = java.net.URI.create(url);
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    java.security.cert.X509Certificate[][] seen = new java.security.cert.X509Certificate[1][];
    context.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
      @Override
      public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

      @Override
      public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {
        seen[0] = c;
      }

      @Override
      public java.security.cert.X509Certificate[] getAcceptedIssuers() {
        return new java.security.cert.X509Certificate[0];
      }
    }}, null);
    try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket(uri.getHost(), uri.getPort())) {
      socket.startHandshake();
    }
    return "-----BEGIN CERTIFICATE-----\n"
        + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(seen[0][0].getEncoded())
        + "\n-----END CERTIFICATE-----\n";
  }

  private static void requireProxmoxer() throws Exception {
    boolean present = Files.isExecutable(PYTHON)
        && new ProcessBuilder(PYTHON.toString(), "-c", "import proxmoxer").start().waitFor() == 0;
    assertThat(present)
        .as("this test needs Debian's python3-proxmoxer: run 'apt-get install -y python3-proxmoxer'"
            + " (scripts/test.sh installs it)")
        .isTrue();
  }
}
