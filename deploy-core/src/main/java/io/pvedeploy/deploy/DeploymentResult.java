package io.pvedeploy.deploy;

import io.pvedeploy.docker.ServiceState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What an apply did and where the app now runs.
 *
 * @param plan the plan that was applied
 * @param releaseId the release now current on the guest
 * @param services the services' states after the health gate
 * @param guestAddress the guest's IPv4 address, if known
 * @param took the whole apply
 */
public record DeploymentResult(Plan plan, String releaseId, List<ServiceState> services,
    Optional<String> guestAddress, Duration took) {
  public DeploymentResult {
    services = List.copyOf(services);
  }

  /** Whether the apply changed anything (false: the plan said {@code No changes.}). */
  public boolean changed() {
    return plan.hasChanges();
  }
}
