package io.pvedeploy.sandbox.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sandbox restarted from its state directory is a PVE node that was shut down and booted again.
 * On shutdown pve-guests stops every guest (the real backend does stop every container on close,
 * and a killed sandbox leaves nothing running either), so the saved {@code running} flags are
 * stale. On boot pve-guests runs {@code startall}: guests with {@code onboot: 1} start in
 * {@code startup: order=N} order, ascending, those without an order last, ties by vmid; a guest
 * that fails to start is warned about and the rest still start.
 */
final class NodeBoot {
  private static final Logger LOG = LoggerFactory.getLogger(NodeBoot.class);
  private static final String USER = "root@pam";
  /** pve_parse_startup_order: comma-separated {@code [order=]N}, {@code up=N}, {@code down=N}. */
  private static final Pattern ORDER = Pattern.compile("(?:order=)?(\\d+)");
  private static final Pattern UP_DOWN = Pattern.compile("(?:up|down)=\\d+");

  private NodeBoot() {}

  /**
   * Marks every guest stopped, then starts the onboot ones node by node, each node's under one
   * {@code startall} task with a {@code vzstart}/{@code qmstart} task per guest, as PVE logs them.
   * Runs before the API serves, so nothing else touches the cluster yet; the starts run outside
   * the cluster lock, as a task's slow part does (a real start takes seconds).
   */
  static void boot(Cluster cluster, GuestBackend backend) {
    cluster.lock.lock();
    try {
      for (Guest g : cluster.guests.values()) {
        g.running = false;
        g.startedAt = 0;
      }
      cluster.touch();
    } finally {
      cluster.lock.unlock();
    }
    for (String node : cluster.nodes) {
      List<Guest> list = startList(cluster.guests.values(), node);
      if (!list.isEmpty()) {
        startAll(cluster, backend, node, list);
      }
    }
  }

  /** The node's guests with {@code onboot: 1}, in the order startall starts them. */
  static List<Guest> startList(Collection<Guest> guests, String node) {
    List<Guest> res = new ArrayList<>();
    for (Guest g : guests) {
      if (g.node.equals(node) && "1".equals(g.config.get("onboot"))) {
        res.add(g);
      }
    }
    res.sort(Comparator.comparingLong((Guest g) -> order(g.config.get("startup"))).thenComparingInt(g -> g.vmid));
    return res;
  }

  /** The {@code order} of a {@code startup} value; Long.MAX_VALUE when it has none (PVE: LONG_MAX). */
  static long order(String startup) {
    long order = Long.MAX_VALUE;
    if (startup == null) {
      return order;
    }
    for (String part : startup.split(",")) {
      Matcher m = ORDER.matcher(part.trim());
      if (m.matches()) {
        try {
          order = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
          order = Long.MAX_VALUE; // absurdly long: as good as none
        }
      } else if (!part.isBlank() && !UP_DOWN.matcher(part.trim()).matches()) {
        return Long.MAX_VALUE; // unparsable: PVE's parser gives up on the whole value
      }
    }
    return order;
  }

  private static void startAll(Cluster cluster, GuestBackend backend, String node, List<Guest> list) {
    Task all = open(cluster, node, "startall", "");
    int warnings = 0;
    for (Guest g : list) {
      String what = g.type.word + " " + g.vmid;
      log(cluster, all, "Starting " + what);
      Task one = open(cluster, node, g.type.taskPrefix + "start", String.valueOf(g.vmid));
      String error = start(cluster, backend, g);
      cluster.lock.lock();
      try {
        if (error == null) {
          close(cluster, one, "OK");
          LOG.info("node {} booted: started {} (onboot)", node, what);
        } else {
          // A failed start must not leave a half-started guest reported as running.
          g.running = false;
          g.startedAt = 0;
          close(cluster, one, error);
          all.log.add("Starting " + what + " failed: " + error);
          warnings++;
          LOG.warn("node {} booted: starting {} (onboot) failed: {}", node, what, error);
        }
      } finally {
        cluster.lock.unlock();
      }
    }
    cluster.lock.lock();
    try {
      // PVE's worker ends with "WARNINGS: n" after warn()s: done, but not cleanly.
      close(cluster, all, warnings == 0 ? "OK" : "WARNINGS: " + warnings);
    } finally {
      cluster.lock.unlock();
    }
  }

  /** Starts one guest with the checks the start endpoint makes; the error text, or null. */
  private static String start(Cluster cluster, GuestBackend backend, Guest g) {
    cluster.lock.lock();
    try {
      Cluster.checkLock(g);
      if (g.isTemplate()) {
        throw ApiException.fail(g.type == GuestType.LXC ? "cannot start a template" : "you can't start a vm if it's a template");
      }
    } catch (ApiException e) {
      return e.reasonPhrase();
    } finally {
      cluster.lock.unlock();
    }
    try {
      backend.start(g);
      return null;
    } catch (RuntimeException e) {
      // A start can fail half-way (the container runs, its network never came up): stop it, so
      // that "stopped" is the truth and a later start begins clean.
      try {
        backend.stop(g);
      } catch (RuntimeException stopFailed) {
        e.addSuppressed(stopFailed);
      }
      if (e instanceof ApiException api) {
        return api.reasonPhrase();
      }
      LOG.warn("starting {} {} on boot crashed", g.type.word, g.vmid, e);
      return String.valueOf(e.getMessage());
    }
  }

  private static Task open(Cluster cluster, String node, String type, String id) {
    cluster.lock.lock();
    try {
      Task t = new Task(new Upid(node, cluster.nextPid++, cluster.pstartNow(), Cluster.now(), type, id, USER));
      cluster.tasks.put(t.upidText, t);
      cluster.touch();
      return t;
    } finally {
      cluster.lock.unlock();
    }
  }

  private static void log(Cluster cluster, Task t, String line) {
    cluster.lock.lock();
    try {
      t.log.add(line);
    } finally {
      cluster.lock.unlock();
    }
  }

  /** Ends a task with its last log line as PVE writes it; with the cluster lock held. */
  private static void close(Cluster cluster, Task t, String exitStatus) {
    t.log.add(exitStatus.equals("OK") ? "TASK OK"
        : exitStatus.startsWith("WARNINGS: ") ? "TASK " + exitStatus : "TASK ERROR: " + exitStatus);
    t.status = "stopped";
    t.exitStatus = exitStatus;
    t.endtime = Cluster.now();
    cluster.touch();
  }
}
