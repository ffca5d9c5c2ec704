package io.pvedeploy.docker;

import java.util.Optional;

/**
 * What a guest has of Docker, and what it is: versions, storage driver, cgroup version, whether
 * it is a container (and an unprivileged one), whether it is a Proxmox VE host.
 *
 * @param clientVersion the docker CLI's version, empty if there is no {@code docker}
 * @param serverVersion the daemon's version, empty if it does not answer
 * @param compose the Compose to use (the v2 plugin if present, else {@code docker-compose})
 * @param storageDriver the daemon's storage driver ({@code overlay2}, {@code vfs}, …)
 * @param loggingDriver the daemon's default logging driver
 * @param cgroupVersion 1 or 2 (from {@code /sys/fs/cgroup}'s file system type); 0 if unknown
 * @param cgroupDriver the daemon's cgroup driver ({@code cgroupfs}, {@code systemd})
 * @param container what kind of container the guest is, {@link ContainerKind#NONE} for a VM or
 *     bare metal
 * @param userNamespace whether the guest runs in a user namespace with a shifted uid map (an
 *     unprivileged container)
 * @param runcVersion runc's version ({@code runc --version}), empty if absent
 * @param containerdVersion containerd's version, or the {@code containerd.io} package's
 * @param proxmoxHost whether {@code pve-manager} is installed: the shell reaches a PVE host
 * @param initSystem how services are started on the guest
 */
public record EngineInfo(
    Optional<String> clientVersion,
    Optional<String> serverVersion,
    Optional<ComposeTool> compose,
    Optional<String> storageDriver,
    Optional<String> loggingDriver,
    int cgroupVersion,
    Optional<String> cgroupDriver,
    ContainerKind container,
    boolean userNamespace,
    Optional<String> runcVersion,
    Optional<String> containerdVersion,
    boolean proxmoxHost,
    InitSystem initSystem) {

  /** What kind of container a guest is. */
  public enum ContainerKind { NONE, LXC, DOCKER, PODMAN, OTHER }

  /** How the guest starts services. */
  public enum InitSystem {
    /** systemd runs as PID 1: {@code systemctl restart docker}. */
    SYSTEMD,
    /** An init script: {@code /etc/init.d/docker restart}. */
    SYSV,
    /** Only {@code service docker restart} was found. */
    SERVICE,
    /** Nothing that starts services was found: dockerd is started by hand. */
    NONE
  }

  /** Whether the docker CLI is installed. */
  public boolean dockerInstalled() {
    return clientVersion.isPresent();
  }

  /** Whether the daemon answers. */
  public boolean daemonRunning() {
    return serverVersion.isPresent();
  }

  /** Whether the guest is an unprivileged LXC container. */
  public boolean unprivilegedLxc() {
    return container == ContainerKind.LXC && userNamespace;
  }
}
