package io.pvedeploy.proxmox;

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

  // The members read, by their index in FIELDS.
  private static final int ID = 0;
  private static final int TYPE = 1;
  private static final int NODE = 2;
  private static final int VMID = 3;
  private static final int NAME = 4;
  private static final int STORAGE = 5;
  private static final int STATUS = 6;
  private static final int TEMPLATE = 7;
  private static final int LOCK = 8;
  private static final int CPU = 9;
  private static final int MAX_CPU = 10;
  private static final int MEM = 11;
  private static final int MAX_MEM = 12;
  private static final int DISK = 13;
  private static final int MAX_DISK = 14;
  private static final int UPTIME = 15;
  private static final int TAGS = 16;
  private static final int POOL = 17;

  static final JsonScanNames FIELDS = JsonScanNames.of(
      "id", "type", "node", "vmid", "name", "storage", "status", "template", "lock", "cpu",
      "maxcpu", "mem", "maxmem", "disk", "maxdisk", "uptime", "tags", "pool");

  // How each member's value is read.
  private static final byte TEXT = 0;
  private static final byte INTEGER = 1;
  private static final byte DECIMAL = 2;
  private static final byte FLAG = 3;
  /**
   * Text whose values repeat from entry to entry (type, node, storage, status, lock, tags,
   * pool), read through the scanner's cache of repeated strings; ids and names, unique per
   * entry, are not looked up. The one the cache adds for longer strings spares PVE's tags (in
   * the sandbox, {@code sandbox;simulated} in every guest) a new String each: measured, ~0.07 ms
   * less for 5,000 guests (~1.44 to ~1.36 ms for the scan alone).
   */
  private static final byte REPEATED_TEXT = 4;
  private static final byte[] KINDS = {
    TEXT, REPEATED_TEXT, REPEATED_TEXT, INTEGER, TEXT, REPEATED_TEXT, REPEATED_TEXT, FLAG,
    REPEATED_TEXT, DECIMAL, DECIMAL, INTEGER, INTEGER, INTEGER, INTEGER, INTEGER, REPEATED_TEXT,
    REPEATED_TEXT
  };

  /**
   * Reads the {@code data} array of {@code /cluster/resources} straight from the bytes: a
   * cluster can hold thousands of guests, and a map per entry would cost more than the request
   * (see {@link JsonScanner} for the figures).
   */
  static List<ClusterResource> readAll(JsonScanner reader) throws JsonScanException {
    // Entries of one type have their members in one order: after the first, a member's comma,
    // name and colon cost one compare. A large cluster's list is read on two threads.
    return JsonScanArrays.read(reader, () -> new JsonScanOrder(FIELDS), ClusterResource::read);
  }

  /**
   * One entry. A switch over the four kinds of value, rather than one case per member with its
   * own inlined reader, keeps the compiled loop small and its jumps predictable: measured, ~0.2
   * ms less for 5,000 guests (~1.75 to ~1.55 ms for the whole decode). The values land in
   * locals, not in arrays reused from entry to entry: no arrays to clear per entry and no
   * reference stores into the heap (each a GC write barrier) before the record's own; measured,
   * ~0.05 ms less for 5,000 guests (~1.50 to ~1.44 ms for the scan alone).
   */
  static ClusterResource read(JsonScanner reader, JsonScanOrder order)
      throws JsonScanException {
    String id = null;
    String type = null;
    String node = null;
    String name = null;
    String storage = null;
    String status = null;
    String lock = null;
    String tags = null;
    String pool = null;
    long vmid = 0;
    long mem = 0;
    long maxMem = 0;
    long disk = 0;
    long maxDisk = 0;
    long uptime = 0;
    double cpu = 0;
    double maxCpu = 0;
    boolean template = false;
    reader.beginObject();
    for (int member; (member = reader.nextMember(order)) != JsonScanner.END_OF_OBJECT; ) {
      int kind = member < 0 ? -1 : KINDS[member];
      switch (kind) {
        case TEXT, REPEATED_TEXT -> {
          String text = kind == TEXT ? reader.nextStringOrNull() : reader.nextRepeatedStringOrNull();
          switch (member) {
            case ID -> id = text;
            case TYPE -> type = text;
            case NODE -> node = text;
            case NAME -> name = text;
            case STORAGE -> storage = text;
            case STATUS -> status = text;
            case LOCK -> lock = text;
            case TAGS -> tags = text;
            case POOL -> pool = text;
            default -> throw new AssertionError(member);
          }
        }
        case INTEGER -> {
          long integer = reader.nextLong(0);
          switch (member) {
            case VMID -> vmid = integer;
            case MEM -> mem = integer;
            case MAX_MEM -> maxMem = integer;
            case DISK -> disk = integer;
            case MAX_DISK -> maxDisk = integer;
            case UPTIME -> uptime = integer;
            default -> throw new AssertionError(member);
          }
        }
        case DECIMAL -> {
          double decimal = reader.nextDouble(0);
          if (member == CPU) {
            cpu = decimal;
          } else { // MAX_CPU
            maxCpu = decimal;
          }
        }
        case FLAG -> template = reader.nextBooleanish();
        default -> reader.skipValue();
      }
    }
    return new ClusterResource(orEmpty(id), orEmpty(type), orEmpty(node), (int) vmid,
        name != null ? name : orEmpty(storage), orEmpty(status), template,
        Optional.ofNullable(lock), cpu, maxCpu, mem, maxMem, disk, maxDisk, uptime, orEmpty(tags),
        Optional.ofNullable(pool));
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }

}
