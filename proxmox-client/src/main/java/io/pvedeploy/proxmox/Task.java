package io.pvedeploy.proxmox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A running or finished PVE task, the answer of every call that starts work on a node. Wait for
 * it with {@link #await(Duration)}; the handle is cheap and can be rebuilt from its UPID.
 */
public final class Task {
  /** How many log lines a failure or warning result carries. */
  static final int LOG_TAIL_LINES = 20;

  /**
   * Right after a worker starts, a node can answer "no such task" for its status for a short
   * while (the task index is written asynchronously). Within this grace period that answer
   * means "not yet", not "never".
   */
  static final Duration NOT_YET_VISIBLE_GRACE = Duration.ofSeconds(10);

  private static final Duration FIRST_POLL = Duration.ofMillis(100);
  private static final Duration MAX_POLL = Duration.ofSeconds(2);
  private static final Pattern WARNINGS = Pattern.compile("WARNINGS: (\\d+)");

  private final ProxmoxClient client;
  private final Upid upid;

  Task(ProxmoxClient client, Upid upid) {
    this.client = client;
    this.upid = upid;
  }

  public Upid upid() {
    return upid;
  }

  private String base() {
    return Transport.path("nodes", upid.node(), "tasks", upid.toString());
  }

  /** {@code GET …/tasks/{upid}/status}. */
  public TaskStatus status() throws ProxmoxException {
    return TaskStatus.from(upid, Json.object(client.transport().get(base() + "/status", Params.of()), "task status"));
  }

  /** One page of the log: lines {@code start} to {@code start + limit - 1}. */
  public TaskLog log(int start, int limit) throws ProxmoxException {
    if (start < 0 || limit < 1) {
      throw new IllegalArgumentException("log page needs start >= 0 and limit >= 1, got " + start + ", " + limit);
    }
    Transport.Answer answer = client.transport().call("GET", base() + "/log",
        Params.of().put("start", start).put("limit", limit));
    List<String> lines = new ArrayList<>();
    for (Map<String, Object> line : Json.objects(answer.data(), "task log")) {
      lines.add(Json.string(line, "t", ""));
    }
    int total = (int) Json.longValue(answer.envelope(), "total", start + lines.size());
    return new TaskLog(lines, start, total);
  }

  /** The whole log, page by page. */
  public List<String> fullLog() throws ProxmoxException {
    List<String> all = new ArrayList<>();
    TaskLog page;
    do {
      page = log(all.size(), 500);
      all.addAll(page.lines());
    } while (page.hasMore() && !page.lines().isEmpty());
    return all;
  }

  /** The last {@code n} lines of the log. */
  public List<String> logTail(int n) throws ProxmoxException {
    TaskLog first = log(0, n);
    if (!first.hasMore()) {
      return first.lines();
    }
    return log(Math.max(0, first.total() - n), n).lines();
  }

  /** {@code DELETE …/tasks/{upid}}: asks the node to stop a running task. */
  public void stop() throws ProxmoxException {
    client.transport().delete(base(), Params.of());
  }

  /**
   * Waits until the task ends, polling with growing intervals (100 ms up to 2 s), and returns how
   * it ended. Use {@link TaskResult#orThrow()} to turn a failure into an exception.
   *
   * @throws TaskTimeoutException if it is still running after {@code timeout}; it goes on running
   */
  public TaskResult await(Duration timeout) throws ProxmoxException {
    checkTimeout(timeout);
    long deadline = System.nanoTime() + timeout.toNanos();
    long started = System.nanoTime();
    Duration poll = FIRST_POLL;
    while (true) {
      TaskStatus status = statusTolerant(started);
      if (status != null && !status.running()) {
        return result(status);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw timeout(timeout);
      }
      try {
        Thread.sleep(Math.min(poll.toMillis(), TimeUnit.NANOSECONDS.toMillis(left) + 1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ProxmoxException("interrupted while waiting for task " + upid, e);
      }
      poll = next(poll);
    }
  }

  /** Awaits and throws {@link TaskFailedException} unless the task ended OK or with warnings. */
  public TaskResult awaitSuccess(Duration timeout) throws ProxmoxException {
    return await(timeout).orThrow();
  }

  /**
   * As {@link #await(Duration)}, without holding a thread while waiting: polls run on the client's
   * scheduler, so thousands of tasks can be awaited at once.
   */
  public CompletableFuture<TaskResult> awaitAsync(Duration timeout) {
    checkTimeout(timeout);
    CompletableFuture<TaskResult> future = new CompletableFuture<>();
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    pollLater(future, Duration.ZERO, FIRST_POLL, started, deadline, timeout);
    return future;
  }

  private void pollLater(CompletableFuture<TaskResult> future, Duration delay, Duration nextPoll,
      long started, long deadline, Duration timeout) {
    client.scheduler().schedule(() -> {
      if (future.isDone()) {
        return;
      }
      // The poll itself is a blocking HTTP call; run it off the scheduler thread.
      client.async(c -> statusTolerant(started)).whenComplete((status, error) -> {
        if (error != null) {
          future.completeExceptionally(error.getCause() != null ? error.getCause() : error);
        } else if (status != null && !status.running()) {
          try {
            future.complete(result(status));
          } catch (ProxmoxException e) {
            future.completeExceptionally(e);
          }
        } else if (System.nanoTime() >= deadline) {
          future.completeExceptionally(timeout(timeout));
        } else {
          pollLater(future, nextPoll, next(nextPoll), started, deadline, timeout);
        }
      });
    }, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static Duration next(Duration poll) {
    Duration grown = poll.multipliedBy(3).dividedBy(2);
    return grown.compareTo(MAX_POLL) > 0 ? MAX_POLL : grown;
  }

  private static void checkTimeout(Duration timeout) {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be a positive duration, got " + timeout);
    }
  }

  /** The status, or null while the node still says it has no such task (within the grace). */
  private TaskStatus statusTolerant(long startedNanos) throws ProxmoxException {
    try {
      return status();
    } catch (ProxmoxException e) {
      boolean noSuchTask = e.pveMessage().map(m -> m.contains("no such task")).orElse(false);
      boolean withinGrace = System.nanoTime() - startedNanos < NOT_YET_VISIBLE_GRACE.toNanos();
      if (noSuchTask && withinGrace) {
        return null;
      }
      throw e;
    }
  }

  private TaskResult result(TaskStatus status) throws ProxmoxException {
    String exit = status.exitStatus().orElse("");
    if (exit.equals("OK")) {
      return new TaskResult.Ok(upid);
    }
    Matcher warnings = WARNINGS.matcher(exit);
    if (warnings.matches()) {
      return new TaskResult.Warnings(upid, Integer.parseInt(warnings.group(1)), logTail(LOG_TAIL_LINES));
    }
    return new TaskResult.Failed(upid, exit.isEmpty() ? "unknown error (no exit status)" : exit,
        logTail(LOG_TAIL_LINES));
  }

  private TaskTimeoutException timeout(Duration timeout) {
    return new TaskTimeoutException(
        "task " + upid.type() + " " + upid.id() + " on " + upid.node() + " is still running after "
            + timeout + "; it goes on on the node. Await it again, or stop it (task.stop()). ("
            + upid + ")",
        upid, timeout);
  }

  @Override
  public String toString() {
    return "Task[" + upid + "]";
  }
}
