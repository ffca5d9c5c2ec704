package io.pvedeploy.proxmox;

/**
 * {@code POST /nodes/{node}/qemu/{vmid}/clone}: a new VM from a template or VM.
 *
 * @param newId the new VM's id
 * @param name its name, or null
 * @param full a full copy (independent of the template) rather than a linked clone
 * @param targetNode the node to put it on, or null for the template's node
 * @param storage the storage for its disks (full clones), or null
 * @param pool the pool to add it to, or null
 * @param description its description, or null
 */
public record CloneSpec(int newId, String name, boolean full, String targetNode, String storage,
    String pool, String description) {
  public CloneSpec {
    Checks.vmid(newId);
    if (name != null) {
      Checks.hostname(name);
    }
    if (targetNode != null) {
      Checks.node(targetNode);
    }
    if (storage != null) {
      Checks.storage(storage);
    }
  }

  /** A full clone named {@code name} with id {@code newId}. */
  public static CloneSpec full(int newId, String name) {
    return new CloneSpec(newId, name, true, null, null, null, null);
  }

  /** A linked clone (shares the template's base disks; fast, needs a storage that can). */
  public static CloneSpec linked(int newId, String name) {
    return new CloneSpec(newId, name, false, null, null, null, null);
  }

  public CloneSpec onNode(String node) {
    return new CloneSpec(newId, name, full, node, storage, pool, description);
  }

  public CloneSpec onStorage(String newStorage) {
    return new CloneSpec(newId, name, full, targetNode, newStorage, pool, description);
  }

  Params toParams() {
    return Params.of().put("newid", newId).put("name", name).put("full", full)
        .put("target", targetNode).put("storage", storage).put("pool", pool)
        .put("description", description);
  }
}
