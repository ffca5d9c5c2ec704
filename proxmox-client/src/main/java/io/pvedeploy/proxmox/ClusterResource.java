package io.pvedeploy.proxmox;

import java.util.Map;
import java.util.Optional;

/**
 * One entry of {@code GET /cluster/resources}. Fields that do not apply to a type are 0, empty or
 * false (e.g. {@code vmid} of a storage).
 *
 * @param id PVE's id: {@code lxc/101}, {@code qemu/100}, {@code node/pve1}, {@code storage/pve1/local}
 * @param type {@code lxc}, {@code qemu}, {@code node}, {@code storage}, {@code sdn}, …
 * @param node the node it is on
 * @param vmid the guest id, 0 for non-guests
 * @param name the guest's name, or the storage id
 * @param status {@code running}, {@code stopped}, {@code online}, {@code available}, …
 * @param template whether the guest is a template
 * @param lock the guest's config lock, if any
 * @param cpu CPU usage 0.0–1.0
 * @param maxCpu CPUs
 * @param memory bytes used
 * @param maxMemory bytes
 * @param disk bytes used
 * @param maxDisk bytes
 * @param uptimeSeconds uptime
 * @param tags the guest's tags, {@code ;}-separated as PVE stores them
 * @param pool the pool it belongs to
 */
public record ClusterResource(String id, String type, String node, int vmid, String name,
    String status, boolean template, Optional<String> lock, double cpu, double maxCpu, long memory,
    long maxMemory, long disk, long maxDisk, long uptimeSeconds, String tags, Optional<String> pool) {

  /** The {@code type} filter of {@code /cluster/resources}. */
  public enum Type {
    VM("vm"), STORAGE("storage"), NODE("node"), SDN("sdn");

    private final String apiName;

    Type(String apiName) {
      this.apiName = apiName;
    }

    String apiName() {
      return apiName;
    }
  }

  public boolean isGuest() {
    return type.equals("lxc") || type.equals("qemu");
  }

  public boolean isRunning() {
    return status.equals("running");
  }

  static ClusterResource from(Map<String, Object> d) {
    return new ClusterResource(
        Json.string(d, "id", ""), Json.string(d, "type", ""), Json.string(d, "node", ""),
        Json.intValue(d, "vmid", 0),
        Json.string(d, "name", Json.string(d, "storage", "")),
        Json.string(d, "status", ""), Json.bool(d, "template", false),
        Optional.ofNullable(Json.string(d, "lock")), Json.doubleValue(d, "cpu", 0),
        Json.doubleValue(d, "maxcpu", 0), Json.longValue(d, "mem", 0),
        Json.longValue(d, "maxmem", 0), Json.longValue(d, "disk", 0),
        Json.longValue(d, "maxdisk", 0), Json.longValue(d, "uptime", 0),
        Json.string(d, "tags", ""), Optional.ofNullable(Json.string(d, "pool")));
  }
}
