package io.pvedeploy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.squareup.moshi.Moshi;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The shaded jar as a process, as a third-party client would use it: read the one JSON line,
 * pin its certificate, drive create → config → start → snapshot → vzdump → stop → destroy.
 */
@Tag("integration")
class SandboxMainIT {
  private Process process;

  @AfterEach
  void kill() throws InterruptedException {
    if (process != null) {
      process.destroy();
      assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("SIGTERM stops the sandbox").isTrue();
    }
  }

  private Map<String, Object> launch(String... args) throws Exception {
    return launch(List.of(), args);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> launch(List<String> jvmOptions, String... args) throws Exception {
    Path jar = Path.of("target", "proxmox-sandbox.jar");
    assertThat(jar).exists();
    List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(List.of(args));
    process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertThat(line).isNotNull().startsWith("{\"url\":\"https://127.0.0.1:");
    return (Map<String, Object>) new Moshi.Builder().build().adapter(Object.class).fromJson(line);
  }

  @Test
  void badFlagsExitWithUsage() throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", "target/proxmox-sandbox.jar", "--bogus", "1").start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).contains("usage:");
    assertThat(p.getInputStream().readAllBytes()).isEmpty();
  }

  @Test
  void drivesAContainerThroughItsLifeOverHttps() throws Exception {
    Path state = Files.createTempDirectory("sandbox-it");
    Map<String, Object> ready = launch("--port", "0", "--nodes", "pve1,pve2,pve3", "--task-duration", "50",
        "--state-dir", state.toString());
    assertThat(ready).containsKeys("url", "fingerprint", "tokenId", "tokenSecret", "user", "password");
    assertThat((String) ready.get("fingerprint")).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
    String url = (String) ready.get("url");
    String pin = (String) ready.get("fingerprint");
    PveHttp api = PveHttp.pinned(url, pin).withToken(ready.get("tokenId") + "=" + ready.get("tokenSecret"));

    assertThat(api.get("/nodes").dataList()).hasSize(3);
    PveHttp wrongPin = PveHttp.pinned(url, pin.replace(pin.substring(0, 2), pin.startsWith("00") ? "11" : "00"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> wrongPin.get("/version"))
        .hasRootCauseInstanceOf(java.security.cert.CertificateException.class);
    api.awaitOk(api.post("/nodes/pve3/lxc", "vmid", "101", "ostemplate",
        "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst", "rootfs", "local-lvm:8",
        "net0", "name=eth0,bridge=vmbr0,ip=dhcp", "features", "nesting=1"));
    String ct = "/nodes/pve3/lxc/101";
    String digest = (String) api.get(ct + "/config").dataMap().get("digest");
    assertThat(api.put(ct + "/config", "memory", "1024", "cores", "2", "digest", digest).status()).isEqualTo(200);
    api.awaitOk(api.post(ct + "/status/start"));
    api.awaitOk(api.post(ct + "/snapshot", "snapname", "pre_release"));
    String dump = (String) api.post("/nodes/pve3/vzdump", "vmid", "101", "mode", "snapshot", "compress", "zstd").data();
    api.awaitOk(new PveHttp.Reply(200, "", Map.of("data", dump)));
    assertThat(api.get("/nodes/pve3/storage/local/content?content=backup").dataList()).hasSize(1);
    api.awaitOk(api.post(ct + "/status/stop"));
    api.awaitOk(api.delete(ct + "?purge=1"));
    assertThat(api.get(ct + "/status/current").status()).isEqualTo(500);

    List<Map<String, Object>> log = api.get("/nodes/pve3/tasks/" + URLEncoder.encode(dump, StandardCharsets.UTF_8) + "/log").dataList();
    assertThat(log).extracting(l -> l.get("t")).contains("TASK OK");

    PveHttp.Reply badVmid = api.post("/nodes/pve3/lxc", "vmid", "99", "ostemplate", "local:vztmpl/x.tar.zst");
    assertThat(badVmid.status()).isEqualTo(400);
    assertThat(badVmid.errors()).containsKey("vmid");
    PveHttp wrong = PveHttp.pinned(url, pin).withToken(ready.get("tokenId") + "=nope");
    assertThat(wrong.get("/version").status()).isEqualTo(401);
    PveHttp.Reply keyctl = api.post("/nodes/pve3/lxc", "vmid", "102", "ostemplate",
        "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst", "rootfs", "local-lvm:8", "features", "keyctl=1");
    assertThat(keyctl.status()).isEqualTo(403);
  }

  /**
   * A sandbox killed with SIGKILL (or with the machine session it ran in) cannot remove its bridge;
   * the next sandbox on that network, from another state directory, removes it instead of refusing
   * the network for good.
   */
  @Test
  void theNextSandboxReclaimsTheNetworkOfAKilledOne() throws Exception {
    List<String> subnet = List.of("-Dpvedeploy.sandbox.subnet=10.99.6.0/24");
    Path first = Files.createTempDirectory("sandbox-it-killed");
    Path second = Files.createTempDirectory("sandbox-it-next");
    for (Path dir : List.of(first, second)) {
      Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    launch(subnet, "--port", "0", "--nodes", "pve1", "--guests", "lxc", "--state-dir", first.toString());
    long killedPid = process.pid();
    process.destroyForcibly();
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(bridgesHolding("10.99.6.1/24")).as("the killed sandbox's bridge stays behind").hasSize(1);
    String killedAlias = alias(bridgesHolding("10.99.6.1/24").get(0));
    assertThat(killedAlias).contains("pid=" + killedPid + " ");
    String killedRules = killedAlias.replaceAll(".* nat=(\\S+) .*", "$1");
    assertThat(run("iptables", "-w", "-S")).contains(killedRules);

    launch(subnet, "--port", "0", "--nodes", "pve1", "--guests", "lxc", "--state-dir", second.toString());
    List<String> now = bridgesHolding("10.99.6.1/24");
    assertThat(now).hasSize(1);
    assertThat(alias(now.get(0))).contains("pid=" + process.pid() + " ").contains(second.toString());
    assertThat(first.resolve("lxc-runtime/owner.properties")).as("the dead owner's marker is cleared").doesNotExist();
    assertThat(run("iptables", "-w", "-S") + run("iptables", "-w", "-t", "nat", "-S"))
        .as("the killed sandbox's NAT and FORWARD rules are gone").doesNotContain(killedRules)
        .containsOnlyOnce("-A FORWARD -i " + now.get(0) + " ");

    process.destroy();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    process = null;
    assertThat(bridgesHolding("10.99.6.1/24")).isEmpty();
    run("rm", "-rf", "--one-file-system", first.toString(), second.toString());
  }

  private static List<String> bridgesHolding(String address) throws Exception {
    return run("ip", "-o", "-4", "addr", "show").lines()
        .map(l -> l.trim().split("\\s+"))
        .filter(f -> f.length > 3 && f[1].startsWith("pvdsbx") && f[3].equals(address))
        .map(f -> f[1]).toList();
  }

  private static String alias(String device) throws Exception {
    return Files.readString(Path.of("/sys/class/net", device, "ifalias")).strip();
  }

  private static String run(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out;
  }
}
