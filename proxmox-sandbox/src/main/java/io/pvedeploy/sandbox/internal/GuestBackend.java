package io.pvedeploy.sandbox.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a guest's inside does. Simulated guests keep state only ({@link SimulatedBackend}); real
 * ones are LXC containers ({@link LxcBackend}).
 *
 * <p>The first six methods are what the node's CLI reaches guests through; the API may call them
 * with the cluster lock held. The lifecycle hooks below them are no-ops for simulated guests; the
 * API calls them from a task's worker <em>without</em> the cluster lock, because a real backend
 * takes seconds (unpacking a template, writing an archive). Implementations must be thread-safe
 * per guest.
 */
interface GuestBackend extends AutoCloseable {
  /** A command's result as bytes, for callers that must not lose a byte (pct exec, pct pull). */
  record RawExec(int exitcode, byte[] out, byte[] err, boolean timedOut) {
    Guest.ExecResult text() {
      return new Guest.ExecResult(exitcode, new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
  }

  void start(Guest guest);

  void stop(Guest guest);

  /** Runs a command inside the guest (the agent's exec); the result is available at once. */
  Guest.ExecResult exec(Guest guest, List<String> command, String inputData);

  /** Null when the file does not exist. */
  byte[] readFile(Guest guest, String path);

  void writeFile(Guest guest, String path, byte[] content);

  /** name → [hwaddr, ipv4 CIDR, ipv6 CIDR] for each interface of a running guest, lo first. */
  Map<String, String[]> interfaces(Guest guest);

  // ---- added for real guests; defaults keep simulated guests as they were ----

  /** Like {@link #exec} with stdin and output as bytes and a deadline (the command is killed then). */
  default RawExec execRaw(Guest guest, List<String> command, byte[] stdin, Duration timeout) {
    Guest.ExecResult r = exec(guest, command, stdin == null ? null : new String(stdin, StandardCharsets.UTF_8));
    return new RawExec(r.exitcode(), r.out().getBytes(StandardCharsets.UTF_8), r.err().getBytes(StandardCharsets.UTF_8), false);
  }

  /** True when guests are real (slow, with real side effects on the host). */
  default boolean real() {
    return false;
  }

  /**
   * Makes the guest's inside: from a container template volume ({@code local:vztmpl/…}) or, with
   * {@code restore}, from a backup volume ({@code local:backup/…}) that {@link #backup} wrote.
   * Replaces an inside that exists already (restore with force). A new container gets its own
   * SSH host keys, and {@code sshPublicKeys} (may be null) in root's {@code authorized_keys}, as
   * PVE does.
   *
   * @return for each host key made, PVE's task log id of it: {@code SHA256:… root@hostname}
   */
  default List<String> create(Guest guest, String volid, boolean restore, String sshPublicKeys) {
    return List.of();
  }

  /** Removes the guest's inside: container, root filesystem, snapshots. Stops it first. */
  default void destroy(Guest guest) {}

  /** A clean shutdown; a hard stop when it does not finish in time. */
  default void shutdown(Guest guest, Duration timeout) {
    stop(guest);
  }

  default void reboot(Guest guest) {
    stop(guest);
    start(guest);
  }

  /** Keeps a copy of the guest's current disk state under the snapshot's name. */
  default void snapshot(Guest guest, String name) {}

  /** Puts the guest's disk state back to the snapshot's (the guest is stopped). */
  default void rollback(Guest guest, String name) {}

  default void deleteSnapshot(Guest guest, String name) {}

  /**
   * Writes a backup archive named {@code fileName} (compression from its extension) into the
   * dump directory; returns its size in bytes, or -1 when this backend keeps no real archives.
   */
  default long backup(Guest guest, String fileName) {
    return -1;
  }

  /**
   * A VM's disk grew to {@code bytes} (a resize task, before its config says so): a real backend
   * grows what backs the disk, and a running guest sees the new size at once.
   */
  default void diskResized(Guest guest, String key, long bytes) {}

  /** Removes a backup archive {@link #backup} wrote (its volume was deleted). */
  default void deleteBackup(String fileName) {}

  /** Where {@code local}'s backups are, as task logs show it. */
  default String dumpDir() {
    return "/var/lib/vz/dump";
  }

  /** The guest's real QEMU guest agent, or null when agent commands are emulated with exec/files. */
  default Qga agent(Guest guest) {
    return null;
  }

  // ---- for the node's CLI (pct push/pull in chunks, so big files never sit whole in memory) ----

  /** Appends to a file in the guest (creating it). The default reads, joins and rewrites. */
  default void appendFile(Guest guest, String path, byte[] content) {
    byte[] old = readFile(guest, path);
    if (old == null) {
      writeFile(guest, path, content);
      return;
    }
    byte[] joined = java.util.Arrays.copyOf(old, old.length + content.length);
    System.arraycopy(content, 0, joined, old.length, content.length);
    writeFile(guest, path, joined);
  }

  /** Up to {@code length} bytes from {@code offset}; null when the file does not exist. */
  default byte[] readFile(Guest guest, String path, long offset, int length) {
    byte[] all = readFile(guest, path);
    if (all == null) {
      return null;
    }
    int from = (int) Math.min(offset, all.length);
    return java.util.Arrays.copyOfRange(all, from, (int) Math.min(all.length, from + (long) length));
  }

  /** Stops every guest and removes what the backend created on the host. */
  @Override
  default void close() {}
}
