package io.pvedeploy.proxmox;

/**
 * How {@code DELETE /nodes/{node}/lxc|qemu/{vmid}} removes a guest.
 *
 * @param purge also remove it from backup jobs, replication and HA
 * @param destroyUnreferencedDisks also destroy disks with the guest's id that its config does not
 *     reference
 * @param force (containers) destroy even when running
 */
public record GuestDeletion(boolean purge, boolean destroyUnreferencedDisks, boolean force) {

  /** Gone without a trace: purged from jobs, every disk destroyed; refuses a running guest. */
  public static GuestDeletion purgeAll() {
    return new GuestDeletion(true, true, false);
  }

  /** PVE's defaults: the guest and its referenced disks only. */
  public static GuestDeletion defaults() {
    return new GuestDeletion(false, false, false);
  }

  Params toParams(boolean container) {
    Params params = Params.of().put("purge", purge)
        .put("destroy-unreferenced-disks", destroyUnreferencedDisks);
    if (container && force) {
      params.put("force", true);
    }
    return params;
  }
}
