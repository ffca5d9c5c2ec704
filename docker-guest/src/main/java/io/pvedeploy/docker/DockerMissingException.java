package io.pvedeploy.docker;

/**
 * Docker's CLI, its daemon, or Compose (neither the v2 plugin {@code docker compose} nor v1's
 * {@code docker-compose}) is not there on the guest. The message says what is missing and how to
 * install or start it; {@link DockerEngine#setup(DaemonConfig)} installs it from the guest's own
 * distribution packages.
 */
public class DockerMissingException extends DockerGuestException {
  private static final long serialVersionUID = 1L;

  /** What is missing. */
  public enum Missing {
    DOCKER_CLI,
    DAEMON_NOT_RUNNING,
    COMPOSE
  }

  private final Missing missing;

  public DockerMissingException(Missing missing, String message, Throwable cause) {
    super(message, cause);
    this.missing = missing;
  }

  public Missing missing() {
    return missing;
  }
}
