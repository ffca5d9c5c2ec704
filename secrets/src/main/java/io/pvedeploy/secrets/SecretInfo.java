package io.pvedeploy.secrets;

import java.time.Duration;
import java.time.Instant;

/**
 * What the store knows about a secret without decrypting it.
 *
 * @param name the secret's name
 * @param version 1 when created, one more at every put or rotation
 * @param created when the first value was stored
 * @param rotated when the current value was stored (equal to {@code created} until it changes)
 * @param rotationPending whether a rotation awaits {@link SecretStore#confirmRotation}
 */
public record SecretInfo(String name, int version, Instant created, Instant rotated, boolean rotationPending) {

  /** How long the current value has been in use at {@code now}. */
  public Duration age(Instant now) {
    return Duration.between(rotated, now);
  }
}
