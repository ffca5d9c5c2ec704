package io.pvedeploy.docker;

import java.util.List;

/**
 * What {@link DockerEngine#setup(DaemonConfig)} did.
 *
 * @param installedPackages the distribution packages it installed (empty when all was there)
 * @param daemonConfigChanged whether {@code /etc/docker/daemon.json} was (re)written
 * @param daemonRestarted whether the daemon was restarted (or started)
 * @param info the engine as it is afterwards
 * @param preflight the preflight findings (warnings only: errors stop setup)
 */
public record SetupResult(
    List<String> installedPackages,
    boolean daemonConfigChanged,
    boolean daemonRestarted,
    EngineInfo info,
    PreflightReport preflight) {

  public SetupResult {
    installedPackages = List.copyOf(installedPackages);
  }

  /** Whether setup changed nothing on the guest. */
  public boolean unchanged() {
    return installedPackages.isEmpty() && !daemonConfigChanged && !daemonRestarted;
  }
}
