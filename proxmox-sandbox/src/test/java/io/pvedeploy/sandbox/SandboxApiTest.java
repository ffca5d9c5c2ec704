package io.pvedeploy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The sandbox in process, driven over real HTTPS: shapes, auth, permissions, locks, faults. */
class SandboxApiTest {
  private static final String TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";
  private static Sandbox pve;
  private static PveHttp api;
  private static int nextVmid = 200;

  @BeforeAll
  static void start() {
    pve = Sandbox.builder()
        .nodes("pve1", "pve2")
        .taskDuration(Duration.ofMillis(40))
        .lockTimeout(Duration.ofMillis(400))
        .tfaUser("alice@pve", "alice-secret")
        .start();
    api = PveHttp.token(pve);
  }

  @AfterAll
  static void stop() {
    pve.close();
  }

  @AfterEach
  void clearFaults() {
    pve.faults().clear();
  }

  private static synchronized int vmid() {
    return nextVmid++;
  }

  private static int createCt(String... extra) {
    int vmid = vmid();
    String[] base = {"vmid", String.valueOf(vmid), "ostemplate", TEMPLATE, "rootfs", "local-lvm:8",
        "hostname", "ct" + vmid, "net0", "name=eth0,bridge=vmbr0,ip=10.1.2.3/24,gw=10.1.2.1"};
    String[] all = new String[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    api.awaitOk(api.post("/nodes/pve1/lxc", all));
    return vmid;
  }

  @Test
  void gettersDescribeTheServer() {
    assertThat(pve.url()).isEqualTo("https://127.0.0.1:" + pve.port() + "/api2/json");
    assertThat(pve.fingerprint()).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
    assertThat(pve.tokenId()).isEqualTo("root@pam!sandbox");
    assertThat(pve.tokenSecret()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    assertThat(pve.certificatePem()).startsWith("-----BEGIN CERTIFICATE-----");
    assertThat(pve.user()).isEqualTo("root@pam");
  }

  @Test
  void builderRejectsBadArguments() {
    assertThatThrownBy(() -> Sandbox.builder().nodes("bad_name")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Sandbox.builder().port(70000)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Sandbox.builder().simulatedGuests(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> pve.faults().failNext(0, null, "x", 500, "m")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void errorsCarryTheMessageInTheReasonPhrase() throws Exception {
    String line = rawStatusLine("GET", "/api2/json/nodes/pve1/lxc/999/config");
    assertThat(line).isEqualTo("HTTP/1.1 500 Configuration file 'nodes/pve1/lxc/999.conf' does not exist");
    assertThat(rawStatusLine("GET", "/api2/json/foo")).isEqualTo("HTTP/1.1 501 Method 'GET /foo' not implemented");
  }

  private static String rawStatusLine(String method, String path) throws Exception {
    var ctx = PveHttp.trusting(pve.certificatePem());
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", pve.port())) {
      OutputStream out = s.getOutputStream();
      out.write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: PVEAPIToken="
          + pve.tokenId() + "=" + pve.tokenSecret() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1)).readLine();
    }
  }

  @Test
  void parameterErrorsHavePveShape() {
    PveHttp.Reply r = api.post("/nodes/pve1/lxc", "vmid", "50", "ostemplate", TEMPLATE, "cores", "abc", "bogus", "1");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.message()).isEqualTo("Parameter verification failed.\n");
    assertThat(r.data()).isNull();
    assertThat(r.errors())
        .containsEntry("vmid", "invalid format - value does not look like a valid VM ID\n")
        .containsEntry("cores", "type check ('integer') failed - got 'abc'")
        .containsEntry("bogus", "property is not defined in schema and the schema does not allow additional properties");
    PveHttp.Reply missing = api.post("/nodes/pve1/lxc", "vmid", "300");
    assertThat(missing.errors()).containsEntry("ostemplate", "property is missing and it is not optional");
  }

  @Test
  void unknownNodeAndMissingGuest() {
    assertThat(api.get("/nodes/nope/lxc").message()).startsWith("hostname lookup 'nope' failed");
    PveHttp.Reply r = api.get("/nodes/pve1/qemu/4242/status/current");
    assertThat(r.status()).isEqualTo(500);
    assertThat(r.message()).isEqualTo("Configuration file 'nodes/pve1/qemu-server/4242.conf' does not exist\n");
  }

  @Test
  void freshClusterState() {
    assertThat(api.get("/version").dataMap()).containsEntry("release", "9.1");
    assertThat(api.get("/nodes").dataList()).extracting(n -> n.get("node")).containsExactly("pve1", "pve2");
    assertThat(api.get("/cluster/status").dataList()).extracting(n -> n.get("type")).containsExactly("cluster", "node", "node");
    List<Map<String, Object>> content = api.get("/nodes/pve2/storage/local/content?content=vztmpl").dataList();
    assertThat(content).singleElement().satisfies(v -> {
      assertThat(v).containsEntry("volid", TEMPLATE).containsEntry("format", "tzst").containsEntry("content", "vztmpl");
    });
    assertThat(api.get("/nodes/pve1/storage").dataList()).extracting(s -> s.get("storage")).containsExactly("local", "local-lvm");
    assertThat(api.get("/nodes/pve1/network").dataList()).extracting(i -> i.get("iface")).contains("vmbr0");
    Map<String, Object> template = api.get("/nodes/pve1/qemu/9000/config").dataMap();
    assertThat(template).containsEntry("template", 1.0).containsEntry("agent", "enabled=1").containsKey("scsi0").containsKey("ide2");
    List<Map<String, Object>> vms = api.get("/cluster/resources?type=vm").dataList();
    assertThat(vms).anySatisfy(v -> assertThat(v).containsEntry("id", "qemu/9000").containsEntry("template", 1.0));
  }

  @Test
  void nextidSkipsTakenIds() {
    int vmid = createCt();
    PveHttp.Reply taken = api.get("/cluster/nextid?vmid=" + vmid);
    assertThat(taken.status()).isEqualTo(400);
    assertThat(taken.errors()).containsEntry("vmid", "VM " + vmid + " already exists");
    assertThat(api.get("/cluster/nextid?vmid=150").data()).isEqualTo("150");
  }

  @Test
  void createTakesAndReleasesTheCreateLock() {
    int vmid = vmid();
    pve.faults().slowTasks(Duration.ofMillis(500));
    PveHttp.Reply started = api.post("/nodes/pve1/lxc", "vmid", String.valueOf(vmid), "ostemplate", TEMPLATE, "rootfs", "local-lvm:4");
    String upid = (String) started.data();
    assertThat(upid).matches("UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vzcreate:" + vmid + ":root@pam!sandbox:");
    assertThat(api.get("/nodes/pve1/lxc/" + vmid + "/config").dataMap()).containsEntry("lock", "create").containsEntry("unprivileged", 1.0);
    PveHttp.Reply locked = api.post("/nodes/pve1/lxc/" + vmid + "/status/start");
    assertThat(locked.status()).isEqualTo(500);
    assertThat(locked.message()).isEqualTo("CT is locked (create)\n");
    PveHttp.Reply again = api.post("/nodes/pve2/lxc", "vmid", String.valueOf(vmid), "ostemplate", TEMPLATE);
    assertThat(again.message()).isEqualTo("CT " + vmid + " already exists on node 'pve1'\n");
    pve.faults().clear();
    assertThat(api.await(upid)).containsEntry("exitstatus", "OK");
    assertThat(api.get("/nodes/pve1/lxc/" + vmid + "/config").dataMap()).doesNotContainKey("lock");
  }

  @Test
  void configWriteWaitsForTheFlockThenTimesOut() {
    int vmid = createCt();
    pve.faults().slowTasks(Duration.ofSeconds(2));
    api.post("/nodes/pve1/lxc/" + vmid + "/status/start");
    PveHttp.Reply r = api.put("/nodes/pve1/lxc/" + vmid + "/config", "cores", "2");
    assertThat(r.status()).isEqualTo(500);
    assertThat(r.message()).isEqualTo("can't lock file '/run/lock/lxc/pve-config-" + vmid + ".lock' - got timeout\n");
  }

  @Test
  void digestMismatchIsRefused() {
    int vmid = createCt();
    String path = "/nodes/pve1/lxc/" + vmid + "/config";
    String digest = (String) api.get(path).dataMap().get("digest");
    assertThat(digest).matches("[0-9a-f]{40}");
    assertThat(api.put(path, "memory", "1024", "digest", digest).status()).isEqualTo(200);
    PveHttp.Reply stale = api.put(path, "memory", "2048", "digest", digest);
    assertThat(stale.status()).isEqualTo(500);
    assertThat(stale.message()).isEqualTo("detected modified configuration - file changed by other user? Try again.\n");
    assertThat(api.get(path).dataMap()).containsEntry("memory", 1024.0);
    assertThat(api.put(path, "delete", "memory").status()).isEqualTo(200);
    assertThat(api.get(path).dataMap()).doesNotContainKey("memory");
  }

  @Test
  void keyctlNeedsRootPamNotAToken() {
    int vmid = createCt("features", "nesting=1");
    String path = "/nodes/pve1/lxc/" + vmid + "/config";
    PveHttp.Reply byToken = api.put(path, "features", "nesting=1,keyctl=1");
    assertThat(byToken.status()).isEqualTo(403);
    assertThat(byToken.message())
        .isEqualTo("Permission check failed (changing feature flags (except nesting) is only allowed for root@pam)\n");
    PveHttp root = login("root@pam", pve.password());
    assertThat(root.put(path, "features", "nesting=1,keyctl=1").status()).isEqualTo(200);
    assertThat(api.get(path).dataMap()).containsEntry("features", "nesting=1,keyctl=1");
    assertThat(api.put(path, "features", "nesting=0,keyctl=1").status()).isEqualTo(200);
  }

  @SuppressWarnings("unchecked")
  private static PveHttp login(String user, String password) {
    PveHttp anon = new PveHttp(pve.url(), pve.certificatePem());
    PveHttp.Reply r = anon.post("/access/ticket", "username", user, "password", password);
    assertThat(r.status()).isEqualTo(200);
    Map<String, Object> d = r.dataMap();
    return new PveHttp(pve.url(), pve.certificatePem())
        .withTicket((String) d.get("ticket"), (String) d.get("CSRFPreventionToken"));
  }

  @Test
  void ticketLoginCsrfAndRenewal() {
    PveHttp anon = new PveHttp(pve.url(), pve.certificatePem());
    PveHttp.Reply r = anon.post("/access/ticket", "username", "root@pam", "password", pve.password());
    Map<String, Object> d = r.dataMap();
    String ticket = (String) d.get("ticket");
    assertThat(ticket).matches("PVE:root@pam:[0-9A-F]{8}::\\S+");
    assertThat((String) d.get("CSRFPreventionToken")).matches("[0-9A-F]{8}:\\S+");
    assertThat(d).containsKey("cap").containsEntry("username", "root@pam").containsEntry("clustername", "sandbox");

    PveHttp noCsrf = new PveHttp(pve.url(), pve.certificatePem()).withTicket(ticket, null);
    assertThat(noCsrf.get("/version").status()).isEqualTo(200);
    PveHttp.Reply write = noCsrf.post("/nodes/pve1/lxc", "vmid", "999", "ostemplate", TEMPLATE);
    assertThat(write.status()).isEqualTo(401);
    assertThat(write.message()).isEqualTo("Permission denied - invalid csrf token\n");

    PveHttp.Reply renewed = anon.post("/access/ticket", "username", "root@pam", "password", ticket);
    assertThat(renewed.status()).isEqualTo(200);
    assertThat((String) renewed.dataMap().get("ticket")).startsWith("PVE:root@pam:");
  }

  @Test
  void badCredentialsAre401() {
    PveHttp anon = new PveHttp(pve.url(), pve.certificatePem());
    PveHttp.Reply bad = anon.post("/access/ticket", "username", "root@pam", "password", "wrong");
    assertThat(bad.status()).isEqualTo(401);
    assertThat(bad.message()).isEqualTo("authentication failure\n");
    assertThat(anon.get("/version").status()).isEqualTo(401);
    PveHttp wrongToken = new PveHttp(pve.url(), pve.certificatePem()).withToken(pve.tokenId() + "=" + "00000000-0000-0000-0000-000000000000");
    assertThat(wrongToken.get("/version").status()).isEqualTo(401);
    PveHttp colon = new PveHttp(pve.url(), pve.certificatePem()).withToken(pve.tokenId() + ":" + pve.tokenSecret());
    assertThat(colon.get("/version").status()).isEqualTo(401);
    PveHttp forged = new PveHttp(pve.url(), pve.certificatePem()).withTicket("PVE:root@pam:6A000000::Zm9yZ2Vk", "x");
    assertThat(forged.get("/version").status()).isEqualTo(401);
  }

  @Test
  void tokensCannotCreateTickets() {
    PveHttp.Reply r = api.post("/access/ticket", "username", "root@pam", "password", pve.password());
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.message()).startsWith("Permission check failed (URI '/access/ticket' not available with API token");
  }

