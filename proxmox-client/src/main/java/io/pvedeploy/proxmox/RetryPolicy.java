package io.pvedeploy.proxmox;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently the client retries a request that failed in a retryable way (see
 * {@link ProxmoxException#isRetryable()}).
 *
 * <p>Reads are retried on any retryable failure. Writes are retried only when PVE refused them
 * because of a lock ({@link GuestLockedException}, {@link LockTimeoutException}), which PVE
 * checks before it changes anything, so a retried create can never create twice. Delays grow
 * exponentially with full jitter, so many clients waiting on one lock do not retry in step.
 *
 * @param maxAttempts total attempts including the first; 1 means no retry
 * @param initialDelay the upper bound of the first delay
 * @param maxDelay the cap on any one delay
 */
public record RetryPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay) {

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }
    if (initialDelay == null || initialDelay.isNegative() || maxDelay == null
        || maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException(
          "delays must satisfy 0 <= initialDelay <= maxDelay, got " + initialDelay + ", " + maxDelay);
    }
  }

  /** Five attempts, delays from up to 250 ms growing to at most 4 s: about 10 s in the worst case. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(5, Duration.ofMillis(250), Duration.ofSeconds(4));
  }

  /** One attempt: every failure reaches the caller at once. */
  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
  }

  /** The delay before attempt {@code attempt + 1}, for {@code attempt >= 1}: full jitter. */
  Duration delayAfter(int attempt) {
    long base = initialDelay.toMillis();
    long cap = maxDelay.toMillis();
    long ceiling = Math.min(cap, base << Math.min(attempt - 1, 20));
    return Duration.ofMillis(ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1));
  }
}
