package io.pvedeploy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.pvedeploy.sandbox.internal.LxcAccess;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A sandbox restarted on its state directory with real guests boots like a PVE node: the
 * container with {@code onboot: 1} runs again (really: commands run in it, its files are there),
 * the other one, running before too, is stopped. Needs root and the packages scripts/test.sh
 * installs; only one LXC sandbox may run on the machine at a time.
 */
@Tag("integration")
class OnBootIT {
  private static final String TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";

  @Test
  void onlyTheOnbootContainerRunsAfterARestart() throws IOException {
    Path state = Files.createTempDirectory("onboot-it-");
    // The containers' root (uid 100000 on the host) must be able to reach its rootfs.
    Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path lxcPath = state.resolve("lxc-runtime/lxc");
    Sandbox sandbox = null;
    try {
      sandbox = start(state);
      PveHttp api = PveHttp.token(sandbox);
      ok(api, api.post("/nodes/pve1/lxc", "vmid", "171", "ostemplate", TEMPLATE, "hostname", "boot171",
          "rootfs", "local-lvm:4", "net0", "name=eth0,bridge=vmbr0,ip=10.99.0.71/24,gw=10.99.0.1", "onboot", "1"));
      ok(api, api.post("/nodes/pve1/lxc", "vmid", "172", "ostemplate", TEMPLATE, "hostname", "boot172",
          "rootfs", "local-lvm:4"));
      ok(api, api.post("/nodes/pve1/lxc/171/status/start"));
      ok(api, api.post("/nodes/pve1/lxc/172/status/start"));
      LxcAccess.Exec wrote = LxcAccess.of(sandbox).exec(171, Duration.ofSeconds(30), "sh", "-c",
          "echo 'written before the reboot' > /root/marker && sync");
      assertThat(wrote.exit()).as(wrote.err()).isZero();
      assertThat(ctState(lxcPath, 172)).isEqualTo("RUNNING");

      sandbox.close(); // the node shuts down: every container stops
      sandbox = null;
      assertThat(ctState(lxcPath, 171)).isEqualTo("STOPPED");
      assertThat(ctState(lxcPath, 172)).isEqualTo("STOPPED");

      sandbox = start(state); // ... and boots again
      api = PveHttp.token(sandbox);
      assertThat(ctState(lxcPath, 171)).isEqualTo("RUNNING");
      assertThat(api.get("/nodes/pve1/lxc/171/status/current").dataMap()).containsEntry("status", "running");
      LxcAccess.Exec read = LxcAccess.of(sandbox).exec(171, Duration.ofSeconds(30), "cat", "/root/marker");
      assertThat(read.exit()).as(read.err()).isZero();
      assertThat(read.out()).isEqualTo("written before the reboot\n");
      LxcAccess.Exec addr = LxcAccess.of(sandbox).exec(171, Duration.ofSeconds(30), "ip", "-4", "-o", "addr", "show", "eth0");
      assertThat(addr.out()).contains("10.99.0.71/24");

      assertThat(ctState(lxcPath, 172)).isEqualTo("STOPPED");
      assertThat(api.get("/nodes/pve1/lxc/172/status/current").dataMap()).containsEntry("status", "stopped");
      assertThat(api.get("/cluster/resources?type=vm").dataList())
          .filteredOn(r -> "running".equals(r.get("status")))
          .extracting(r -> ((Number) r.get("vmid")).intValue())
          .containsExactly(171);
      List<Map<String, Object>> startall = api.get("/nodes/pve1/tasks?typefilter=startall").dataList();
      assertThat(startall).singleElement().satisfies(t -> assertThat(t).containsEntry("status", "OK"));

      ok(api, api.post("/nodes/pve1/lxc/171/status/stop"));
      ok(api, api.delete("/nodes/pve1/lxc/171"));
      ok(api, api.delete("/nodes/pve1/lxc/172"));
      assertThat(lxcPath.resolve("171")).doesNotExist();
      assertThat(lxcPath.resolve("172")).doesNotExist();
    } finally {
      if (sandbox != null) {
        sandbox.close();
      }
      LxcGuestsIT.host("rm", "-rf", "--one-file-system", state.toString());
    }
  }

  private static Sandbox start(Path state) {
    Instant t0 = Instant.now();
    Sandbox s = Sandbox.builder().guests(Sandbox.Guests.LXC).stateDir(state).taskDuration(Duration.ofMillis(20)).start();
    System.err.println("LXC sandbox ready after " + Duration.between(t0, Instant.now()).toMillis() + " ms");
    return s;
  }

  private static String ctState(Path lxcPath, int vmid) {
    return LxcGuestsIT.host("lxc-info", "-n", String.valueOf(vmid), "-P", lxcPath.toString(), "-s", "-H").trim();
  }

  /** Waits for a task (real containers take seconds) and asserts it ended OK. */
  private static void ok(PveHttp api, PveHttp.Reply started) {
    assertThat(started.status()).as(started.body()).isEqualTo(200);
    String upid = URLEncoder.encode((String) started.data(), StandardCharsets.UTF_8);
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    while (Instant.now().isBefore(deadline)) {
      PveHttp.Reply r = api.get("/nodes/pve1/tasks/" + upid + "/status");
      if (r.status() == 200 && "stopped".equals(r.dataMap().get("status"))) {
        assertThat(r.dataMap().get("exitstatus"))
            .as(() -> api.get("/nodes/pve1/tasks/" + upid + "/log?limit=200").body()).isEqualTo("OK");
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("task did not finish: " + started.data());
  }
}