  @Test
  void tfaUserGetsAHalfTicketFirst() {
    PveHttp anon = new PveHttp(pve.url(), pve.certificatePem());
    Map<String, Object> first = anon.post("/access/ticket", "username", "alice@pve", "password", "alice-secret").dataMap();
    assertThat(first).containsEntry("NeedTFA", 1.0).doesNotContainKey("cap");
    String half = (String) first.get("ticket");
    assertThat(half).startsWith("PVE:!tfa!");
    PveHttp halfClient = new PveHttp(pve.url(), pve.certificatePem()).withTicket(half, (String) first.get("CSRFPreventionToken"));
    assertThat(halfClient.get("/version").status()).isEqualTo(401);
    PveHttp.Reply done = anon.post("/access/ticket", "username", "alice@pve", "tfa-challenge", half, "password", "totp:123456");
    assertThat(done.status()).isEqualTo(200);
    assertThat((String) done.dataMap().get("ticket")).startsWith("PVE:alice@pve:");
  }

  @Test
  void faultInjection() {
    pve.faults().failNext(2, "GET", "^/version$", 595, "Connection timed out");
    assertThat(api.get("/version").status()).isEqualTo(595);
    assertThat(api.get("/version").message()).isEqualTo("Connection timed out\n");
    assertThat(api.get("/version").status()).isEqualTo(200);

    int vmid = createCt();
    pve.faults().failTasks("vzstart", "command 'lxc-start' failed: exit code 1");
    Map<String, Object> s = api.await((String) api.post("/nodes/pve1/lxc/" + vmid + "/status/start").data());
    assertThat(s).containsEntry("exitstatus", "command 'lxc-start' failed: exit code 1");
    assertThat(api.get("/nodes/pve1/lxc/" + vmid + "/status/current").dataMap()).containsEntry("status", "stopped");
    pve.faults().clear();

    pve.faults().taskNotYetVisible(1);
    String upid = (String) api.post("/nodes/pve1/lxc/" + vmid + "/status/start").data();
    PveHttp.Reply early = api.get("/nodes/pve1/tasks/" + URLEncoder.encode(upid, StandardCharsets.UTF_8) + "/status");
    assertThat(early.status()).isEqualTo(400);
    assertThat(early.errors()).containsEntry("upid", "no such task");
    assertThat(api.await(upid)).containsEntry("exitstatus", "OK");
    assertThat(api.get("/nodes/pve1/lxc/" + vmid + "/status/current").dataMap()).containsEntry("status", "running");

    PveHttp.Reply viaEndpoint = api.post("/sandbox/faults", "action", "failNext", "path", "/cluster/resources", "status", "503", "message", "busy");
    assertThat(viaEndpoint.status()).isEqualTo(200);
    assertThat(api.get("/cluster/resources").status()).isEqualTo(503);
    assertThat(api.get("/cluster/resources").status()).isEqualTo(200);
  }

