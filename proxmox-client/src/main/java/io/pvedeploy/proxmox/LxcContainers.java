package io.pvedeploy.proxmox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code /nodes/{node}/lxc}: the node's containers. */
public final class LxcContainers {
  private final Node node;

  LxcContainers(Node node) {
    this.node = node;
  }

  /** {@code GET /nodes/{node}/lxc}. */
  public List<GuestSummary> list() throws ProxmoxException {
    List<GuestSummary> out = new ArrayList<>();
    for (Map<String, Object> row : Json.objects(node.client().transport().get(node.path() + "/lxc", Params.of()), "containers")) {
      out.add(GuestSummary.from(row));
    }
    return List.copyOf(out);
  }

  /**
   * {@code POST /nodes/{node}/lxc}: creates a container. The answer is the create task; the
   * container exists (locked with {@code create}) until the task ends.
   */
  public Task create(LxcSpec spec) throws ProxmoxException {
    return node.startTask(node.path() + "/lxc", spec.toParams(), "POST");
  }

  /**
   * {@code POST /nodes/{node}/lxc} with {@code restore=1}: recreates container {@code vmid} from a
   * vzdump archive ({@code local:backup/vzdump-lxc-…}). With {@code force}, an existing container
   * with that id is overwritten.
   *
   * @param storage the storage for the restored root file system, or null for the archive's
   */
  public Task restore(int vmid, String backupVolume, String storage, boolean force) throws ProxmoxException {
    Params params = Params.of().put("vmid", Checks.vmid(vmid))
        .put("ostemplate", Checks.volumeId(backupVolume, "backup volume"))
        .put("restore", true)
        .put("storage", storage == null ? null : Checks.storage(storage))
        .put("force", force ? Boolean.TRUE : null);
    return node.startTask(node.path() + "/lxc", params, "POST");
  }
}
