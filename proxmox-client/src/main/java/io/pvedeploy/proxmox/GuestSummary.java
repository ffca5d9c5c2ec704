package io.pvedeploy.proxmox;

import java.util.Map;
import java.util.Optional;

/**
 * One entry of {@code GET /nodes/{node}/lxc} or {@code …/qemu}.
 *
 * @param vmid the guest
 * @param name its name
 * @param status {@code running}, {@code stopped}, …
 * @param lock its config lock, if any
 * @param maxMemory bytes
 * @param maxDisk bytes
 * @param cpus CPUs
 * @param uptimeSeconds uptime
 * @param tags {@code ;}-separated
 * @param template whether it is a template
 */
public record GuestSummary(int vmid, String name, String status, Optional<String> lock,
    long maxMemory, long maxDisk, double cpus, long uptimeSeconds, String tags, boolean template) {
  static GuestSummary from(Map<String, Object> d) {
    return new GuestSummary(Json.intValue(d, "vmid", 0), Json.string(d, "name", ""),
        Json.string(d, "status", ""), Optional.ofNullable(Json.string(d, "lock")),
        Json.longValue(d, "maxmem", 0), Json.longValue(d, "maxdisk", 0),
        Json.doubleValue(d, "cpus", 0), Json.longValue(d, "uptime", 0),
        Json.string(d, "tags", ""), Json.bool(d, "template", false));
  }
}
