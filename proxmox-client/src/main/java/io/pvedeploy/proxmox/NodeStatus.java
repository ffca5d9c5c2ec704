package io.pvedeploy.proxmox;

import java.util.Map;

/**
 * {@code GET /nodes/{node}/status}: the parts a deployer uses; {@link #raw()} has the rest.
 *
 * @param pveVersion e.g. {@code pve-manager/9.1.1/…}
 * @param kernel the running kernel's release
 * @param cpus logical CPUs
 * @param memoryTotal bytes
 * @param memoryUsed bytes
 * @param rootfsTotal bytes of the node's root file system
 * @param rootfsUsed bytes used there
 * @param uptimeSeconds uptime
 * @param raw PVE's whole answer
 */
public record NodeStatus(String pveVersion, String kernel, int cpus, long memoryTotal,
    long memoryUsed, long rootfsTotal, long rootfsUsed, long uptimeSeconds, Map<String, Object> raw) {
  public NodeStatus {
    raw = Map.copyOf(raw);
  }

  @SuppressWarnings("unchecked")
  static NodeStatus from(Map<String, Object> d) {
    Map<String, Object> memory = d.get("memory") instanceof Map ? (Map<String, Object>) d.get("memory") : Map.of();
    Map<String, Object> rootfs = d.get("rootfs") instanceof Map ? (Map<String, Object>) d.get("rootfs") : Map.of();
    Map<String, Object> cpuinfo = d.get("cpuinfo") instanceof Map ? (Map<String, Object>) d.get("cpuinfo") : Map.of();
    Map<String, Object> kversion = d.get("current-kernel") instanceof Map ? (Map<String, Object>) d.get("current-kernel") : Map.of();
    Map<String, Object> withoutNulls = new java.util.LinkedHashMap<>(d);
    withoutNulls.values().removeIf(java.util.Objects::isNull);
    return new NodeStatus(Json.string(d, "pveversion", ""),
        Json.string(kversion, "release", Json.string(d, "kversion", "")),
        Json.intValue(cpuinfo, "cpus", 0), Json.longValue(memory, "total", 0),
        Json.longValue(memory, "used", 0), Json.longValue(rootfs, "total", 0),
        Json.longValue(rootfs, "used", 0), Json.longValue(d, "uptime", 0), withoutNulls);
  }
}
