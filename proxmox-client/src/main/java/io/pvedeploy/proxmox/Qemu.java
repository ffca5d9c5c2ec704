package io.pvedeploy.proxmox;

/** {@code /nodes/{node}/qemu/{vmid}}: one VM. */
public final class Qemu {
  private final Node node;
  private final int vmid;

  Qemu(Node node, int vmid) {
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
    return node.path() + Transport.path("qemu", vmid);
  }

  /** {@code GET …/config}. */
  public QemuConfig config() throws ProxmoxException {
    return QemuConfig.from(Json.object(node.client().transport().get(path() + "/config", Params.of()), "vm config"));
  }

  /** {@code PUT …/config}: applies the change synchronously. */
  public void updateConfig(ConfigUpdate update) throws ProxmoxException {
    if (update.isEmpty()) {
      throw new IllegalArgumentException("the config update sets and deletes nothing");
    }
    node.client().transport().put(path() + "/config", update.toParams());
  }

  /** {@code POST …/config}: applies the change as a task (for changes that take a while). */
  public Task updateConfigAsync(ConfigUpdate update) throws ProxmoxException {
    if (update.isEmpty()) {
      throw new IllegalArgumentException("the config update sets and deletes nothing");
    }
    return node.startTask(path() + "/config", update.toParams(), "POST");
  }

  /** {@code POST …/clone}: a new VM from this one (usually a template). */
  public Task clone(CloneSpec spec) throws ProxmoxException {
    return node.startTask(path() + "/clone", spec.toParams(), "POST");
  }

  /**
   * {@code PUT …/resize}: grows disk {@code disk} ({@code scsi0}, {@code virtio1}, …) to {@code
   * size} in PVE's syntax ({@code 16G}; {@code +2G} adds). PVE refuses to shrink a disk; the
   * filesystem inside grows when the guest does it (cloud-init's growpart at boot).
   */
  public Task resize(String disk, String size) throws ProxmoxException {
    if (disk == null || !disk.matches("(ide|sata|scsi|virtio)\\d{1,2}|efidisk0|tpmstate0")) {
      throw new IllegalArgumentException("disk must be a VM disk key such as scsi0 or virtio1, got '" + disk + "'");
    }
    if (size == null || !size.matches("\\+?\\d+(\\.\\d+)?[KMGT]?")) {
      throw new IllegalArgumentException("size must be PVE's disk size such as 16G or +2G, got '" + size + "'");
    }
    return node.startTask(path() + "/resize", Params.of().put("disk", disk).put("size", size), "PUT");
  }

  /** {@code …/status}. */
  public GuestPower status() {
    return new GuestPower(node, path(), vmid);
  }

  /** {@code …/snapshot}. */
  public Snapshots snapshots() {
    return new Snapshots(node, path());
  }

  /** {@code …/agent}: the QEMU guest agent inside the VM. */
  public Agent agent() {
    return new Agent(node, path());
  }

  /** {@code DELETE …}: destroys the VM (PVE refuses a running one). */
  public Task delete(GuestDeletion how) throws ProxmoxException {
    return node.startTask(path(), how.toParams(false), "DELETE");
  }

  @Override
  public String toString() {
    return "Qemu[" + node.name() + "/" + vmid + "]";
  }
}
