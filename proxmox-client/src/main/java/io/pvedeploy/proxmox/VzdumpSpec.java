package io.pvedeploy.proxmox;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What {@code POST /nodes/{node}/vzdump} backs up, where and how.
 *
 * @param vmids the guests (at least one)
 * @param storage the target storage, e.g. {@code local} or a PBS storage
 * @param mode {@code snapshot} (no downtime where the storage can), {@code suspend} or {@code stop}
 * @param compress {@code zstd} (default), {@code gzip}, {@code lzo}, or {@code 0} for none
 * @param notes the backup's notes template, e.g. {@code {{guestname}} before release 42}
 * @param protect keep it from pruning
 */
public record VzdumpSpec(List<Integer> vmids, String storage, String mode, String compress,
    String notes, boolean protect) {
  public VzdumpSpec {
    if (vmids == null || vmids.isEmpty()) {
      throw new IllegalArgumentException("vzdump needs at least one vmid");
    }
    vmids.forEach(Checks::vmid);
    vmids = List.copyOf(vmids);
    Checks.storage(storage);
    if (!List.of("snapshot", "suspend", "stop").contains(mode)) {
      throw new IllegalArgumentException("vzdump mode must be snapshot, suspend or stop, got " + mode);
    }
    if (!List.of("0", "1", "gzip", "lzo", "zstd").contains(compress)) {
      throw new IllegalArgumentException("vzdump compress must be 0, gzip, lzo or zstd, got " + compress);
    }
    if (notes != null && (notes.length() > 1024 || notes.indexOf('\n') >= 0)) {
      throw new IllegalArgumentException("vzdump notes must be one line of at most 1024 characters");
    }
  }

  /** A snapshot-mode, zstd-compressed backup of one guest to {@code storage}. */
  public static VzdumpSpec of(int vmid, String storage) {
    return new VzdumpSpec(List.of(vmid), storage, "snapshot", "zstd", null, false);
  }

  public VzdumpSpec withMode(String newMode) {
    return new VzdumpSpec(vmids, storage, newMode, compress, notes, protect);
  }

  public VzdumpSpec withNotes(String newNotes) {
    return new VzdumpSpec(vmids, storage, mode, compress, newNotes, protect);
  }

  public VzdumpSpec protectedBackup() {
    return new VzdumpSpec(vmids, storage, mode, compress, notes, true);
  }

  Params toParams() {
    return Params.of()
        .put("vmid", vmids.stream().map(String::valueOf).collect(Collectors.joining(",")))
        .put("storage", storage).put("mode", mode).put("compress", compress)
        .put("notes-template", notes).put("protected", protect ? Boolean.TRUE : null);
  }
}
