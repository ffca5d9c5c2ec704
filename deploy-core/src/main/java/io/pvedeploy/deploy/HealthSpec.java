package io.pvedeploy.deploy;

import java.time.Duration;

/**
 * When a release counts as failed.
 *
 * @param deadline how long every service has to become healthy (or, without a health check, keep
 *     running) before the release is rolled back; 5 seconds to 24 hours, whole seconds
 */
public record HealthSpec(Duration deadline) {
  public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(3);

  /** A 3 minute deadline. */
  public static HealthSpec defaults() {
    return new HealthSpec(DEFAULT_DEADLINE);
  }

  public static HealthSpec deadline(Duration deadline) {
    return new HealthSpec(deadline);
  }
}