  @Test
  void lxcLifecycleSnapshotsBackupRestoreDestroy() {
    int vmid = createCt();
    String ct = "/nodes/pve1/lxc/" + vmid;
    api.awaitOk(api.post(ct + "/status/start"));
    assertThat(api.post(ct + "/status/start").message()).isEqualTo("CT " + vmid + " already running\n");
    List<Map<String, Object>> ifaces = api.get(ct + "/interfaces").dataList();
    assertThat(ifaces).extracting(i -> i.get("name")).containsExactly("lo", "eth0");
    assertThat(ifaces.get(1)).containsEntry("inet", "10.1.2.3/24");

    api.awaitOk(api.post(ct + "/snapshot", "snapname", "before", "description", "first"));
    List<Map<String, Object>> snaps = api.get(ct + "/snapshot").dataList();
    assertThat(snaps).extracting(x -> x.get("name")).containsExactly("before", "current");
    assertThat(snaps.get(1)).containsEntry("parent", "before");
    Map<String, Object> dup = api.await((String) api.post(ct + "/snapshot", "snapname", "before").data());
    assertThat(dup.get("exitstatus")).isEqualTo("snapshot name 'before' already used");

    assertThat(api.put(ct + "/config", "memory", "2048").status()).isEqualTo(200);
    api.awaitOk(api.post(ct + "/snapshot/before/rollback"));
    assertThat(api.get(ct + "/config").dataMap()).containsEntry("memory", 512.0).containsEntry("parent", "before");

    pve.faults().slowTasks(Duration.ofMillis(400));
    String dump = (String) api.post("/nodes/pve1/vzdump", "vmid", String.valueOf(vmid), "storage", "local", "mode", "snapshot", "compress", "zstd").data();
    assertThat(dump).contains(":vzdump:" + vmid + ":");
    assertThat(api.get(ct + "/config").dataMap()).containsEntry("lock", "backup");
    assertThat(api.post(ct + "/status/stop").message()).isEqualTo("CT is locked (backup)\n");
    pve.faults().clear();
    assertThat(api.await(dump)).containsEntry("exitstatus", "OK");
    List<Map<String, Object>> backups = api.get("/nodes/pve1/storage/local/content?content=backup&vmid=" + vmid).dataList();
    assertThat(backups).singleElement().satisfies(b -> {
      assertThat((String) b.get("volid")).matches("local:backup/vzdump-lxc-" + vmid + "-\\d{4}_\\d{2}_\\d{2}-\\d{2}_\\d{2}_\\d{2}\\.tar\\.zst");
      assertThat(b).containsEntry("subtype", "lxc").containsEntry("format", "tar.zst");
    });
    String backup = (String) backups.get(0).get("volid");
    PveHttp.Reply logReply = api.get("/nodes/pve1/tasks/" + URLEncoder.encode(dump, StandardCharsets.UTF_8) + "/log?limit=2");
    assertThat(logReply.body()).contains("\"total\":");
    assertThat(logReply.dataList()).hasSize(2).first().satisfies(l -> assertThat(l).containsEntry("n", 1.0));

    assertThat(api.get(ct + "/status/current").dataMap()).containsEntry("status", "stopped"); // rollback stops a CT
    api.awaitOk(api.post(ct + "/status/start"));
    PveHttp.Reply running = api.delete(ct);
    assertThat(running.message()).isEqualTo("unable to destroy CT " + vmid + " - container is running\n");
    api.awaitOk(api.post(ct + "/status/stop"));
    api.awaitOk(api.delete(ct + "?purge=1"));
    assertThat(api.get(ct + "/config").status()).isEqualTo(500);

    api.awaitOk(api.post("/nodes/pve1/lxc", "vmid", String.valueOf(vmid), "ostemplate", backup, "restore", "1"));
    Map<String, Object> restored = api.get(ct + "/config").dataMap();
    assertThat(restored).containsEntry("hostname", "ct" + vmid).doesNotContainKey("lock");
    api.awaitOk(api.post("/nodes/pve1/lxc", "vmid", String.valueOf(vmid), "ostemplate", backup, "restore", "1", "force", "1", "hostname", "again"));
    assertThat(api.get(ct + "/config").dataMap()).containsEntry("hostname", "again");

    List<Map<String, Object>> tasks = api.get("/nodes/pve1/tasks?vmid=" + vmid + "&typefilter=vzdump").dataList();
    assertThat(tasks).singleElement().satisfies(t -> assertThat(t).containsEntry("status", "OK").containsKey("endtime"));
  }

