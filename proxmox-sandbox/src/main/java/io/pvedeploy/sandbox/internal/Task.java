package io.pvedeploy.sandbox.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

/** A worker task, as {@code /nodes/{node}/tasks} shows it. Mutated only under the cluster lock. */
final class Task {
  /** What happens when the task's time is up; throwing ApiException fails the task. */
  @FunctionalInterface
  interface Work {
    void finish(Task task);
  }

  /**
   * The slow part of a task (a real guest backend's work), run before {@link Work} on a worker
   * thread without the cluster lock; it logs into {@code log} and throws ApiException to fail.
   * It may take the cluster lock itself for short state changes.
   */
  @FunctionalInterface
  interface Slow {
    void run(List<String> log);
  }

  /** Cleanup when the task fails (fault, error, stop): e.g. drop a half-created guest. */
  @FunctionalInterface
  interface OnFailure {
    void failed(Task task, String error);
  }

  final Upid upid;
  final String upidText;
  final List<String> log = new ArrayList<>();
  String status = "running";
  String exitStatus;
  long endtime;
  Work work;
  Slow slow;
  OnFailure onFailure;
  /** The guest whose config flock this task holds while it runs (lock_config). */
  Guest flockGuest;
  boolean holdsFlock;
  ScheduledFuture<?> pending;

  Task(Upid upid) {
    this.upid = upid;
    this.upidText = upid.toString();
  }

  boolean running() {
    return status.equals("running");
  }

  boolean failed() {
    return !running() && !"OK".equals(exitStatus) && !exitStatus.startsWith("WARNINGS");
  }
}
