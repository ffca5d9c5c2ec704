package io.pvedeploy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.pvedeploy.sandbox.internal.LxcAccess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Raw lxc.* lines added to /etc/pve/lxc/VMID.conf over the node shell reach a real container as
 * PVE passes them on: last in its generated LXC config, after the sandbox's own lines, so they
 * win. This host's kernel has no AppArmor, so {@code lxc.apparmor.profile} is checked in the
 * config; {@code lxc.environment} is checked inside the running container. Needs root and the
 * packages LxcGuestsIT needs; run under {@code flock /tmp/pvd-lxc-sandbox.lock}.
 */
@Tag("integration")
class EtcPveLxcIT {
  private static final String TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";
  private static Sandbox sandbox;
  private static PveHttp api;
  private static Path state;

  @BeforeAll
  static void start() throws IOException {
    state = Files.createTempDirectory("etc-pve-lxc-it-");
    Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
    sandbox = Sandbox.builder().guests(Sandbox.Guests.LXC).nodeSsh(true).stateDir(state)
        .taskDuration(Duration.ofMillis(20)).start();
    api = PveHttp.token(sandbox);
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
    LxcGuestsIT.host("rm", "-rf", "--one-file-system", state.toString());
  }

  @Test
  void rawLinesComeLastInTheStartedContainersConfigAndTakeEffect() throws Exception {
    api.awaitOk(api.post("/nodes/pve1/lxc", "vmid", "180", "ostemplate", TEMPLATE, "hostname", "raw180",
        "rootfs", "local-lvm:4"), Duration.ofMinutes(5));
    String file = "/etc/pve/lxc/180.conf";
    EtcPveIT.Run edit = EtcPveIT.ssh(sandbox.ssh().orElseThrow(), "f=" + file + " && cp $f $f.tmp.$$"
        + " && printf '%s\\n' 'lxc.apparmor.profile: unconfined' 'lxc.environment = PVEDEPLOY_RAW=from-etc-pve'"
        + " >> $f.tmp.$$ && mv $f.tmp.$$ $f");
    assertThat(edit.exit()).as(edit.err()).isZero();

    api.awaitOk(api.post("/nodes/pve1/lxc/180/status/start"), Duration.ofMinutes(2));
    List<String> lines = Files.readAllLines(state.resolve("lxc-runtime/lxc/180/config"));
    assertThat(lines).as("the sandbox's own lines come first").contains("lxc.uts.name = raw180", "lxc.log.level = WARN");
    assertThat(lines.subList(lines.size() - 2, lines.size()))
        .containsExactly("lxc.apparmor.profile = unconfined", "lxc.environment = PVEDEPLOY_RAW=from-etc-pve");

    LxcAccess.Exec environ = LxcAccess.of(sandbox).exec(180, Duration.ofSeconds(30), "cat", "/proc/1/environ");
    assertThat(environ.exit()).as(environ.err()).isZero();
    assertThat(environ.out().split("\0")).contains("PVEDEPLOY_RAW=from-etc-pve");

    api.awaitOk(api.post("/nodes/pve1/lxc/180/status/stop"), Duration.ofMinutes(1));
    api.awaitOk(api.delete("/nodes/pve1/lxc/180"), Duration.ofMinutes(1));
  }
}