  @Test
  void qemuCloneCloudInitAndAgent() {
    int vmid = vmid();
    api.awaitOk(api.post("/nodes/pve1/qemu/9000/clone", "newid", String.valueOf(vmid), "name", "app1", "full", "1"));
    String vm = "/nodes/pve1/qemu/" + vmid;
    Map<String, Object> cfg = api.get(vm + "/config").dataMap();
    assertThat(cfg).containsEntry("name", "app1").doesNotContainKey("template");
    assertThat((String) cfg.get("scsi0")).startsWith("local-lvm:vm-" + vmid + "-disk-0");
    String keys = URLEncoder.encode("ssh-ed25519 AAAAC3Nza test@host", StandardCharsets.UTF_8).replace("+", "%20");
    api.awaitOk(api.post(vm + "/config", "ciuser", "deploy", "cipassword", "s3cret!", "sshkeys", keys,
        "ipconfig0", "ip=192.168.100.50/24,gw=192.168.100.1", "nameserver", "1.1.1.1"));
    cfg = api.get(vm + "/config").dataMap();
    assertThat(cfg).containsEntry("ciuser", "deploy").containsEntry("cipassword", "**********").containsEntry("sshkeys", keys);
    PveHttp.Reply badKeys = api.put(vm + "/config", "sshkeys", "ssh-ed25519 AAAA x");
    assertThat(badKeys.errors().get("sshkeys")).asString().startsWith("invalid format - invalid urlencoded string");

    assertThat(api.post(vm + "/agent/ping").message()).isEqualTo("VM " + vmid + " is not running\n");
    api.awaitOk(api.post(vm + "/status/start"));
    assertThat(api.post(vm + "/agent/ping").dataMap()).containsEntry("result", Map.of());
    int pid = ((Double) api.post(vm + "/agent/exec", "command", "echo", "command", "hi").dataMap().get("pid")).intValue();
    assertThat(api.get(vm + "/agent/exec-status?pid=" + pid).dataMap())
        .containsEntry("exited", 1.0).containsEntry("exitcode", 0.0).containsEntry("out-data", "hi\n");
    assertThat(api.post(vm + "/agent/file-write", "file", "/etc/app.env", "content", "A=1\n").status()).isEqualTo(200);
    assertThat(api.get(vm + "/agent/file-read?file=/etc/app.env").dataMap()).containsEntry("content", "A=1\n").containsEntry("bytes-read", 4.0);
    int cat = ((Double) api.post(vm + "/agent/exec", "command", "cat /etc/app.env").dataMap().get("pid")).intValue();
    assertThat(api.get(vm + "/agent/exec-status?pid=" + cat).dataMap()).containsEntry("exitcode", 127.0);
    int cat2 = ((Double) api.post(vm + "/agent/exec", "command", "cat", "command", "/etc/app.env").dataMap().get("pid")).intValue();
    assertThat(api.get(vm + "/agent/exec-status?pid=" + cat2).dataMap()).containsEntry("out-data", "A=1\n");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> ifaces = (List<Map<String, Object>>) api.get(vm + "/agent/network-get-interfaces").dataMap().get("result");
    assertThat(ifaces).extracting(i -> i.get("name")).containsExactly("lo", "eth0");
    assertThat(ifaces.get(1).get("ip-addresses").toString()).contains("192.168.100.50");

    assertThat(api.delete(vm).message()).isEqualTo("VM " + vmid + " is running - destroy failed\n");
    api.awaitOk(api.post(vm + "/status/stop"));
    api.awaitOk(api.delete(vm + "?purge=1&destroy-unreferenced-disks=1"));
  }

