package io.pvedeploy.docker;

import static io.pvedeploy.docker.FakeShell.fail;
import static io.pvedeploy.docker.FakeShell.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Detection, preflight and setup against a scripted guest. */
class DockerEngineTest {

  /** A Debian guest: no systemd, an init script, Docker and Compose installed unless told. */
  static final class Guest {
    boolean docker = true;
    boolean daemon = true;
    boolean composeV1 = true;
    boolean composeV2 = false;
    boolean pve = false;
    boolean overlay = true;
    boolean lxcUnprivileged = false;
    String runc = "1.1.5+ds1";
    final AtomicBoolean installed = new AtomicBoolean();

    ExecResult answer(List<String> a) {
      String cmd = String.join(" ", a);
      if (cmd.startsWith("docker version")) {
        return docker ? ok("20.10.24+dfsg1\n") : fail(127, "docker: command not found");
      }
      if (cmd.startsWith("docker info")) {
        return docker && daemon ? ok("{\"ServerVersion\":\"20.10.24\",\"Driver\":\"overlay2\","
            + "\"LoggingDriver\":\"json-file\",\"CgroupDriver\":\"cgroupfs\",\"CgroupVersion\":\"1\"}")
            : fail(1, "Cannot connect to the Docker daemon");
      }
      if (cmd.equals("docker compose version --short")) {
        return composeV2 ? ok("v2.24.5\n") : fail(1, "docker: unknown command: docker compose");
      }
      if (cmd.equals("docker-compose version --short")) {
        return composeV1 ? ok("1.29.2\n") : fail(127, "docker-compose: command not found");
      }
      if (cmd.startsWith("stat -fc %T /sys/fs/cgroup")) {
        return ok("tmpfs\n");
      }
      if (cmd.equals("runc --version")) {
        return docker ? ok("runc version " + runc + "\ncommit: x\n") : fail(127, "not found");
      }
      if (cmd.startsWith("dpkg-query -W -f ${Status}|${Version} pve-manager")) {
        return pve ? ok("install ok installed|8.2.4") : fail(1, "no packages found");
      }
      if (cmd.startsWith("dpkg-query")) {
        return fail(1, "no packages found");
      }
      if (cmd.equals("containerd --version")) {
        return ok("containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3\n");
      }
      if (cmd.equals("systemd-detect-virt --container")) {
        return fail(127, "not found");
      }
      if (cmd.equals("cat /proc/1/environ")) {
        return ok(lxcUnprivileged ? "container=lxc\0PATH=/bin\0" : "PATH=/bin\0");
      }
      if (cmd.equals("cat /proc/self/uid_map")) {
        return ok(lxcUnprivileged ? "         0     100000      65536\n" : "         0          0 4294967295\n");
      }
      if (cmd.equals("test -d /run/systemd/system")) {
        return fail(1, "");
      }
      if (cmd.equals("test -x /etc/init.d/docker")) {
        return docker ? ok("") : fail(1, "");
      }
      if (cmd.equals("grep -qw overlay /proc/filesystems")) {
        return overlay ? ok("") : fail(1, "");
      }
      if (cmd.equals("test -e /proc/sys/net/bridge/bridge-nf-call-iptables")) {
        return ok("");
      }
      if (cmd.equals("sh -c command -v apt-get")) {
        return ok("/usr/bin/apt-get\n");
      }
      if (cmd.contains("apt-get install")) {
        docker = true;
        composeV1 = true;
        daemon = false;
        installed.set(true);
        return ok("");
      }
      if (cmd.contains("apt-get update")) {
        return ok("");
      }
      if (cmd.equals("/etc/init.d/docker restart") || cmd.equals("/etc/init.d/docker start")) {
        daemon = true;
        return ok("");
      }
      return fail(1, "");
    }
  }

