package io.pvedeploy.deploy;

import io.pvedeploy.proxmox.CloneSpec;
import io.pvedeploy.proxmox.ConfigUpdate;
import io.pvedeploy.proxmox.GuestDeletion;
import io.pvedeploy.proxmox.GuestPower;
import io.pvedeploy.proxmox.IpConfig;
import io.pvedeploy.proxmox.LxcFeatures;
import io.pvedeploy.proxmox.LxcNetwork;
import io.pvedeploy.proxmox.LxcSpec;
import io.pvedeploy.proxmox.MountPoint;
import io.pvedeploy.proxmox.Node;
import io.pvedeploy.proxmox.NodeShell;
import io.pvedeploy.proxmox.NotFoundException;
import io.pvedeploy.proxmox.ProxmoxClient;
import io.pvedeploy.proxmox.ProxmoxException;
import io.pvedeploy.proxmox.Qemu;
import io.pvedeploy.proxmox.Task;
import io.pvedeploy.proxmox.TlsPolicy;
import io.pvedeploy.sandbox.Sandbox;
import io.pvedeploy.sandbox.SshEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real, unprivileged LXC container on the embedded sandbox, shared by every test class of a
 * run that extends with this ({@code @ExtendWith(SandboxContainer.class)}) and closed once at
 * the end: the sandbox with {@code Guests.LXC} and the node's sshd, a container from the
 * sandbox's Debian template with {@code nesting=1,keyctl=1} (set as root through {@code pct set},
 * as PVE refuses {@code keyctl} to tokens) and a static address on the sandbox's bridge.
 *
 * <p>A test class that needs a QEMU VM calls {@link #vm()}: the first call clones the sandbox's
 * cloud-init template 9000 into VM {@value #VM_VMID} (static {@value #VM_ADDRESS}), starts it and
 * waits until its real qemu-ga answers; later calls return the same VM.
 *
 * <p>Needs root, lxc, uidmap, debootstrap, dnsmasq-base, openssh-server: scripts/test.sh
 * installs them; the sandbox fails with an install hint when one is missing.
 */
public final class SandboxContainer implements BeforeAllCallback {
  static final String TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";
  static final int VMID = 151;
  static final String ADDRESS = "10.99.0.51";
  static final Duration WAIT = Duration.ofMinutes(3);
  static final int TEMPLATE_VM = 9000;
  static final int VM_VMID = 152;
  static final String VM_ADDRESS = "10.99.0.52";

  /** What the tests use. */
  public record Handle(Sandbox sandbox, ProxmoxClient pve, NodeShell node, int vmid) {}

  private static Handle handle;
  private static Exception failure;
  private static Qemu vm;

  /** The shared container, created by the first test class that needs it. */
  public static synchronized Handle get() {
    if (handle == null) {
      throw new IllegalStateException("annotate the test class with @ExtendWith(SandboxContainer.class)");
    }
    return handle;
  }

  /** The shared VM with a running guest agent, made on first use (after {@link #get()} works). */
  public static synchronized Qemu vm() throws ProxmoxException, InterruptedException {
    if (vm == null) {
      Node pve1 = get().pve().nodes().node("pve1");
      pve1.qemu(TEMPLATE_VM).clone(CloneSpec.full(VM_VMID, "deploy-it-vm")).awaitSuccess(WAIT);
      Qemu made = pve1.qemu(VM_VMID);
      made.updateConfig(ConfigUpdate.builder()
          .ipConfig(0, IpConfig.staticIpv4(VM_ADDRESS + "/24", "10.99.0.1")).build());
      made.status().start().awaitSuccess(WAIT);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        try {
          made.agent().ping();
          break;
        } catch (ProxmoxException e) {
          if (System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(500);
        }
      }
      vm = made;
    }
    return vm;
  }

  /** How a test deletes the guest it made. */
  @FunctionalInterface
  interface Deletion {
    Task delete(GuestDeletion how) throws ProxmoxException;
  }

  /** Stops and destroys a guest a test made ({@code lxc::delete} or {@code qemu::delete}); nothing when it was never made. */
  /**
   * A one-service bundle in {@code dir}/bundle: busybox httpd serving {@code page} on port 8080,
   * published on the guest's address, with no restart policy.
   */
  static Path httpdBundle(Path dir, String image, String page) throws java.io.IOException {
    Path bundle = Files.createDirectories(dir.resolve("bundle"));
    Files.createDirectories(bundle.resolve("www"));
    Files.writeString(bundle.resolve("compose.yaml"), """
        version: "3.8"
        services:
          web:
            image: %s
            command: ["busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]
            ports: ["8080:8080"]
            volumes:
              - ./www:/www:ro
        """.formatted(image));
    Files.writeString(bundle.resolve("www/index.html"), page);
    return bundle;
  }

  static void destroy(GuestPower power, Deletion deletion) throws ProxmoxException {
    try {
      if (power.current().isRunning()) {
        power.stop().awaitSuccess(Duration.ofMinutes(2));
      }
      deletion.delete(GuestDeletion.purgeAll()).awaitSuccess(Duration.ofMinutes(2));
    } catch (NotFoundException e) {
      // never created
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    synchronized (SandboxContainer.class) {
      if (failure != null) {
        throw new IllegalStateException("the shared sandbox container could not be made (see the"
            + " first test class's failure)", failure);
      }
      if (handle != null) {
        return;
      }
      Path state = Files.createTempDirectory("pvd-deploy-it-");
      // The container's root (uid 100000 on the host) must be able to reach its rootfs.
      Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
      Sandbox sandbox = Sandbox.builder().guests(Sandbox.Guests.LXC).nodeSsh(true).stateDir(state)
          .taskDuration(Duration.ofMillis(20)).start();
      ProxmoxClient pve = ProxmoxClient.builder().baseUrl(sandbox.url())
          .apiToken(sandbox.tokenId(), sandbox.tokenSecret())
          .tls(TlsPolicy.pinnedFingerprint(sandbox.fingerprint()))
          .readTimeout(Duration.ofMinutes(2)).build();
      SshEndpoint ssh = sandbox.ssh().orElseThrow();
      NodeShell node = NodeShell.builder().host(ssh.host()).port(ssh.port()).user(ssh.user())
          .identityFile(ssh.identityFile()).knownHostsFile(ssh.knownHostsFile())
          .commandTimeout(Duration.ofMinutes(5)).build();
      Handle created = new Handle(sandbox, pve, node, VMID);
      try {
        Node pve1 = pve.nodes().node("pve1");
        pve1.lxc().create(LxcSpec.builder(VMID, TEMPLATE).hostname("deploy-it").memory(2048).cores(2)
            .rootfs(MountPoint.newRootfs("local-lvm", 8))
            .network(0, LxcNetwork.builder("eth0").bridge("vmbr0").staticIp(ADDRESS + "/24", "10.99.0.1").build())
            .features(LxcFeatures.none().withNesting(true))
            .build()).awaitSuccess(WAIT);
        node.pctSet(VMID, LxcFeatures.docker());
        pve1.lxc(VMID).status().start().awaitSuccess(WAIT);
      } catch (Exception e) {
        failure = e;
        close(created, state);
        throw e;
      }
      handle = created;
      context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
          .put(state, (ExtensionContext.Store.CloseableResource) () -> close(created, state));
    }
  }

  private static synchronized void close(Handle h, Path state) throws Exception {
    handle = null;
    vm = null;
    h.node().close();
    h.pve().close();
    h.sandbox().close();
    new ProcessBuilder("rm", "-rf", "--one-file-system", state.toString()).inheritIO().start().waitFor();
  }
}