  @Test
  void agentNeedsConfiguration() {
    int vmid = vmid();
    api.awaitOk(api.post("/nodes/pve2/qemu", "vmid", String.valueOf(vmid), "name", "bare", "memory", "1024",
        "scsi0", "local-lvm:8", "net0", "virtio,bridge=vmbr0"));
    String vm = "/nodes/pve2/qemu/" + vmid;
    assertThat((String) api.get(vm + "/config").dataMap().get("net0")).matches("virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0");
    assertThat(api.post(vm + "/agent/ping").message()).isEqualTo("No QEMU guest agent configured\n");
    api.awaitOk(api.post(vm + "/config", "agent", "enabled=0"));
    api.awaitOk(api.post(vm + "/status/start"));
    assertThat(api.post(vm + "/agent/ping").message()).isEqualTo("QEMU guest agent is not running\n");
  }

  @Test
  void clusterResourcesCountsRequests() {
    long before = pve.requestCount();
    List<Map<String, Object>> all = api.get("/cluster/resources").dataList();
    assertThat(all).extracting(r -> r.get("type")).contains("node", "storage", "qemu", "sdn");
    assertThat(api.get("/cluster/resources?type=node").dataList()).hasSize(2);
    assertThat(pve.requestCount()).isGreaterThanOrEqualTo(before + 2);
  }

