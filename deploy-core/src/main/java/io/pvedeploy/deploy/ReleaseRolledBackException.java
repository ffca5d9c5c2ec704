package io.pvedeploy.deploy;

import io.pvedeploy.docker.ServicesUnhealthyException;
import java.util.List;

/**
 * A new release failed its health gate and the applier brought the previous release back up,
 * healthy: the app runs as it did before the apply. The failed release stays on the guest (its
 * directory, for inspection) and {@code deployed.json} still names the previous one, so the next
 * plan proposes the new release again. Fix what {@link #problems()} names and apply again.
 */
public final class ReleaseRolledBackException extends DeployException {
  private static final long serialVersionUID = 1L;

  private final String app;
  private final String failedRelease;
  private final String restoredRelease;
  private final transient List<ServicesUnhealthyException.Problem> problems;

  public ReleaseRolledBackException(String app, String failedRelease, String restoredRelease,
      List<ServicesUnhealthyException.Problem> problems, Throwable cause) {
    super("release " + failedRelease + " of " + app + " failed its health gate, so release " + restoredRelease
        + " was brought back up and is healthy again: " + (cause == null ? "" : cause.getMessage())
        + ". The failed release stays on the guest for inspection; fix it and apply again", cause);
    this.app = app;
    this.failedRelease = failedRelease;
    this.restoredRelease = restoredRelease;
    this.problems = List.copyOf(problems);
  }

  public String app() {
    return app;
  }

  /** The release that was brought up and failed. */
  public String failedRelease() {
    return failedRelease;
  }

  /** The release running again: the last one an apply completed. */
  public String restoredRelease() {
    return restoredRelease;
  }

  /** The services of the failed release that were not ready, with health output and log tails. */
  public List<ServicesUnhealthyException.Problem> problems() {
    return problems;
  }
}
