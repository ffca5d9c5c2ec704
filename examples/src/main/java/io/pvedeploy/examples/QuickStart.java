package io.pvedeploy.examples;

import io.pvedeploy.proxmox.ClusterResource;
import io.pvedeploy.proxmox.ConfigUpdate;
import io.pvedeploy.proxmox.GuestDeletion;
import io.pvedeploy.proxmox.Lxc;
import io.pvedeploy.proxmox.LxcFeatures;
import io.pvedeploy.proxmox.LxcNetwork;
import io.pvedeploy.proxmox.LxcSpec;
import io.pvedeploy.proxmox.MountPoint;
import io.pvedeploy.proxmox.Node;
import io.pvedeploy.proxmox.PermissionDeniedException;
import io.pvedeploy.proxmox.ProxmoxClient;
import io.pvedeploy.proxmox.ProxmoxException;
import io.pvedeploy.proxmox.TaskResult;
import io.pvedeploy.proxmox.TlsPolicy;
import io.pvedeploy.proxmox.VzdumpSpec;
import io.pvedeploy.sandbox.Sandbox;
import java.io.PrintStream;
import java.time.Duration;

/**
 * A tour of the Proxmox client against the embedded sandbox: start a stand-in PVE cluster, then
 * create, configure, start, snapshot, back up and destroy a container, printing each step.
 *
 * <p>Run it with {@code bash scripts/demo.sh}. Point {@code ProxmoxClient} at a real node instead
 * of the sandbox and the same calls work there.
 */
public final class QuickStart {
  private static final Duration WAIT = Duration.ofMinutes(2);
  private static final String TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";

  private final PrintStream out;

  QuickStart(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    new QuickStart(System.out).run();
  }

  void run() throws ProxmoxException {
    try (Sandbox sandbox = Sandbox.builder().nodes("pve1", "pve2").start();
        ProxmoxClient pve = ProxmoxClient.builder()
            .baseUrl(sandbox.url())
            .apiToken(sandbox.tokenId(), sandbox.tokenSecret())
            // The sandbox, like a fresh PVE node, has a self-signed certificate: pin it.
            .tls(TlsPolicy.pinnedFingerprint(sandbox.fingerprint()))
            .build()) {
      out.printf("Sandbox PVE %s at %s (certificate %s…)%n", pve.version().version(), sandbox.url(),
          sandbox.fingerprint().substring(0, 23));
      pve.nodes().list().forEach(n -> out.printf("  node %-6s %s%n", n.node(), n.online() ? "online" : "offline"));

      Node node = pve.nodes().node("pve1");
      int vmid = pve.cluster().nextId();
      LxcSpec spec = LxcSpec.builder(vmid, TEMPLATE)
          .hostname("quickstart")
          .memory(1024).cores(2)
          .rootfs(MountPoint.newRootfs("local-lvm", 8))
          .network(0, LxcNetwork.builder("eth0").bridge("vmbr0").staticIp("10.10.10.50/24", "10.10.10.1").build())
          .features(LxcFeatures.none().withNesting(true))
          .build();
      step("create " + spec, node.lxc().create(spec).awaitSuccess(WAIT));

      Lxc ct = node.lxc(vmid);
      out.printf("  unprivileged=%s features=%s net0=%s%n", ct.config().unprivileged(),
          ct.config().features().render(), ct.config().network(0).map(LxcNetwork::render).orElse("-"));

      try {
        ct.updateConfig(ConfigUpdate.builder().features(LxcFeatures.docker()).build());
      } catch (PermissionDeniedException refused) {
        out.println("  keyctl through an API token is refused, as by a real PVE:");
        out.println("    " + refused.getMessage().lines().findFirst().orElse(""));
      }

      step("start", ct.status().start().awaitSuccess(WAIT));
      ct.interfaces().forEach(i -> out.printf("  %s %s%n", i.name(), i.ipv4()));
      step("snapshot before_release", ct.snapshots().create("before_release", "quick start").awaitSuccess(WAIT));
      step("vzdump to local", node.vzdump(VzdumpSpec.of(vmid, "local")).awaitSuccess(WAIT));
      node.storage("local").content("backup").forEach(b -> out.printf("  backup %s (%d bytes)%n", b.volid(), b.sizeBytes()));
      step("shutdown", ct.status().shutdown(Duration.ofSeconds(30), true).awaitSuccess(WAIT));
      step("destroy", ct.delete(GuestDeletion.purgeAll()).awaitSuccess(WAIT));

      long guests = pve.cluster().resources(ClusterResource.Type.VM).stream()
          .filter(r -> r.vmid() == vmid).count();
      out.printf("Container %d is gone: %s. The sandbox served %d API requests.%n", vmid,
          guests == 0 ? "yes" : "no", sandbox.requestCount());
    }
  }

  private void step(String what, TaskResult result) {
    out.printf("%-8s %s (%s)%n", result.exitStatus(), what, result.upid().type());
  }
}