  @Test
  void stoppingATaskFailsIt() {
    int vmid = createCt();
    pve.faults().slowTasks(Duration.ofSeconds(5));
    String upid = (String) api.post("/nodes/pve1/lxc/" + vmid + "/status/start").data();
    assertThat(api.get("/nodes/pve1/tasks/" + URLEncoder.encode(upid, StandardCharsets.UTF_8) + "/status").dataMap())
        .containsEntry("status", "running").doesNotContainKey("exitstatus");
    assertThat(api.delete("/nodes/pve1/tasks/" + URLEncoder.encode(upid, StandardCharsets.UTF_8)).status()).isEqualTo(200);
    assertThat(api.await(upid)).containsEntry("exitstatus", "interrupted by signal");
  }

  @Test
  void aVmDiskGrowsAsATaskAndNeverShrinks() {
    int vmid = vmid();
    api.awaitOk(api.post("/nodes/pve1/qemu/9000/clone", "newid", String.valueOf(vmid), "full", "1"));
    api.awaitOk(api.put("/nodes/pve1/qemu/" + vmid + "/resize", "disk", "scsi0", "size", "16G"));
    assertThat(api.get("/nodes/pve1/qemu/" + vmid + "/config").body()).contains("size=16G");
    api.awaitOk(api.put("/nodes/pve1/qemu/" + vmid + "/resize", "disk", "scsi0", "size", "+2G"));
    assertThat(api.get("/nodes/pve1/qemu/" + vmid + "/config").body()).contains("size=18G");
    PveHttp.Reply shrink = api.put("/nodes/pve1/qemu/" + vmid + "/resize", "disk", "scsi0", "size", "8G");
    assertThat(shrink.status()).isEqualTo(500);
    assertThat(shrink.message()).contains("shrinking disks is not supported");
    assertThat(api.put("/nodes/pve1/qemu/" + vmid + "/resize", "disk", "scsi1", "size", "8G").message())
        .contains("disk 'scsi1' does not exist");
  }

