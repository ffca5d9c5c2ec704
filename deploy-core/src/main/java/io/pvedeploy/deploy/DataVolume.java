package io.pvedeploy.deploy;

/**
 * The guest's data volume for app state, kept when the guest's root disk is replaced: {@code
 * mp0} on an LXC container, a second disk on a VM, mounted at {@link #mountPath()}. By default
 * that is where Docker keeps named volumes, so a compose bundle's {@code volumes:} (a database's
 * data directory) live on it unchanged; at another path, the bundle's bind mounts under it do.
 *
 * @param sizeGb its size in GiB, on the guest's storage
 * @param mountPath where it is mounted inside the guest, {@value #DEFAULT_MOUNT_PATH} by default
 */
public record DataVolume(int sizeGb, String mountPath) {
  /** Docker's store of named volumes: mounted there before Docker is installed, it holds them all. */
  public static final String DEFAULT_MOUNT_PATH = "/var/lib/docker/volumes";

  /** {@code sizeGb} GiB mounted at {@value #DEFAULT_MOUNT_PATH}. */
  public static DataVolume of(int sizeGb) {
    return new DataVolume(sizeGb, DEFAULT_MOUNT_PATH);
  }

  public static DataVolume of(int sizeGb, String mountPath) {
    return new DataVolume(sizeGb, mountPath);
  }
}
