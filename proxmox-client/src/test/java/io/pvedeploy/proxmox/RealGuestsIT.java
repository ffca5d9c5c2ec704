package io.pvedeploy.proxmox;

import static org.assertj.core.api.Assertions.assertThat;

import io.pvedeploy.sandbox.Sandbox;
import io.pvedeploy.sandbox.SshEndpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 4's promise, end to end through our own API: the client creates an unprivileged container
 * on the sandbox's real LXC backend, and {@link NodeShell}, over the sandbox node's real sshd,
 * proves from inside that root is uid 100000 on the host, pushes a 0600 file, runs Docker with a
 * nested container, and destroy leaves nothing behind. A VM answers through a real qemu-ga.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealGuestsIT {
  static final String TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";
  static final Duration WAIT = Duration.ofMinutes(3);
  static final int CT = 141;
  static final int VM = 142;

  static Path stateDir;
  static Sandbox sandbox;
  static ProxmoxClient pve;
  static NodeShell node;

  @BeforeAll
  static void start() throws IOException {
    stateDir = Files.createTempDirectory("real-guests-");
    // The containers' root (uid 100000 on the host) must be able to reach its rootfs.
    Files.setPosixFilePermissions(stateDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    sandbox = Sandbox.builder().guests(Sandbox.Guests.LXC).nodeSsh(true).stateDir(stateDir)
        .taskDuration(Duration.ofMillis(20)).start();
    pve = ProxmoxClient.builder().baseUrl(sandbox.url())
        .apiToken(sandbox.tokenId(), sandbox.tokenSecret())
        .tls(TlsPolicy.pinnedFingerprint(sandbox.fingerprint()))
        .readTimeout(Duration.ofMinutes(2)).build();
    SshEndpoint ssh = sandbox.ssh().orElseThrow();
    node = NodeShell.builder().host(ssh.host()).port(ssh.port()).user(ssh.user())
        .identityFile(ssh.identityFile()).knownHostsFile(ssh.knownHostsFile())
        .commandTimeout(Duration.ofMinutes(5)).build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (pve != null) {
      pve.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
    new ProcessBuilder("rm", "-rf", "--one-file-system", stateDir.toString()).start().waitFor();
  }

  @Test
  @Order(1)
  void anUnprivilegedContainerIsRootOnlyInsideItself() throws Exception {
    Node pve1 = pve.nodes().node("pve1");
    LxcSpec spec = LxcSpec.builder(CT, TEMPLATE).hostname("real").memory(1024).cores(1)
        .rootfs(MountPoint.newRootfs("local-lvm", 4))
        .network(0, LxcNetwork.builder("eth0").bridge("vmbr0").staticIp("10.99.0.41/24", "10.99.0.1").build())
        .features(LxcFeatures.none().withNesting(true))
        .build();
    assertThat(spec.unprivileged()).as("the client's default").isTrue();
    pve1.lxc().create(spec).awaitSuccess(WAIT);

    // keyctl is root@pam-only: the token is refused, the node's CLI (as root) may set it.
    node.pctSet(CT, LxcFeatures.docker());
    assertThat(pve1.lxc(CT).config().features()).isEqualTo(LxcFeatures.docker());
    assertThat(pve1.lxc(CT).config().unprivileged()).isTrue();

    pve1.lxc(CT).status().start().awaitSuccess(WAIT);
    assertThat(pve1.lxc(CT).interfaces()).anySatisfy(i -> assertThat(i.ipv4()).contains("10.99.0.41/24"));

    RemoteCommandResult uidMap = node.pctExec(CT, List.of("cat", "/proc/self/uid_map"), Duration.ofSeconds(30));
    assertThat(uidMap.exitCode()).isZero();
    assertThat(uidMap.stdoutText().trim()).matches("0\\s+100000\\s+65536");
  }

  @Test
  @Order(2)
  void aPushedFileKeepsItsModeAndBytes() throws Exception {
    byte[] content = new byte[256 * 1024];
    new Random(4).nextBytes(content);
    node.pctPush(CT, content, "/root/secret.bin", PctFileOptions.defaults().perms("0600"));
    RemoteCommandResult stat = node.pctExec(CT, List.of("stat", "-c", "%a %u", "/root/secret.bin"), Duration.ofSeconds(30));
    assertThat(stat.stdoutText().trim()).isEqualTo("600 0");
    assertThat(node.pctPull(CT, "/root/secret.bin")).isEqualTo(content);
  }

  @Test
  @Order(3)
  void dockerRunsANestedContainerInside() throws Exception {
    // docker.io's init script asks for more open files than this host allows, so the install
    // must not start the service (policy-rc.d) and dockerd starts by hand.
    String script = String.join("\n",
        "set -e",
        "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d",
        "export DEBIAN_FRONTEND=noninteractive",
        "apt-get update -q >/tmp/install.log 2>&1",
        "apt-get install -y -q --no-install-recommends docker.io busybox-static >>/tmp/install.log 2>&1"
            + " || { tail -40 /tmp/install.log; exit 1; }",
        "setsid dockerd >/var/log/dockerd.log 2>&1 </dev/null &",
        "for i in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done",
        "mkdir -p /tmp/bb/bin && cp /bin/busybox /tmp/bb/bin/ && /tmp/bb/bin/busybox --install -s /tmp/bb/bin",
        "tar -C /tmp/bb -c . | docker import - local/busybox >/dev/null",
        "docker run --rm local/busybox /bin/busybox sh -c 'echo nested; cat /proc/self/uid_map'",
        "docker info --format 'driver={{.Driver}}'");
    RemoteCommandResult run = node.pctExec(CT, List.of("sh", "-c", script), Duration.ofMinutes(5));
    assertThat(run.exitCode()).as(run.stderrText() + run.stdoutText()).isZero();
    assertThat(run.stdoutText()).contains("nested");
    assertThat(run.stdoutText().lines().filter(l -> l.trim().matches("0\\s+100000\\s+65536")))
        .as("the nested container shares the guest's user namespace: its root is uid 100000 on the host")
        .hasSize(1);
    assertThat(run.stdoutText()).contains("driver=overlay2");
  }

  @Test
  @Order(4)
  void destroyLeavesNoContainerRootfsOrBridgePort() throws Exception {
    Lxc ct = pve.nodes().node("pve1").lxc(CT);
    ct.status().stop().awaitSuccess(WAIT);
    ct.delete(GuestDeletion.purgeAll()).awaitSuccess(WAIT);
    assertThat(pve.cluster().resources(ClusterResource.Type.VM)).noneMatch(r -> r.vmid() == CT);
    assertThat(node.run(List.of("pct", "list"), Duration.ofSeconds(30)).stdoutText()).doesNotContain(" " + CT + " ");
    assertThat(lxcProcesses()).noneMatch(p -> p.contains(" " + CT + " ") || p.endsWith(" " + CT));
    for (String bridge : bridges()) {
      try (Stream<Path> ports = Files.list(Path.of("/sys/class/net", bridge, "brif"))) {
        assertThat(ports.map(p -> p.getFileName().toString())).noneMatch(p -> p.startsWith("veth" + CT));
      }
    }
    Path lxc = stateDir.resolve("lxc-runtime").resolve("lxc");
    assertThat(lxc).as("the sandbox keeps its containers here").isDirectory();
    assertThat(lxc.resolve(String.valueOf(CT))).as("container config and rootfs").doesNotExist();
  }

  @Test
  @Order(5)
  void aVmAnswersThroughItsRealGuestAgent() throws Exception {
    Node pve1 = pve.nodes().node("pve1");
    pve1.qemu(9000).clone(CloneSpec.full(VM, "agent-vm")).awaitSuccess(WAIT);
    Qemu vm = pve1.qemu(VM);
    vm.updateConfig(ConfigUpdate.builder().ipConfig(0, IpConfig.staticIpv4("10.99.0.42/24", "10.99.0.1")).build());
    vm.status().start().awaitSuccess(WAIT);
    Agent agent = vm.agent();
    agent.ping();
    AgentExecStatus uname = agent.run(List.of("uname", "-s"), null, Duration.ofSeconds(30));
    assertThat(uname.succeeded()).isTrue();
    assertThat(uname.stdout()).isEqualTo("Linux\n");
    agent.fileWrite("/root/hello.txt", "through qemu-ga\n".getBytes(StandardCharsets.UTF_8));
    assertThat(agent.fileRead("/root/hello.txt")).isEqualTo("through qemu-ga\n");
    assertThat(agent.networkInterfaces()).anySatisfy(i -> assertThat(i.ipv4()).contains("10.99.0.42/24"));
    AgentExecStatus viaCli = node.qmGuestExec(VM, List.of("cat", "/root/hello.txt"), Duration.ofSeconds(30));
    assertThat(viaCli.stdout()).isEqualTo("through qemu-ga\n");
    vm.status().stop().awaitSuccess(WAIT);
    vm.delete(GuestDeletion.purgeAll()).awaitSuccess(WAIT);
  }

  private static List<String> bridges() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("pvdsbx")).toList();
    }
  }

  private static List<String> lxcProcesses() throws Exception {
    Process ps = new ProcessBuilder("ps", "-eo", "args").start();
    String out = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    ps.waitFor();
    return out.lines().filter(l -> l.startsWith("[lxc monitor]")).toList();
  }
}
