package io.pvedeploy.deploy;

import io.pvedeploy.docker.DaemonConfig;

/**
 * Docker inside the guest.
 *
 * @param daemon the guest's {@code /etc/docker/daemon.json}; {@link DaemonConfig#defaults()}
 *     (logs rotated at 10 MB × 3, live-restore) unless the spec says otherwise
 */
public record DockerSpec(DaemonConfig daemon) {

  public static DockerSpec defaults() {
    return new DockerSpec(DaemonConfig.defaults());
  }

  public static DockerSpec of(DaemonConfig daemon) {
    return new DockerSpec(daemon);
  }
}
