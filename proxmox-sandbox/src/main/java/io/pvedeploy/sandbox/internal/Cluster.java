package io.pvedeploy.sandbox.internal;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The whole simulated cluster's state under one lock: nodes, guests, storage content, tasks.
 * Simple and safe; the only slow reader, /cluster/resources, is served from a cache keyed by
 * {@link #generation}.
 */
final class Cluster {
  static final String TEMPLATE_VOLID = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";
  static final String ISO_VOLID = "local:iso/debian-12.8.0-amd64-netinst.iso";

  final ReentrantLock lock = new ReentrantLock();
  final Condition changed = lock.newCondition();
  final List<String> nodes;
  final long bootTime;
  final TreeMap<Integer, Guest> guests = new TreeMap<>();
  /** Per node: file volumes on {@code local} (templates, ISOs, backups). */
  final Map<String, List<Volumes.Volume>> volumes = new LinkedHashMap<>();
  final LinkedHashMap<String, Task> tasks = new LinkedHashMap<>();
  final Duration lockTimeout;
  final SecureRandom random = new SecureRandom();
  long nextPid;
  private volatile long generation;
  private final Runnable onChange;
  /** The node shell's /etc/pve stand-in while the node shell is on, else null; under the lock. */
  private EtcPve etcPve;

  Cluster(List<String> nodes, long bootTime, Duration lockTimeout, Runnable onChange) {
    this.nodes = List.copyOf(nodes);
    this.bootTime = bootTime;
    this.lockTimeout = lockTimeout;
    this.onChange = onChange;
    this.nextPid = 10_000 + random.nextInt(50_000);
    for (String n : nodes) {
      volumes.put(n, new ArrayList<>());
    }
  }

  static long now() {
    return System.currentTimeMillis() / 1000;
  }

  long generation() {
    return generation;
  }

  /**
   * Call after every mutation (under the lock): invalidates caches, writes the changed guests'
   * files into the /etc/pve stand-in, schedules persistence.
   */
  void touch() {
    generation++;
    changed.signalAll();
    if (etcPve != null) {
      etcPve.sync(guests);
    }
    onChange.run();
  }

  /** Starts keeping the node shell's /etc/pve stand-in (null: stops); under the lock. */
  void attach(EtcPve files) {
    etcPve = files;
    if (files != null) {
      files.sync(guests);
    }
  }

  /**
   * Takes back an edit of the guest's config file made through the node shell, as PVE reads its
   * config file on every call: one stat when nothing changed. Under the lock.
   */
  void takeBack(Guest g) {
    if (etcPve != null && etcPve.takeBack(g)) {
      touch();
    }
  }

  void seedNode(String node) {
    List<Volumes.Volume> list = volumes.get(node);
    long ctime = bootTime - 86_400 * 30;
    list.add(new Volumes.Volume(TEMPLATE_VOLID, "vztmpl", "tzst", 129_654_231L, ctime, null, null, null));
    list.add(new Volumes.Volume(ISO_VOLID, "iso", "iso", 661_651_456L, ctime, null, null, null));
  }

  /** PVE's unknown-node failure: the proxy cannot resolve the node name. */
  void checkNode(String node) {
    if (!nodes.contains(node)) {
      throw ApiException.fail(
          "hostname lookup '" + node + "' failed - failed to get address info for: " + node
              + ": Name or service not known");
    }
  }

  /**
   * Loads a guest the way PVE loads its config file (with an edit made through the node shell);
   * a missing file is a 500.
   */
  Guest guest(String node, GuestType type, int vmid) {
    Guest g = guests.get(vmid);
    if (g == null || g.type != type || !g.node.equals(node)) {
      throw ApiException.fail(
          "Configuration file 'nodes/" + node + "/" + type.confDir + "/" + vmid + ".conf' does not exist");
    }
    takeBack(g);
    return g;
  }

  /** PVE's check_vmid_unused. */
  void checkVmidUnused(int vmid) {
    Guest g = guests.get(vmid);
    if (g != null) {
      throw ApiException.fail(g.type.word + " " + vmid + " already exists on node '" + g.node + "'");
    }
  }

  /** PVE's check_lock: a config with a {@code lock} property refuses changes. */
  static void checkLock(Guest g) {
    if (g.lock() != null) {
      throw ApiException.fail(g.type.word + " is locked (" + g.lock() + ")");
    }
  }

  /**
   * Waits (releasing the state lock) until no task holds the guest's config flock, like
   * lock_config's flock with a timeout; fails with PVE's "can't lock file" text.
   */
  void awaitFlock(Guest g) {
    long deadline = System.nanoTime() + lockTimeout.toNanos();
    while (g.flockOwner != null) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw ApiException.fail("can't lock file '" + g.type.lockFile(g.vmid) + "' - got timeout");
      }
      try {
        changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ApiException.fail("interrupted while waiting for config lock");
      }
    }
  }

  int nextFreeVmid(int from) {
    int id = Math.max(100, from);
    while (guests.containsKey(id)) {
      id++;
    }
    return id;
  }

  /** A MAC with Proxmox's registered prefix BC:24:11, as PVE generates for new NICs. */
  String newMac() {
    return String.format(
        "BC:24:11:%02X:%02X:%02X", random.nextInt(256), random.nextInt(256), random.nextInt(256));
  }

  long pstartNow() {
    return Math.max(1, (System.currentTimeMillis() / 10) - bootTime * 100);
  }

  List<Volumes.Volume> volumes(String node) {
    return volumes.get(node);
  }
}
