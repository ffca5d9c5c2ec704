package io.pvedeploy.proxmox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code /nodes/{node}/qemu}: the node's VMs. */
public final class QemuVms {
  private final Node node;

  QemuVms(Node node) {
    this.node = node;
  }

  /** {@code GET /nodes/{node}/qemu}. */
  public List<GuestSummary> list() throws ProxmoxException {
    List<GuestSummary> out = new ArrayList<>();
    for (Map<String, Object> row : Json.objects(node.client().transport().get(node.path() + "/qemu", Params.of()), "vms")) {
      out.add(GuestSummary.from(row));
    }
    return List.copyOf(out);
  }

  /**
   * {@code POST /nodes/{node}/qemu}: creates VM {@code vmid} with the given settings (e.g. {@code
   * memory}, {@code scsi0}, {@code net0}, {@code agent}). Cloning a cloud-init template ({@link
   * Qemu#clone(CloneSpec)}) is the usual way to get a VM.
   */
  public Task create(int vmid, ConfigUpdate settings) throws ProxmoxException {
    if (!settings.deletions().isEmpty() || settings.digest().isPresent()) {
      throw new IllegalArgumentException("a create takes settings only, no deletions or digest");
    }
    return node.startTask(node.path() + "/qemu", Params.of().put("vmid", Checks.vmid(vmid)).putAll(settings.values()), "POST");
  }
}
