package io.pvedeploy.deploy;

import io.pvedeploy.docker.ServiceState;
import io.pvedeploy.docker.TransferEvent;
import java.time.Duration;
import java.util.List;

/**
 * What an applier reports while it carries out a {@link Plan}, in order: each step starts, may
 * report progress, and finishes or fails; images report their transfer; health is checked last.
 * Listeners run on the applying thread and should return quickly.
 */
public sealed interface ApplyEvent {

  /** Step {@code index} (1-based) of {@code total} begins. */
  record StepStarted(PlanStep step, int index, int total) implements ApplyEvent {}

  /** Something a long step wants shown ("installing docker.io", "waiting for the agent"). */
  record StepProgress(PlanStep step, String message) implements ApplyEvent {}

  /** An image's transfer to the guest moved on; bytes shipped are in the event. */
  record ImageProgress(PlanStep step, String image, TransferEvent transfer) implements ApplyEvent {}

  /** A step is done. */
  record StepFinished(PlanStep step, Duration took) implements ApplyEvent {}

  /** A step failed; no later step runs. The exception is the one the apply throws. */
  record StepFailed(PlanStep step, Exception failure) implements ApplyEvent {}

  /**
   * The release {@code failedRelease} did not pass its health gate ({@code reason}); the applier
   * brings {@code previousRelease}, the last one an apply completed, back up. A {@link StepFailed}
   * with a {@link ReleaseRolledBackException} follows when that worked.
   */
  record RollingBack(PlanStep step, String failedRelease, String previousRelease, String reason)
      implements ApplyEvent {}

  /** The services' states when the health gate passed. */
  record Healthy(List<ServiceState> services) implements ApplyEvent {
    public Healthy {
      services = List.copyOf(services);
    }
  }
}
