package io.pvedeploy.proxmox;

import java.time.Instant;
import java.util.Optional;

/**
 * A PVE task id, e.g. {@code UPID:pve1:0002A3B4:00C0FFEE:6565F1B2:vzcreate:101:root@pam!ci:}.
 *
 * <p>The fields are the node that runs the task, the worker's pid and process start time, the
 * task's start time, its type ({@code vzcreate}, {@code qmstart}, {@code vzdump}, …), the id it
 * works on (usually a vmid, may be empty) and the user or API token that started it.
 *
 * @param node the node that runs the task
 * @param pid the worker process id
 * @param processStart the worker's start time in clock ticks since boot, as PVE records it
 * @param startTime when the task started
 * @param type the task type
 * @param id what the task works on; empty when it has no subject
 * @param user the user ({@code root@pam}) or token ({@code root@pam!ci}) that started it
 */
public record Upid(
    String node, long pid, long processStart, Instant startTime, String type, String id, String user) {

  public Upid {
    Checks.node(node);
    if (type == null || type.isEmpty() || type.indexOf(':') >= 0) {
      throw new IllegalArgumentException("UPID type must be a non-empty word, got '" + type + "'");
    }
    if (id == null || id.indexOf(':') >= 0) {
      throw new IllegalArgumentException("UPID id must not contain ':', got '" + id + "'");
    }
    if (user == null || user.isEmpty() || user.indexOf(':') >= 0) {
      throw new IllegalArgumentException("UPID user must be a non-empty user or token id");
    }
  }

  /**
   * Parses PVE's text form.
   *
   * @throws IllegalArgumentException naming what is wrong when {@code text} is not a UPID
   */
  public static Upid parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("UPID must not be null");
    }
    String[] parts = text.split(":", -1);
    // UPID, node, pid, pstart, starttime, type, id, user, and the empty field after the final ':'
    if (parts.length != 9 || !parts[0].equals("UPID") || !parts[8].isEmpty()) {
      throw new IllegalArgumentException(
          "not a PVE task id: '"
              + text
              + "' (expected UPID:node:pid:pstart:starttime:type:id:user:, as PVE returns from"
              + " a task-starting call)");
    }
    try {
      return new Upid(
          parts[1],
          Long.parseLong(parts[2], 16),
          Long.parseLong(parts[3], 16),
          Instant.ofEpochSecond(Long.parseLong(parts[4], 16)),
          parts[5],
          parts[6],
          parts[7]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "not a PVE task id: '" + text + "' (pid, pstart and starttime must be hexadecimal)", e);
    }
  }

  /** Whether this string looks like a UPID; PVE answers some calls with one or with null. */
  public static boolean isUpid(String text) {
    if (text == null || !text.startsWith("UPID:")) {
      return false;
    }
    try {
      parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The vmid this task works on, when its id is one. */
  public Optional<Integer> vmid() {
    try {
      int vmid = Integer.parseInt(id);
      return vmid >= Checks.MIN_VMID ? Optional.of(vmid) : Optional.empty();
    } catch (NumberFormatException notAVmid) {
      return Optional.empty();
    }
  }

  /** PVE's text form, byte-for-byte as PVE writes it. */
  @Override
  public String toString() {
    return String.format(
        "UPID:%s:%08X:%08X:%08X:%s:%s:%s:", node, pid, processStart, startTime.getEpochSecond(),
        type, id, user);
  }
}