  @Test
  void detectsComposeV1WhenThePluginIsMissingAndPrefersThePlugin() throws Exception {
    Guest g = new Guest();
    EngineInfo info = DockerEngine.on(new FakeShell(g::answer)).info();
    assertThat(info.compose()).contains(new ComposeTool(ComposeTool.Flavor.STANDALONE, "1.29.2", List.of("docker-compose")));
    assertThat(info.compose().get().isV1()).isTrue();
    assertThat(info.storageDriver()).contains("overlay2");
    assertThat(info.cgroupVersion()).isEqualTo(1);
    assertThat(info.runcVersion()).contains("1.1.5+ds1");
    assertThat(info.containerdVersion()).contains("1.6.20~ds1");
    assertThat(info.initSystem()).isEqualTo(EngineInfo.InitSystem.SYSV);
    assertThat(info.container()).isEqualTo(EngineInfo.ContainerKind.NONE);

    g.composeV2 = true;
    assertThat(DockerEngine.on(new FakeShell(g::answer)).info().compose())
        .contains(new ComposeTool(ComposeTool.Flavor.PLUGIN, "2.24.5", List.of("docker", "compose")));
  }

  @Test
  void refusesAProxmoxHostBeforeInstallingAnything() {
    Guest g = new Guest();
    g.pve = true;
    g.docker = false;
    FakeShell shell = new FakeShell(g::answer);
    assertThatThrownBy(() -> DockerEngine.on(shell).setup(DaemonConfig.defaults()))
        .isInstanceOf(ProxmoxHostException.class)
        .hasMessageContaining("Proxmox VE host")
        .hasMessageContaining("LXC container");
    assertThat(shell.calls).noneMatch(c -> c.contains("apt-get"));
    assertThat(shell.files).isEmpty();
  }

  @Test
  void installsFromDistributionPackagesWritesDaemonJsonAndStartsTheDaemon() throws Exception {
    Guest g = new Guest();
    g.docker = false;
    g.composeV1 = false;
    g.daemon = false;
    FakeShell shell = new FakeShell(g::answer);
    SetupResult r = DockerEngine.on(shell).setup(DaemonConfig.defaults());
    assertThat(r.installedPackages()).containsExactly("docker.io", "docker-compose");
    assertThat(shell.called("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q",
        "--no-install-recommends", "docker.io", "docker-compose")).isTrue();
    assertThat(new String(shell.files.get("/etc/docker/daemon.json"), StandardCharsets.UTF_8))
        .isEqualTo(DaemonConfig.defaults().toJson());
    assertThat(r.daemonConfigChanged()).isTrue();
    assertThat(r.daemonRestarted()).isTrue();
    assertThat(r.info().daemonRunning()).isTrue();
  }

  @Test
  void restartsTheDaemonOnlyWhenDaemonJsonChanged() throws Exception {
    Guest g = new Guest();
    FakeShell shell = new FakeShell(g::answer);
    DockerEngine engine = DockerEngine.on(shell);
    DaemonConfig config = DaemonConfig.builder().iptables(false).build();
    assertThat(engine.setup(config).daemonRestarted()).isTrue();
    assertThat(shell.called("/etc/init.d/docker", "restart")).isTrue();
    shell.calls.clear();
    SetupResult again = engine.setup(config);
    assertThat(again.unchanged()).isTrue();
    assertThat(shell.called("/etc/init.d/docker")).isFalse();
    assertThat(shell.called("sh", "-c")).as("daemon.json not rewritten").isFalse();
  }

  @Test
  void missingOverlayStopsSetupWithWhatToDo() {
    Guest g = new Guest();
    g.overlay = false;
    assertThatThrownBy(() -> DockerEngine.on(new FakeShell(g::answer)).setup(DaemonConfig.defaults()))
        .isInstanceOf(PreflightException.class)
        .isNotInstanceOf(ProxmoxHostException.class)
        .hasMessageContaining("overlay")
        .hasMessageContaining("modprobe overlay");
  }

