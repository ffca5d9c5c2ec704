package io.pvedeploy.sandbox.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs simulated worker tasks: each stays {@code running} for the task duration, then applies its
 * effect under the cluster lock. A task that needs the guest's config flock waits for it, and
 * fails with PVE's lock timeout text when it cannot get it in time.
 */
final class Tasks {
  private static final Logger LOG = LoggerFactory.getLogger(Tasks.class);

  private final Cluster cluster;
  private final ScheduledExecutorService scheduler;
  private final FaultInjector faults;
  private final Duration duration;
  /** Runs tasks' slow parts (real guests' work), so the scheduler thread never blocks on them. */
  private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "sandbox-task-worker");
    t.setDaemon(true);
    return t;
  });

  Tasks(Cluster cluster, ScheduledExecutorService scheduler, FaultInjector faults, Duration duration) {
    this.cluster = cluster;
    this.scheduler = scheduler;
    this.faults = faults;
    this.duration = duration;
  }

  /** Starts a task; call with the cluster lock held. */
  Task start(
      String node,
      String type,
      String id,
      String user,
      Guest flockGuest,
      Task.Work work,
      Task.OnFailure onFailure) {
    return start(node, type, id, user, flockGuest, null, work, onFailure);
  }

  /** Starts a task whose {@code slow} part runs first, outside the cluster lock. */
  Task start(
      String node,
      String type,
      String id,
      String user,
      Guest flockGuest,
      Task.Slow slow,
      Task.Work work,
      Task.OnFailure onFailure) {
    long now = Cluster.now();
    Upid upid = new Upid(node, cluster.nextPid++, cluster.pstartNow(), now, type, id, user);
    Task task = new Task(upid);
    task.work = work;
    task.slow = slow;
    task.onFailure = onFailure;
    task.flockGuest = flockGuest;
    cluster.tasks.put(task.upidText, task);
    if (flockGuest != null && flockGuest.flockOwner != null) {
      flockGuest.flockWaiters.add(task);
      task.pending =
          scheduler.schedule(
              () -> lockTimedOut(task), cluster.lockTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } else {
      run(task);
    }
    cluster.touch();
    return task;
  }

  private void run(Task task) {
    if (task.flockGuest != null) {
      task.flockGuest.flockOwner = task;
      task.holdsFlock = true;
    }
    long millis = faults.taskDuration(duration).toMillis();
    task.pending = scheduler.schedule(() -> complete(task), millis, TimeUnit.MILLISECONDS);
  }

  private void complete(Task task) {
    if (task.slow != null) {
      cluster.lock.lock();
      try {
        if (!task.running()) {
          return;
        }
        String injected = faults.taskFailure(task.upid.type());
        if (injected != null) {
          fail(task, injected);
          return;
        }
      } finally {
        cluster.lock.unlock();
      }
      workers.execute(() -> completeSlow(task));
      return;
    }
    cluster.lock.lock();
    try {
      if (!task.running()) {
        return;
      }
      String injected = faults.taskFailure(task.upid.type());
      if (injected != null) {
        fail(task, injected);
        return;
      }
      finish(task);
    } finally {
      cluster.lock.unlock();
    }
  }

  private void completeSlow(Task task) {
    Task.Slow slow = task.slow;
    task.slow = null;
    List<String> log = new ArrayList<>();
    Throwable error = null;
    try {
      slow.run(log);
    } catch (RuntimeException | Error e) {
      error = e; // an Error too: the task must end, or its flock is never released
    }
    cluster.lock.lock();
    try {
      task.log.addAll(log);
      if (!task.running()) {
        return;
      }
      if (error instanceof ApiException e) {
        fail(task, e.reasonPhrase());
      } else if (error != null) {
        LOG.warn("task {} failed", task.upidText, error);
        fail(task, String.valueOf(error.getMessage()));
      } else {
        finish(task);
      }
    } finally {
      cluster.lock.unlock();
    }
  }

  /** Runs the task's work and ends it; with the cluster lock held. */
  private void finish(Task task) {
    {
      try {
        task.work.finish(task);
      } catch (ApiException e) {
        fail(task, e.reasonPhrase());
        return;
      } catch (RuntimeException e) {
        LOG.warn("task {} crashed", task.upidText, e);
        fail(task, String.valueOf(e.getMessage()));
        return;
      }
      task.log.add("TASK OK");
      end(task, "OK");
    }
  }

  private void lockTimedOut(Task task) {
    cluster.lock.lock();
    try {
      if (task.running() && !task.holdsFlock && task.flockGuest.flockWaiters.remove(task)) {
        fail(task, "can't lock file '" + task.flockGuest.type.lockFile(task.flockGuest.vmid) + "' - got timeout");
      }
    } finally {
      cluster.lock.unlock();
    }
  }

  /** Stops a running task as {@code DELETE /nodes/{node}/tasks/{upid}} does. */
  void stop(Task task) {
    if (!task.running()) {
      return;
    }
    if (task.pending != null) {
      task.pending.cancel(false);
    }
    if (task.flockGuest != null) {
      task.flockGuest.flockWaiters.remove(task);
    }
    fail(task, "interrupted by signal");
  }

  private void fail(Task task, String error) {
    task.log.add("TASK ERROR: " + error);
    if (task.onFailure != null) {
      try {
        task.onFailure.failed(task, error);
      } catch (RuntimeException e) {
        LOG.warn("cleanup of failed task {} crashed", task.upidText, e);
      }
    }
    end(task, error);
  }

  private void end(Task task, String exitStatus) {
    task.status = "stopped";
    task.exitStatus = exitStatus;
    task.endtime = Cluster.now();
    Guest g = task.flockGuest;
    if (g != null && task.holdsFlock) {
      task.holdsFlock = false;
      g.flockOwner = null;
      Task next = g.flockWaiters.poll();
      if (next != null) {
        next.pending.cancel(false);
        run(next);
      }
    }
    cluster.touch();
  }
}
