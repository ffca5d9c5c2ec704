package io.pvedeploy.deploy;

import java.time.Duration;
import java.time.Instant;

/**
 * Who holds an app's deploy lock on its guest, as Kamal shows it: an apply in progress, or an
 * operator who took it ({@link Deployer#lock}) to keep deploys out during maintenance.
 *
 * @param holder who took it: {@code user@host} and the process id
 * @param since when
 * @param message why ("apply of demo: 3 steps", "db migration, back at 14:00")
 */
public record LockHolder(String holder, Instant since, String message) {

  /** One line for people: who, since when and how long ago, and why. */
  public String describe(Instant now) {
    Duration age = Duration.between(since, now);
    String ago = age.isNegative() ? "just now"
        : age.toMinutes() < 1 ? age.toSeconds() + " s ago"
        : age.toHours() < 1 ? age.toMinutes() + " min ago"
        : age.toHours() + " h " + age.toMinutesPart() + " min ago";
    return holder + " since " + since + " (" + ago + "): " + message;
  }
}