  @Test
  void aContainerVolumeGrowsAsATaskAndNeverShrinks() {
    int vmid = createCt("mp0", "local-lvm:2,mp=/data");
    String ct = "/nodes/pve1/lxc/" + vmid;
    api.awaitOk(api.put(ct + "/resize", "disk", "mp0", "size", "+1G"));
    assertThat(api.get(ct + "/config").dataMap())
        .containsEntry("mp0", "local-lvm:vm-" + vmid + "-disk-1,mp=/data,size=3G")
        .containsEntry("rootfs", "local-lvm:vm-" + vmid + "-disk-0,size=8G");
    api.awaitOk(api.put(ct + "/resize", "disk", "rootfs", "size", "10G"));
    assertThat(api.get(ct + "/config").dataMap()).containsEntry("rootfs", "local-lvm:vm-" + vmid + "-disk-0,size=10G");
    PveHttp.Reply shrink = api.put(ct + "/resize", "disk", "mp0", "size", "1G");
    assertThat(shrink.status()).isEqualTo(500);
    assertThat(shrink.message()).isEqualTo("unable to shrink disk size\n");
    assertThat(api.put(ct + "/resize", "disk", "mp1", "size", "8G").message()).isEqualTo("disk 'mp1' does not exist\n");
    assertThat(api.put(ct + "/resize", "disk", "mp0", "size", "3X").status()).isEqualTo(400);
  }
}
