package io.pvedeploy.proxmox;

import java.util.ArrayList;
import java.util.List;
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

  private static final JsonScanNames FIELDS = JsonScanNames.of(
      "id", "type", "node", "vmid", "name", "storage", "status", "template", "lock", "cpu",
      "maxcpu", "mem", "maxmem", "disk", "maxdisk", "uptime", "tags", "pool");

  /**
   * Reads the {@code data} array of {@code /cluster/resources} straight from the bytes: a
   * cluster can hold thousands of guests, and a map per entry would cost more than the request
   * (see {@link JsonScanner} for the figures).
   */
  static List<ClusterResource> readAll(JsonScanner reader) throws JsonScanException {
    List<ClusterResource> out = new ArrayList<>();
    // Entries of one type have their members in one order: after the first, names cost a compare.
    JsonScanOrder order = new JsonScanOrder(FIELDS);
    reader.beginArray();
    while (reader.hasNext()) {
      out.add(read(reader, order));
    }
    reader.endArray();
    return out;
  }

  private static ClusterResource read(JsonScanner reader, JsonScanOrder order)
      throws JsonScanException {
    String id = "";
    String type = "";
    String node = "";
    int vmid = 0;
    String name = null;
    String storage = "";
    String status = "";
    boolean template = false;
    String lock = null;
    double cpu = 0;
    double maxCpu = 0;
    long memory = 0;
    long maxMemory = 0;
    long disk = 0;
    long maxDisk = 0;
    long uptime = 0;
    String tags = "";
    String pool = null;
    reader.beginObject();
    while (reader.hasNext()) {
      switch (reader.nextName(order)) {
        case 0 -> id = orEmpty(reader.nextStringOrNull());
        case 1 -> type = orEmpty(reader.nextStringOrNull());
        case 2 -> node = orEmpty(reader.nextStringOrNull());
        case 3 -> vmid = (int) reader.nextLong(0);
        case 4 -> name = reader.nextStringOrNull();
        case 5 -> storage = orEmpty(reader.nextStringOrNull());
        case 6 -> status = orEmpty(reader.nextStringOrNull());
        case 7 -> template = reader.nextBooleanish();
        case 8 -> lock = reader.nextStringOrNull();
        case 9 -> cpu = reader.nextDouble(0);
        case 10 -> maxCpu = reader.nextDouble(0);
        case 11 -> memory = reader.nextLong(0);
        case 12 -> maxMemory = reader.nextLong(0);
        case 13 -> disk = reader.nextLong(0);
        case 14 -> maxDisk = reader.nextLong(0);
        case 15 -> uptime = reader.nextLong(0);
        case 16 -> tags = orEmpty(reader.nextStringOrNull());
        case 17 -> pool = reader.nextStringOrNull();
        default -> reader.skipValue();
      }
    }
    reader.endObject();
    return new ClusterResource(id, type, node, vmid, name != null ? name : storage, status,
        template, Optional.ofNullable(lock), cpu, maxCpu, memory, maxMemory, disk, maxDisk, uptime,
        tags, Optional.ofNullable(pool));
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }

}
