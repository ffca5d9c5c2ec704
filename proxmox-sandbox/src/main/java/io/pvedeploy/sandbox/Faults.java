package io.pvedeploy.sandbox;

import java.time.Duration;

/**
 * Fault injection for a running {@link Sandbox}. Every method takes effect at once and returns
 * this object for chaining. Standalone, the same is reachable through
 * {@code POST /api2/json/sandbox/faults} (see {@link SandboxMain}).
 */
public interface Faults {
  /**
   * Fails the next {@code count} API calls whose method (null = any) and path relative to
   * {@code /api2/json} (e.g. {@code /nodes/pve1/lxc}; {@code Matcher.find} semantics) match, with
   * the given status and PVE-style message (reason phrase and body {@code message}).
   */
  Faults failNext(int count, String method, String pathRegex, int status, String message);

  /** Every task started from now on stays {@code running} this long; null restores the default. */
  Faults slowTasks(Duration duration);

  /**
   * Tasks whose type fully matches {@code typeRegex} (e.g. {@code vzstart}, {@code qm.*}) end
   * with this exit status instead of {@code OK} and without their effect, until {@link #clear()}.
   */
  Faults failTasks(String typeRegex, String exitStatus);

  /**
   * The next {@code count} task status lookups answer {@code 400} with {@code errors.upid = "no
   * such task"}, as a PVE node does right after a worker starts.
   */
  Faults taskNotYetVisible(int count);

  /** Removes every injected fault. */
  void clear();
}
