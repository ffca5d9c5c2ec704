package io.pvedeploy.docker;

import java.util.Optional;

/**
 * One container of a Compose service, as {@code docker inspect} sees it.
 *
 * @param service the Compose service name
 * @param containerName e.g. {@code shop_web_1} (v1) or {@code shop-web-1} (v2)
 * @param containerId the full container id
 * @param status Docker's state: {@code running}, {@code exited}, {@code restarting}, {@code created}, …
 * @param running whether the container is running
 * @param health the health-check status, {@link Health#NONE} without a health check
 * @param exitCode the last exit code (0 while it runs)
 * @param imageId the id of the image the container runs ({@code sha256:…})
 * @param image the image reference the container was created from
 * @param release the {@code io.pvedeploy.release} label: the release that created it
 * @param lastHealthOutput the output of the latest health check, if there was one
 */
public record ServiceState(
    String service,
    String containerName,
    String containerId,
    String status,
    boolean running,
    Health health,
    int exitCode,
    String imageId,
    String image,
    Optional<String> release,
    Optional<String> lastHealthOutput) {

  /** A container's health-check status. */
  public enum Health {
    HEALTHY, UNHEALTHY, STARTING, NONE;

    static Health parse(String status) {
      if (status == null) {
        return NONE;
      }
      return switch (status) {
        case "healthy" -> HEALTHY;
        case "unhealthy" -> UNHEALTHY;
        case "starting" -> STARTING;
        default -> NONE;
      };
    }
  }

  /** Whether this container counts as up: healthy if it has a health check, else running. */
  public boolean ready() {
    return running && (health == Health.HEALTHY || health == Health.NONE);
  }
}
