package io.pvedeploy.proxmox;

import static io.pvedeploy.proxmox.ClientTestSupport.data;
import static io.pvedeploy.proxmox.ClientTestSupport.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The wire format and failure handling of the client, against a scripted HTTPS server. */
class ProxmoxClientTest {
  private ClientTestSupport pve;

  @BeforeEach
  void start() throws Exception {
    pve = new ClientTestSupport();
  }

  @AfterEach
  void stop() throws Exception {
    pve.close();
  }

  @Test
  void sendsTheApiTokenHeaderAndReadsTheDataEnvelope() throws Exception {
    pve.server.enqueue(data("{\"version\":\"9.1.1\",\"release\":\"9.1\",\"repoid\":\"abc\"}"));
    try (ProxmoxClient client = pve.client()) {
      Version version = client.version();
      assertThat(version.release()).isEqualTo("9.1");
      assertThat(version.major()).isEqualTo(9);
    }
    RecordedRequest request = pve.server.takeRequest();
    assertThat(request.getPath()).isEqualTo("/api2/json/version");
    assertThat(request.getHeader("Authorization"))
        .isEqualTo("PVEAPIToken=root@pam!test=" + ClientTestSupport.TOKEN_SECRET);
  }

  @Test
  void createsAContainerWithFormEncodedTypedParametersAndReturnsItsTask() throws Exception {
    pve.server.enqueue(data("\"UPID:pve1:00001234:00000001:6565F1B2:vzcreate:101:root@pam!test:\""));
    LxcSpec spec = LxcSpec.builder(101, "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst")
        .hostname("app").memory(1024).cores(2).features(LxcFeatures.docker())
        .password("s3cret-root-pw".toCharArray()).build();
    try (ProxmoxClient client = pve.client()) {
      Task task = client.nodes().node("pve1").lxc().create(spec);
      assertThat(task.upid().type()).isEqualTo("vzcreate");
    }
    RecordedRequest request = pve.server.takeRequest();
    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getPath()).isEqualTo("/api2/json/nodes/pve1/lxc");
    String body = request.getBody().readUtf8();
    assertThat(body).contains("vmid=101", "unprivileged=1", "memory=1024", "cores=2",
        "features=keyctl%3D1%2Cnesting%3D1", "hostname=app",
        "ostemplate=local%3Avztmpl%2Fdebian-12-standard_12.7-1_amd64.tar.zst");
    assertThat(spec.toString()).doesNotContain("s3cret-root-pw").contains("password=***");
  }

  @Test
  void resizesAContainersMountPointAndAVmsDiskWithPutAndRefusesWhatPveWouldNot() throws Exception {
    pve.server.enqueue(data("\"UPID:pve1:00001234:00000001:6565F1B2:resize:101:root@pam!test:\""));
    pve.server.enqueue(data("\"UPID:pve1:00001235:00000001:6565F1B3:resize:102:root@pam!test:\""));
    try (ProxmoxClient client = pve.client()) {
      Lxc ct = client.nodes().node("pve1").lxc(101);
      assertThat(ct.resize("mp0", "8G").upid().type()).isEqualTo("resize");
      assertThat(client.nodes().node("pve1").qemu(102).resize("scsi1", "+2G").upid().id()).isEqualTo("102");
      assertThatThrownBy(() -> ct.resize("scsi1", "8G")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("rootfs or a mount point");
      assertThatThrownBy(() -> ct.resize("mp0", "8 GiB")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("such as 8G or +2G");
    }
    RecordedRequest lxc = pve.server.takeRequest();
    assertThat(lxc.getMethod()).isEqualTo("PUT");
    assertThat(lxc.getPath()).isEqualTo("/api2/json/nodes/pve1/lxc/101/resize");
    assertThat(lxc.getBody().readUtf8()).contains("disk=mp0", "size=8G");
    RecordedRequest qemu = pve.server.takeRequest();
    assertThat(qemu.getPath()).isEqualTo("/api2/json/nodes/pve1/qemu/102/resize");
    assertThat(qemu.getBody().readUtf8()).contains("disk=scsi1", "size=%2B2G");
    assertThat(pve.server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void mapsPveErrorsToTypedExceptionsThatSayWhatToTry() throws Exception {
    pve.server.enqueue(new MockResponse().setStatus("HTTP/1.1 400 Parameter verification failed.")
        .setBody("{\"data\":null,\"errors\":{\"memory\":\"value must have a minimum value of 16\\n\"}}"));
    pve.server.enqueue(error(500, "Configuration file 'nodes/pve1/lxc/404.conf' does not exist"));
    pve.server.enqueue(error(403, "Permission check failed (/vms/101, VM.Config.Options)"));
    pve.server.enqueue(error(403, "Permission check failed (changing feature flags (except nesting) is only allowed for root@pam)"));
    pve.server.enqueue(error(401, "authentication failure"));
    pve.server.enqueue(error(500, "detected modified configuration - file changed by other user? Try again."));
    pve.server.enqueue(error(500, "CT 101 already exists on node 'pve1'"));
    try (ProxmoxClient client = pve.client()) {
      Lxc ct = client.nodes().node("pve1").lxc(101);

      assertThatThrownBy(() -> ct.updateConfig(ConfigUpdate.builder().set("memory", "8").build()))
          .isInstanceOfSatisfying(ParameterException.class, e -> {
            assertThat(e.errors()).containsEntry("memory", "value must have a minimum value of 16");
            assertThat(e.status()).isEqualTo(400);
          })
          .hasMessageContaining("memory: value must have a minimum value of 16");
      assertThatThrownBy(() -> client.nodes().node("pve1").lxc(404).config())
          .isInstanceOf(NotFoundException.class)
          .hasMessageContaining("does not exist").hasMessageContaining("cluster().resources()");
      assertThatThrownBy(ct::config)
          .isInstanceOfSatisfying(PermissionDeniedException.class, e -> {
            assertThat(e.privilege()).contains("VM.Config.Options");
            assertThat(e.aclPath()).contains("/vms/101");
          })
          .hasMessageContaining("Grant VM.Config.Options on /vms/101");
      assertThatThrownBy(() -> ct.updateConfig(ConfigUpdate.builder().features(LxcFeatures.docker()).build()))
          .isInstanceOf(PermissionDeniedException.class)
          .hasMessageContaining("an API token never counts as root@pam")
          .hasMessageContaining("NodeShell");
      assertThatThrownBy(client::version).isInstanceOf(AuthenticationException.class);
      assertThatThrownBy(() -> ct.updateConfig(ConfigUpdate.builder().cores(2).digest("a".repeat(40)).build()))
          .isInstanceOf(ConfigChangedException.class);
      assertThatThrownBy(() -> client.nodes().node("pve1").lxc().create(
              LxcSpec.builder(101, "local:vztmpl/x.tar.zst").build()))
          .isInstanceOf(AlreadyExistsException.class);
    }
  }

  @Test
  void retriesAWriteRefusedForALockAndSendsItExactlyUntilItSucceeds() throws Exception {
    pve.server.enqueue(error(500, "can't lock file '/run/lock/lxc/pve-config-101.lock' - got timeout"));
    pve.server.enqueue(error(500, "CT is locked (snapshot)"));
    pve.server.enqueue(data("\"UPID:pve1:00001234:00000001:6565F1B2:vzstart:101:root@pam!test:\""));
    try (ProxmoxClient client = pve.client()) {
      Task task = client.nodes().node("pve1").lxc(101).status().start();
      assertThat(task.upid().type()).isEqualTo("vzstart");
    }
    assertThat(pve.server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void givesUpAfterTheRetryBudgetWithTheLastErrorNotAGenericOne() throws Exception {
    for (int i = 0; i < 3; i++) {
      pve.server.enqueue(error(500, "CT is locked (backup)"));
    }
    try (ProxmoxClient client = pve.client()) {
      assertThatThrownBy(() -> client.nodes().node("pve1").lxc(101).status().start())
          .isInstanceOfSatisfying(GuestLockedException.class, e -> assertThat(e.isRetryable()).isTrue())
          .hasMessageContaining("'backup' lock");
    }
    assertThat(pve.server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void neverRetriesACreateWhoseFateIsUnknown() throws Exception {
    pve.server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    pve.server.enqueue(data("\"UPID:pve1:00001234:00000001:6565F1B2:vzcreate:101:root@pam!test:\""));
    try (ProxmoxClient client = pve.client()) {
      assertThatThrownBy(() -> client.nodes().node("pve1").lxc().create(
              LxcSpec.builder(101, "local:vztmpl/x.tar.zst").build()))
          .isInstanceOf(ConnectionException.class);
    }
    assertThat(pve.server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void retriesAReadThatCrossedABrokenNodeProxy() throws Exception {
    pve.server.enqueue(error(595, "Connection refused"));
    pve.server.enqueue(data("[{\"node\":\"pve1\",\"status\":\"online\"}]"));
    try (ProxmoxClient client = pve.client()) {
      assertThat(client.nodes().list()).extracting(NodeSummary::node).containsExactly("pve1");
    }
  }

  @Test
  void rejectsBadArgumentsBeforeSendingAnything() throws Exception {
    try (ProxmoxClient client = pve.client()) {
      assertThatThrownBy(() -> client.nodes().node("pve1").lxc(99)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("100 to 999999999");
      assertThatThrownBy(() -> client.nodes().node("pve1").qemu(1_000_000_000)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> client.nodes().node("")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("must not be empty");
      assertThatThrownBy(() -> client.nodes().node("pve 1")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> client.nodes().node("pve1").storage("Local!")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> client.nodes().node("pve1").lxc(101).snapshots().create("current", null))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> LxcSpec.builder(101, "no-volume-id")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> ConfigUpdate.builder().set("memory", "1\nlxc.apparmor.profile: unconfined"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("single line");
      assertThatThrownBy(() -> ConfigUpdate.builder().set("Bad Key", "1")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> LxcFeatures.parse("nesting=yes,keyctl")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> client.api().get("relative/path")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> LxcSpec.builder(101, "local:vztmpl/x.tar.zst").privileged(" "))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reason");
    }
    assertThat(pve.server.getRequestCount()).isZero();
  }

  @Test
  void refusesAServerWhoseCertificateDoesNotMatchThePinnedFingerprint() throws Exception {
    String wrong = "AA:" + "00:".repeat(30) + "BB";
    try (ProxmoxClient client = pve.clientBuilder().tls(TlsPolicy.pinnedFingerprint(wrong)).build()) {
      assertThatThrownBy(client::version)
          .isInstanceOf(ConnectionException.class)
          .hasMessageContaining("pinned to " + wrong)
          .hasMessageContaining(pve.fingerprint())
          .hasMessageContaining("Node → System → Certificates");
    }
    assertThat(pve.server.getRequestCount()).isZero();
  }

  @Test
  void refusesASelfSignedServerByDefaultAndSaysHowToTrustIt() throws Exception {
    try (ProxmoxClient client = pve.clientBuilder().tls(TlsPolicy.systemTrust()).build()) {
      assertThatThrownBy(client::version)
          .isInstanceOf(ConnectionException.class)
          .hasMessageContaining("pinnedFingerprint");
    }
  }

  @Test
  void trustsAnExplicitCertificateWithHostnameVerification() throws Exception {
    pve.server.enqueue(data("{\"version\":\"9.1.1\",\"release\":\"9.1\",\"repoid\":\"abc\"}"));
    try (ProxmoxClient client = pve.clientBuilder()
        .tls(TlsPolicy.trustCertificates(List.of(pve.certificate.certificate()))).build()) {
      assertThat(client.version().version()).isEqualTo("9.1.1");
    }
  }

  @Test
  void insecureTrustNeedsAReason() {
    assertThatThrownBy(() -> TlsPolicy.insecureTrustAll("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs a reason");
  }

  @Test
  void logsInWithATicketSendsCsrfOnWritesAndRenewsBeforeExpiry() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-24T00:00:00Z"));
    pve.server.enqueue(data("{\"username\":\"root@pam\",\"ticket\":\"PVE:root@pam:T1\",\"CSRFPreventionToken\":\"C1\"}"));
    pve.server.enqueue(data("[]"));
    pve.server.enqueue(data("null"));
    pve.server.enqueue(data("{\"username\":\"root@pam\",\"ticket\":\"PVE:root@pam:T2\",\"CSRFPreventionToken\":\"C2\"}"));
    pve.server.enqueue(data("[]"));
    char[] password = "hunter2-password".toCharArray();
    try (ProxmoxClient client = pve.clientBuilder().login("root@pam", password).clock(clock).build()) {
      client.nodes().list();
      client.nodes().node("pve1").lxc(101).updateConfig(ConfigUpdate.builder().cores(2).build());
      clock.advance(Duration.ofMinutes(95));
      client.nodes().list();
      assertThat(client.toString()).doesNotContain("hunter2");
    }
    RecordedRequest login = pve.server.takeRequest();
    assertThat(login.getPath()).isEqualTo("/api2/json/access/ticket");
    assertThat(login.getBody().readUtf8()).contains("username=root%40pam", "password=hunter2-password");
    RecordedRequest read = pve.server.takeRequest();
    assertThat(read.getHeader("Cookie")).isEqualTo("PVEAuthCookie=PVE:root@pam:T1");
    assertThat(read.getHeader("CSRFPreventionToken")).isNull();
    RecordedRequest write = pve.server.takeRequest();
    assertThat(write.getHeader("CSRFPreventionToken")).isEqualTo("C1");
    RecordedRequest renew = pve.server.takeRequest();
    assertThat(renew.getPath()).isEqualTo("/api2/json/access/ticket");
    assertThat(renew.getBody().readUtf8()).contains("password=PVE%3Aroot%40pam%3AT1");
    assertThat(pve.server.takeRequest().getHeader("Cookie")).isEqualTo("PVEAuthCookie=PVE:root@pam:T2");
  }

  @Test
  void reportsALoginThatNeedsASecondFactorClearly() throws Exception {
    pve.server.enqueue(data("{\"username\":\"tfa@pve\",\"ticket\":\"PVE:!tfa!x\",\"CSRFPreventionToken\":\"C\",\"NeedTFA\":1}"));
    try (ProxmoxClient client = pve.clientBuilder().login("tfa@pve", "pw-12345".toCharArray()).build()) {
      assertThatThrownBy(client::version).isInstanceOf(AuthenticationException.class)
          .hasMessageContaining("second factor").hasMessageContaining("API token");
    }
  }

  @Test
  void neverShowsTheTokenSecretInToStringOrErrors() throws Exception {
    pve.server.enqueue(error(401, "invalid token value!"));
    try (ProxmoxClient client = pve.client()) {
      assertThat(client.toString()).doesNotContain(ClientTestSupport.TOKEN_SECRET).contains("root@pam!test=***");
      assertThatThrownBy(client::version).satisfies(e ->
          assertThat(e.getMessage()).doesNotContain(ClientTestSupport.TOKEN_SECRET));
    }
  }

  @Test
  void awaitsATaskThroughAnEarlyNoSuchTaskAndReportsFailureWithTheLogTail() throws Exception {
    String upid = "UPID:pve1:00001234:00000001:6565F1B2:vzstart:101:root@pam!test:";
    // Log requests get the log; everything else is answered from the queue, in order.
    pve.server.setDispatcher(new okhttp3.mockwebserver.QueueDispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        if (request.getPath().contains("/log")) {
          return new MockResponse().setBody("{\"data\":[{\"n\":1,\"t\":\"starting\"},{\"n\":2,\"t\":\"lxc-start: failed\"}],\"total\":2}");
        }
        return super.dispatch(request);
      }
    });
    pve.server.enqueue(data("\"" + upid + "\""));
    pve.server.enqueue(error(400, "no such task"));
    pve.server.enqueue(data("{\"status\":\"running\"}"));
    pve.server.enqueue(data("{\"status\":\"stopped\",\"exitstatus\":\"command 'lxc-start -n 101' failed: exit code 1\"}"));
    try (ProxmoxClient client = pve.client()) {
      Task task = client.nodes().node("pve1").lxc(101).status().start();
      TaskResult result = task.await(Duration.ofSeconds(10));
      assertThat(result).isInstanceOfSatisfying(TaskResult.Failed.class, failed -> {
        assertThat(failed.exitStatus()).contains("exit code 1");
        assertThat(failed.logTail()).containsExactly("starting", "lxc-start: failed");
      });
      assertThatThrownBy(result::orThrow).isInstanceOf(TaskFailedException.class)
          .hasMessageContaining("lxc-start: failed").hasMessageContaining(upid);
    }
  }

  @Test
  void awaitsManyTasksWithoutHoldingAThreadEach() throws Exception {
    pve.server.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        if (request.getPath().contains("/log")) {
          return new MockResponse().setBody("{\"data\":[{\"n\":1,\"t\":\"WARN: a\"}],\"total\":1}");
        }
        return data("{\"status\":\"stopped\",\"exitstatus\":\"WARNINGS: 2\"}");
      }
    });
    try (ProxmoxClient client = pve.client()) {
      Upid upid = Upid.parse("UPID:pve1:00001234:00000001:6565F1B2:vzdump:101:root@pam!test:");
      CompletableFuture<TaskResult> future = client.nodes().node("pve1").task(upid).awaitAsync(Duration.ofSeconds(5));
      TaskResult result = future.get(5, TimeUnit.SECONDS);
      assertThat(result).isInstanceOf(TaskResult.Warnings.class);
      assertThat(((TaskResult.Warnings) result).count()).isEqualTo(2);
    }
  }

  @Test
  void timesOutAnAwaitWithATypedErrorThatSaysTheTaskGoesOn() throws Exception {
    pve.server.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return data("{\"status\":\"running\"}");
      }
    });
    try (ProxmoxClient client = pve.client()) {
      Upid upid = Upid.parse("UPID:pve1:00001234:00000001:6565F1B2:vzdump:101:root@pam!test:");
      assertThatThrownBy(() -> client.nodes().node("pve1").task(upid).await(Duration.ofMillis(300)))
          .isInstanceOf(TaskTimeoutException.class).hasMessageContaining("still running");
    }
  }

  @Test
  void readsAContainersRawLxcLinesInTheirOrder() throws Exception {
    pve.server.enqueue(new MockResponse().setBody("{\"data\":{\"hostname\":\"web\",\"digest\":\"abc\","
        + "\"lxc\":[[\"lxc.cap.drop\",\"sys_time\"],[\"lxc.apparmor.profile\",\"generated\"],"
        + "[\"lxc.apparmor.profile\",\"unconfined\"]]}}"));
    pve.server.enqueue(new MockResponse().setBody("{\"data\":{\"hostname\":\"web\",\"digest\":\"abd\"}}"));
    try (ProxmoxClient client = pve.client()) {
      LxcConfig config = client.nodes().node("pve1").lxc(101).config();
      assertThat(config.rawEntries()).containsExactly(new LxcRawEntry("lxc.cap.drop", "sys_time"),
          new LxcRawEntry("lxc.apparmor.profile", "generated"), new LxcRawEntry("lxc.apparmor.profile", "unconfined"));
      assertThat(config.raw("lxc.apparmor.profile")).as("LXC takes the last").contains("unconfined");
      assertThat(config.get(LxcConfig.RAW_KEY)).contains(
          "lxc.cap.drop: sys_time\nlxc.apparmor.profile: generated\nlxc.apparmor.profile: unconfined");
      assertThat(config.hostname()).contains("web");
      assertThat(config.digest()).isEqualTo("abc");

      LxcConfig none = client.nodes().node("pve1").lxc(101).config();
      assertThat(none.rawEntries()).isEmpty();
      assertThat(none.raw("lxc.apparmor.profile")).isEmpty();
      assertThat(none.values()).doesNotContainKey(LxcConfig.RAW_KEY);
    }
  }

  @Test
  void runsCallsAsynchronouslyAndCompletesFailuresExceptionally() throws Exception {
    pve.server.enqueue(error(500, "Configuration file 'nodes/pve1/lxc/101.conf' does not exist"));
    try (ProxmoxClient client = pve.client()) {
      CompletableFuture<LxcConfig> config = client.async(c -> c.nodes().node("pve1").lxc(101).config());
      assertThatThrownBy(config::join).isInstanceOf(CompletionException.class)
          .hasCauseInstanceOf(NotFoundException.class);
    }
  }

  @Test
  void pagesThroughTaskLogsAndEncodesTheUpidInThePath() throws Exception {
    pve.server.enqueue(new MockResponse().setBody("{\"data\":[{\"n\":1,\"t\":\"a\"},{\"n\":2,\"t\":\"b\"}],\"total\":3}"));
    pve.server.enqueue(new MockResponse().setBody("{\"data\":[{\"n\":3,\"t\":\"c\"}],\"total\":3}"));
    Upid upid = Upid.parse("UPID:pve1:00001234:00000001:6565F1B2:vzdump:101:root@pam!test:");
    try (ProxmoxClient client = pve.clientBuilder().build()) {
      Task task = client.nodes().node("pve1").task(upid);
      TaskLog first = task.log(0, 2);
      assertThat(first.hasMore()).isTrue();
      assertThat(task.log(2, 2).lines()).containsExactly("c");
    }
    RecordedRequest request = pve.server.takeRequest();
    assertThat(request.getRequestUrl().encodedPath())
        .isEqualTo("/api2/json/nodes/pve1/tasks/UPID%3Apve1%3A00001234%3A00000001%3A6565F1B2%3Avzdump%3A101%3Aroot%40pam%21test%3A/log");
    assertThat(request.getRequestUrl().queryParameter("limit")).isEqualTo("2");
  }

  @Test
  void newBuilderKeepsSettingsAndSharesTheConnectionPool() throws Exception {
    pve.server.enqueue(data("[]"));
    pve.server.enqueue(data("[]"));
    try (ProxmoxClient client = pve.client()) {
      ProxmoxClient slow = client.newBuilder().readTimeout(Duration.ofMinutes(5)).build();
      client.nodes().list();
      slow.nodes().list();
      assertThat(pve.server.takeRequest().getSequenceNumber()).isZero();
      // Same TCP connection: the second request reuses the pooled one.
      assertThat(pve.server.takeRequest().getSequenceNumber()).isEqualTo(1);
      assertThat(slow.describe().get("readTimeout")).isEqualTo(Duration.ofMinutes(5));
    }
  }

  @Test
  void builderRequiresAnHttpsUrlAndCredentials() {
    assertThatThrownBy(() -> ProxmoxClient.builder().baseUrl("http://pve1:8006"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https");
    assertThatThrownBy(() -> ProxmoxClient.builder().baseUrl("https://pve1:8006").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("apiToken");
    assertThatThrownBy(() -> ProxmoxClient.builder().apiToken("root@pam", "x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("user@realm!tokenid");
    assertThat(ProxmoxClient.builder().baseUrl("https://pve1:8006").apiToken("a@pam!b", "c").build().baseUrl())
        .isEqualTo("https://pve1:8006/api2/json");
  }

  /** A clock tests can move. */
  static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