  @Test
  void warnsAboutRuncThatBreaksInUnprivilegedLxc() throws Exception {
    Guest g = new Guest();
    g.lxcUnprivileged = true;
    g.runc = "1.3.3-0ubuntu1~22.04.2";
    PreflightReport report = DockerEngine.on(new FakeShell(g::answer)).preflight();
    assertThat(report.info().unprivilegedLxc()).isTrue();
    assertThat(report.warnings()).extracting(PreflightReport.Finding::code).contains(PreflightReport.LXC_RUNC_APPARMOR);
    assertThat(report.warnings().get(0).message()).contains("ip_unprivileged_port_start");
    assertThat(report.warnings().get(0).remedy()).contains("Proxmox host");
    assertThat(report.hasErrors()).isFalse();
  }

  @Test
  void runcVersionsWithTheFdReopeningChange() {
    assertThat(DockerEngine.runcBreaksInLxc("1.1.5+ds1")).isFalse();
    assertThat(DockerEngine.runcBreaksInLxc("1.2.7")).isFalse();
    assertThat(DockerEngine.runcBreaksInLxc("1.2.8")).isTrue();
    assertThat(DockerEngine.runcBreaksInLxc("1.3.2")).isFalse();
    assertThat(DockerEngine.runcBreaksInLxc("1.3.3")).isTrue();
    assertThat(DockerEngine.runcBreaksInLxc("1.3.4")).isTrue();
    assertThat(DockerEngine.runcBreaksInLxc("v1.4.0-rc.3")).isTrue();
    assertThat(DockerEngine.runcBreaksInLxc("garbage")).isFalse();
  }

  @Test
  void containerd1728dash2InUnprivilegedLxcIsFlagged() {
    EngineInfo info = new EngineInfo(Optional.of("28.5.1"), Optional.of("28.5.1"), Optional.empty(),
        Optional.of("overlay2"), Optional.empty(), 2, Optional.empty(), EngineInfo.ContainerKind.LXC, true,
        Optional.empty(), Optional.of("1.7.28-2~debian.13~trixie"), false, EngineInfo.InitSystem.SYSTEMD);
    assertThat(DockerEngine.evaluate(info, true, true)).extracting(PreflightReport.Finding::code)
        .containsExactly(PreflightReport.LXC_RUNC_APPARMOR);
    EngineInfo privileged = new EngineInfo(info.clientVersion(), info.serverVersion(), info.compose(),
        info.storageDriver(), info.loggingDriver(), 2, Optional.empty(), EngineInfo.ContainerKind.LXC, false,
        Optional.empty(), info.containerdVersion(), false, EngineInfo.InitSystem.SYSTEMD);
    assertThat(DockerEngine.evaluate(privileged, true, true)).isEmpty();
  }

  @Test
  void composeMissingSaysHowToInstall() {
    Guest g = new Guest();
    g.composeV1 = false;
    assertThatThrownBy(() -> DockerEngine.on(new FakeShell(g::answer)).requireCompose())
        .isInstanceOfSatisfying(DockerMissingException.class,
            e -> assertThat(e.missing()).isEqualTo(DockerMissingException.Missing.COMPOSE))
        .hasMessageContaining("apt-get install -y docker-compose");
  }

  @Test
  void imageReferencesFollowDockersGrammar() {
    for (String good : List.of("busybox", "debian:bookworm", "registry.local:5000/shop/web:1.2",
        "ghcr.io/a/b@sha256:" + "a".repeat(64), "pvedeploy-test/busybox:abc123", "sha256:" + "0".repeat(64))) {
      assertThat(DockerEngine.checkImageReference(good)).isEqualTo(good);
    }
    for (String bad : List.of("a b", "a;b", "$(id)", "Upper/case", "img:tag\n", "", "-x", "img:", "a//b")) {
      assertThatThrownBy(() -> DockerEngine.checkImageReference(bad)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
