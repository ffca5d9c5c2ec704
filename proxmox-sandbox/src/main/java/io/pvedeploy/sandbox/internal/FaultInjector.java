package io.pvedeploy.sandbox.internal;

import io.pvedeploy.sandbox.Faults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/** Fault injection state; every method is thread-safe. */
final class FaultInjector implements Faults {
  private record FailRule(int[] remaining, String method, Pattern path, int status, String message) {}

  private record TaskRule(Pattern type, String exitStatus) {}

  private final List<FailRule> failRules = new ArrayList<>();
  private final List<TaskRule> taskRules = new ArrayList<>();
  private Duration slowTasks;
  private int notYetVisible;

  @Override
  public synchronized Faults failNext(
      int count, String method, String pathRegex, int status, String message) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be >= 1, got " + count);
    }
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be an HTTP status, got " + status);
    }
    Objects.requireNonNull(pathRegex, "pathRegex");
    Objects.requireNonNull(message, "message");
    failRules.add(
        new FailRule(
            new int[] {count},
            method == null ? null : method.toUpperCase(java.util.Locale.ROOT),
            Pattern.compile(pathRegex),
            status,
            message));
    return this;
  }

  @Override
  public synchronized Faults slowTasks(Duration duration) {
    if (duration != null && duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative: " + duration);
    }
    slowTasks = duration;
    return this;
  }

  @Override
  public synchronized Faults failTasks(String typeRegex, String exitStatus) {
    Objects.requireNonNull(typeRegex, "typeRegex");
    if (exitStatus == null || exitStatus.isBlank() || exitStatus.equals("OK")) {
      throw new IllegalArgumentException("exitStatus must be an error text, got " + exitStatus);
    }
    taskRules.add(new TaskRule(Pattern.compile(typeRegex), exitStatus));
    return this;
  }

  @Override
  public synchronized Faults taskNotYetVisible(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, got " + count);
    }
    notYetVisible = count;
    return this;
  }

  @Override
  public synchronized void clear() {
    failRules.clear();
    taskRules.clear();
    slowTasks = null;
    notYetVisible = 0;
  }

  /** The injected failure for this request, consuming one use of the rule; null if none. */
  synchronized ApiException requestFault(String method, String relPath) {
    for (Iterator<FailRule> it = failRules.iterator(); it.hasNext(); ) {
      FailRule r = it.next();
      if ((r.method() == null || r.method().equals(method)) && r.path().matcher(relPath).find()) {
        if (--r.remaining()[0] <= 0) {
          it.remove();
        }
        String text = r.message().endsWith("\n") ? r.message() : r.message() + "\n";
        return new ApiException(r.status(), text, null);
      }
    }
    return null;
  }

  synchronized Duration taskDuration(Duration normal) {
    return slowTasks != null ? slowTasks : normal;
  }

  /** The exit status a task of this type must end with, or null to run normally. */
  synchronized String taskFailure(String type) {
    for (TaskRule r : taskRules) {
      if (r.type().matcher(type).matches()) {
        return r.exitStatus();
      }
    }
    return null;
  }

  synchronized boolean hideTaskStatus() {
    if (notYetVisible > 0) {
      notYetVisible--;
      return true;
    }
    return false;
  }
}
