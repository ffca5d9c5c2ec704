package io.pvedeploy.proxmox;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * One entry of {@code GET /nodes/{node}/storage/{storage}/content}: a template, backup, ISO or
 * disk.
 *
 * @param volid the volume id to pass to other calls, e.g. {@code local:vztmpl/debian-12-….tar.zst}
 * @param content its content type: {@code vztmpl}, {@code backup}, {@code iso}, {@code images}, …
 * @param format e.g. {@code tzst}, {@code raw}, {@code qcow2}
 * @param sizeBytes its size
 * @param created when it was created, if PVE knows
 * @param vmid the guest it belongs to (backups and disks), if any
 * @param notes the notes PVE keeps with backups
 */
public record StorageVolume(String volid, String content, String format, long sizeBytes,
    Optional<Instant> created, Optional<Integer> vmid, String notes) {
  static StorageVolume from(Map<String, Object> d) {
    long ctime = Json.longValue(d, "ctime", -1);
    int vmid = Json.intValue(d, "vmid", 0);
    return new StorageVolume(Json.string(d, "volid", ""), Json.string(d, "content", ""),
        Json.string(d, "format", ""), Json.longValue(d, "size", 0),
        ctime < 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(ctime)),
        vmid > 0 ? Optional.of(vmid) : Optional.empty(), Json.string(d, "notes", ""));
  }
}
