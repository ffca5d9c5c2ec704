package io.pvedeploy.proxmox;

import static org.assertj.core.api.Assertions.assertThat;

import io.pvedeploy.sandbox.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Secrets (token secret, password, ticket, a container's root password) must appear in no log
 * line, exception message or {@code toString()}, whatever succeeds or fails. Every message and
 * string the client produces here is collected and searched, along with the debug log.
 */
@Tag("integration")
class SecretLeakIT {
  private static final Path LOG = Path.of("target", "client-test.log");

  @Test
  void noSecretReachesALogAMessageOrAString() throws Exception {
    List<String> seen = new ArrayList<>();
    String rootPassword = "ct-root-" + System.nanoTime();
    try (Sandbox sandbox = Sandbox.builder().taskDuration(Duration.ofMillis(20)).start()) {
      ProxmoxClient.Builder tokenBuilder = ProxmoxClient.builder().baseUrl(sandbox.url())
          .apiToken(sandbox.tokenId(), sandbox.tokenSecret())
          .tls(TlsPolicy.pinnedFingerprint(sandbox.fingerprint()))
          .retryPolicy(RetryPolicy.none());
      ProxmoxClient.Builder loginBuilder = ProxmoxClient.builder().baseUrl(sandbox.url())
          .login(sandbox.user(), sandbox.password().toCharArray())
          .tls(TlsPolicy.pinnedFingerprint(sandbox.fingerprint()));
      seen.add(tokenBuilder.toString());
      seen.add(loginBuilder.toString());
      try (ProxmoxClient token = tokenBuilder.build(); ProxmoxClient login = loginBuilder.build()) {
        seen.add(token.toString());
        seen.add(login.toString());
        int vmid = token.cluster().nextId();
        LxcSpec spec = LxcSpec.builder(vmid, "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst")
            .storage("local-lvm").password(rootPassword.toCharArray()).build();
        seen.add(spec.toString());
        TaskResult created = login.nodes().node("pve1").lxc().create(spec).await(Duration.ofSeconds(30));
        seen.add(created.toString());
        ConfigUpdate update = ConfigUpdate.builder().set("password", rootPassword).build();
        seen.add(update.toString());
        collect(seen, () -> token.nodes().node("pve1").lxc(vmid).updateConfig(update));
        collect(seen, () -> token.nodes().node("pve1").lxc().create(spec));
        sandbox.faults().failNext(1, null, "/version", 500, "boom");
        collect(seen, token::version);
        collect(seen, () -> token.nodes().node("pve1").lxc(vmid).updateConfig(
            ConfigUpdate.builder().features(LxcFeatures.docker()).build()));
        login.nodes().node("pve1").lxc(vmid).delete(GuestDeletion.purgeAll()).awaitSuccess(Duration.ofSeconds(30));
      }
      try (ProxmoxClient wrongPassword = ProxmoxClient.builder().baseUrl(sandbox.url())
          .login(sandbox.user(), (sandbox.password() + "x").toCharArray())
          .tls(TlsPolicy.pinnedFingerprint(sandbox.fingerprint())).build()) {
        collect(seen, wrongPassword::version);
      }
      try (ProxmoxClient wrongToken = ProxmoxClient.builder().baseUrl(sandbox.url())
          .apiToken(sandbox.tokenId(), sandbox.tokenSecret() + "x")
          .tls(TlsPolicy.pinnedFingerprint(sandbox.fingerprint())).build()) {
        collect(seen, wrongToken::version);
      }

      String log = Files.exists(LOG) ? Files.readString(LOG) : "";
      assertThat(log).as("the client logs requests at debug").contains("GET /version");
      List<String> secrets = List.of(sandbox.tokenSecret(), sandbox.password(), rootPassword, "PVE:root@pam:");
      for (String secret : secrets) {
        assertThat(log).as("debug log").doesNotContain(secret);
        assertThat(seen).as("messages and strings").noneMatch(s -> s.contains(secret));
      }
      assertThat(seen).as("failures were provoked and seen").hasSizeGreaterThan(12);
    }
  }

  interface Failing {
    void run() throws Exception;
  }

  /** Runs a call expected to fail and keeps every message and string of the failure chain. */
  private static void collect(List<String> seen, Failing call) {
    try {
      call.run();
      seen.add("(no failure)");
    } catch (Exception e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        seen.add(String.valueOf(t.getMessage()));
        seen.add(t.toString());
        for (Throwable s : t.getSuppressed()) {
          seen.add(String.valueOf(s.getMessage()));
        }
      }
    }
  }
}
