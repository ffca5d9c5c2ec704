package io.pvedeploy.proxmox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code /nodes/{node}/lxc/{vmid}}: one container. */
public final class Lxc {
  private final Node node;
  private final int vmid;

  Lxc(Node node, int vmid) {
    this.node = node;
    this.vmid = vmid;
  }

  public int vmid() {
    return vmid;
  }

  public Node node() {
    return node;
  }

  String path() {
    return node.path() + Transport.path("lxc", vmid);
  }

  /** {@code GET …/config}. */
  public LxcConfig config() throws ProxmoxException {
    return LxcConfig.from(Json.object(node.client().transport().get(path() + "/config", Params.of()), "container config"));
  }

  /**
   * {@code PUT …/config}: applies the change synchronously. With a digest in the update, a
   * concurrent change fails with {@link ConfigChangedException} rather than being overwritten.
   */
  public void updateConfig(ConfigUpdate update) throws ProxmoxException {
    if (update.isEmpty()) {
      throw new IllegalArgumentException("the config update sets and deletes nothing");
    }
    node.client().transport().put(path() + "/config", update.toParams());
  }

  /**
   * {@code PUT …/resize}: grows {@code rootfs} or a mount point ({@code mp0}, …) to {@code size}
   * in PVE's syntax ({@code 8G}; {@code +2G} adds). PVE grows the filesystem on it too, and
   * refuses to shrink.
   */
  public Task resize(String disk, String size) throws ProxmoxException {
    if (disk == null || !disk.matches("rootfs|mp\\d{1,3}")) {
      throw new IllegalArgumentException("disk must be rootfs or a mount point such as mp0, got '" + disk + "'");
    }
    if (size == null || !size.matches("\\+?\\d+(\\.\\d+)?[KMGT]?")) {
      throw new IllegalArgumentException("size must be PVE's disk size such as 8G or +2G, got '" + size + "'");
    }
    return node.startTask(path() + "/resize", Params.of().put("disk", disk).put("size", size), "PUT");
  }

  /** {@code …/status}: current state, start, stop, shutdown, reboot. */
  public GuestPower status() {
    return new GuestPower(node, path(), vmid);
  }

  /** {@code …/snapshot}. */
  public Snapshots snapshots() {
    return new Snapshots(node, path());
  }

  /** {@code GET …/interfaces}: the running container's interfaces and addresses. */
  public List<GuestInterface> interfaces() throws ProxmoxException {
    List<GuestInterface> out = new ArrayList<>();
    for (Map<String, Object> i : Json.objects(node.client().transport().get(path() + "/interfaces", Params.of()), "interfaces")) {
      List<String> v4 = new ArrayList<>();
      List<String> v6 = new ArrayList<>();
      String inet = Json.string(i, "inet");
      String inet6 = Json.string(i, "inet6");
      if (inet != null && !inet.isEmpty()) {
        v4.add(inet);
      }
      if (inet6 != null && !inet6.isEmpty()) {
        v6.add(inet6);
      }
      out.add(new GuestInterface(Json.string(i, "name", ""), Json.string(i, "hwaddr", ""), v4, v6));
    }
    return List.copyOf(out);
  }

  /** {@code DELETE …}: destroys the container. */
  public Task delete(GuestDeletion how) throws ProxmoxException {
    return node.startTask(path(), how.toParams(true), "DELETE");
  }

  @Override
  public String toString() {
    return "Lxc[" + node.name() + "/" + vmid + "]";
  }
}
