package io.pvedeploy.proxmox;

import io.pvedeploy.proxmox.internal.PropertyStrings;
import io.pvedeploy.proxmox.internal.PropertyStrings.Format;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An LXC container's root file system ({@code rootfs}) or one of its mount points ({@code mp[n]}),
 * e.g. {@code local-lvm:vm-101-disk-1,mp=/srv/data,backup=1,size=8G}, typed and checked the way PVE
 * checks it.
 *
 * <p>A record without {@link #mp()} is a {@code rootfs}; with one it is an {@code mp[n]}. To have
 * PVE allocate a new volume, use {@link #newRootfs} or {@link #newMountPoint} (volume {@code
 * STORAGE:SIZE_GiB}, e.g. {@code local-lvm:8}). Absent values are null (lists empty); flags are
 * written only when they differ from PVE's default. Build with {@link #builder()}.
 *
 * @param volume the default key: a volume id ({@code local-lvm:vm-101-disk-1}), a new volume
 *     ({@code local-lvm:8}), a host directory ({@code /mnt/data}, a bind mount) or a device ({@code
 *     /dev/sdb1})
 * @param mp the path where it is mounted inside the container; null for {@code rootfs}
 * @param sizeBytes the volume size in bytes ({@code size}, written like {@code 8G}); PVE fills it
 *     in
 * @param acl explicitly enable or disable ACLs; null for the file system's default
 * @param backup include this mount point in backups (mount points only; rootfs always is)
 * @param keepattrs inherit owner and mode from an existing mount point directory (mount points
 *     only)
 * @param mountOptions extra mount options: discard, lazytime, noatime, nodev, noexec, nosuid
 * @param quota enable user quotas inside the container
 * @param readOnly mount read-only ({@code ro})
 * @param replicate include the volume in storage replication (PVE's default: yes)
 * @param shared mark a non-volume mount point as available on all nodes
 */
public record MountPoint(
    String volume,
    String mp,
    Long sizeBytes,
    Boolean acl,
    boolean backup,
    boolean keepattrs,
    List<String> mountOptions,
    boolean quota,
    boolean readOnly,
    boolean replicate,
    boolean shared) {

  private static final String ROOTFS = "rootfs";
  private static final String MP = "mp[n]";
  private static final Set<String> ROOTFS_KEYS =
      Set.of("volume", "size", "acl", "mountoptions", "quota", "ro", "replicate", "shared");
  private static final Set<String> MP_KEYS =
      Set.of(
          "volume",
          "mp",
          "size",
          "acl",
          "backup",
          "keepattrs",
          "mountoptions",
          "quota",
          "ro",
          "replicate",
          "shared");
  private static final Set<String> MOUNT_OPTIONS =
      Set.of("discard", "lazytime", "noatime", "nodev", "noexec", "nosuid");
  // pve-storage's storage id (PVE::JSONSchema's CONFIGID_RE).
  private static final Pattern STORAGE_ID = Pattern.compile("[a-zA-Z][a-zA-Z0-9_-]+");

  /** Checks every value the way PVE does; copies the list. */
  public MountPoint {
    String property = mp == null ? ROOTFS : MP;
    if (volume == null) {
      throw new MalformedPropertyException(
          property, "volume", "missing volume", "a volume like local-lvm:vm-101-disk-0");
    }
    PropertyStrings.checkDefaultKeyValue(property, "volume", volume);
    PropertyStrings.check(property, "volume", volume, Format.LXC_MP_STRING);
    PropertyStrings.check(property, "mp", mp, Format.LXC_MP_STRING);
    if (sizeBytes != null && sizeBytes < 0) {
      throw new MalformedPropertyException(
          property, "size", "'size' is negative: " + sizeBytes, "a size in bytes");
    }
    mountOptions =
        PropertyStrings.checkList(
            property,
            "mountoptions",
            mountOptions,
            option -> {
              if (!MOUNT_OPTIONS.contains(option)) {
                throw new MalformedPropertyException(
                    property,
                    "mountoptions",
                    "'mountoptions' has an unknown option '" + option + "'",
                    "one of " + String.join(", ", sorted(MOUNT_OPTIONS)));
              }
            });
    if (mp == null && backup) {
      throw new MalformedPropertyException(
          ROOTFS, "backup", "'backup' is only for mount points", "no backup flag on rootfs");
    }
    if (mp == null && keepattrs) {
      throw new MalformedPropertyException(
          ROOTFS, "keepattrs", "'keepattrs' is only for mount points", "no keepattrs on rootfs");
    }
  }

  /** A builder; set {@link Builder#mp} for a mount point, leave it unset for rootfs. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this mount's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** A root file system that PVE allocates on {@code storageId}, {@code sizeGiB} GiB large. */
  public static MountPoint newRootfs(String storageId, int sizeGiB) {
    return builder().newVolume(storageId, sizeGiB).build();
  }

  /**
   * A mount point at {@code path} on a volume PVE allocates on {@code storageId}, {@code sizeGiB}
   * GiB large, included in backups.
   */
  public static MountPoint newMountPoint(String storageId, int sizeGiB, String path) {
    return builder().newVolume(storageId, sizeGiB).mp(path).backup(true).build();
  }

  /**
   * Reads a {@code rootfs} value as PVE writes it, e.g. {@code local-lvm:vm-101-disk-0,size=8G}.
   *
   * @throws MalformedPropertyException on an unknown or duplicate key, or a bad value
   */
  public static MountPoint parseRootfs(String value) {
    return parse(ROOTFS, value, ROOTFS_KEYS);
  }

  /**
   * Reads an {@code mp[n]} value as PVE writes it, e.g. {@code
   * local-lvm:vm-101-disk-1,mp=/srv/data,backup=1,size=8G}.
   *
   * @throws MalformedPropertyException on an unknown or duplicate key, a missing {@code mp}, or a
   *     bad value
   */
  public static MountPoint parseMountPoint(String value) {
    return parse(MP, value, MP_KEYS);
  }

  private static MountPoint parse(String property, String value, Set<String> keys) {
    PropertyStrings.Fields fields = PropertyStrings.parse(property, value, "volume", keys);
    String options = fields.string("mountoptions");
    if (options != null
        && !options.matches("(?:[a-z]+)(?:;[a-z]+)*")) { // PVE allows no blanks or empty entries
      throw new MalformedPropertyException(
          property,
          "mountoptions",
          "'mountoptions' is not valid: '" + options + "'",
          "options separated by ';', each one of " + String.join(", ", sorted(MOUNT_OPTIONS)));
    }
    return new MountPoint(
        fields.required("volume"),
        property.equals(MP) ? fields.required("mp") : null,
        fields.size("size"),
        fields.optionalFlag("acl"),
        fields.flag("backup", false),
        fields.flag("keepattrs", false),
        fields.list("mountoptions"),
        fields.flag("quota", false),
        fields.flag("ro", false),
        fields.flag("replicate", true),
        fields.flag("shared", false));
  }

  private static List<String> sorted(Set<String> set) {
    return set.stream().sorted().toList();
  }

  /** Whether this is a {@code rootfs} (it has no {@link #mp()}). */
  public boolean isRootfs() {
    return mp == null;
  }

  /**
   * Whether PVE lets only {@code root@pam} configure this: bind mounts of host directories and
   * device mounts (any volume starting with {@code /}) are refused to other users and API tokens.
   */
  public boolean requiresRootPam() {
    return volume.startsWith("/");
  }

  /**
   * The canonical property string, as PVE's {@code print_property_string} writes it: the volume,
   * then {@code mp}, then the other keys sorted, the size in the largest whole unit ({@code 8G}).
   */
  public String render() {
    return PropertyStrings.writer()
        .positional(volume)
        .first("mp", mp)
        .put("acl", acl)
        .flag("backup", backup, false)
        .flag("keepattrs", keepattrs, false)
        .put("mountoptions", mountOptions)
        .flag("quota", quota, false)
        .flag("replicate", replicate, true)
        .flag("ro", readOnly, false)
        .flag("shared", shared, false)
        .put("size", sizeBytes == null ? null : PropertyStrings.formatSize(sizeBytes))
        .render();
  }

  @Override
  public String toString() {
    return "MountPoint[" + (isRootfs() ? ROOTFS : "mp") + ": " + render() + "]";
  }

  /** Builds a {@link MountPoint}; every value is checked by {@link #build()}. */
  public static final class Builder {
    private String volume;
    private String mp;
    private Long sizeBytes;
    private Boolean acl;
    private boolean backup;
    private boolean keepattrs;
    private List<String> mountOptions = List.of();
    private boolean quota;
    private boolean readOnly;
    private boolean replicate = true;
    private boolean shared;

    private Builder() {}

    private Builder(MountPoint m) {
      volume = m.volume;
      mp = m.mp;
      sizeBytes = m.sizeBytes;
      acl = m.acl;
      backup = m.backup;
      keepattrs = m.keepattrs;
      mountOptions = m.mountOptions;
      quota = m.quota;
      readOnly = m.readOnly;
      replicate = m.replicate;
      shared = m.shared;
    }

    /** An existing volume, host directory or device. */
    public Builder volume(String volume) {
      this.volume = volume;
      return this;
    }

    /**
     * A new volume PVE allocates on {@code storageId}, {@code sizeGiB} GiB large ({@code
     * STORAGE:SIZE}); 0 asks directory-like storages for a volume without a size limit.
     */
    public Builder newVolume(String storageId, int sizeGiB) {
      PropertyStrings.check(MP, "volume", storageId, STORAGE_ID, "a storage id like local-lvm");
      if (sizeGiB < 0) {
        throw new MalformedPropertyException(
            MP, "volume", "negative size for a new volume: " + sizeGiB, "a size in GiB, 0 or more");
      }
      return volume(storageId + ":" + sizeGiB);
    }

    /** The path where it is mounted inside the container; null makes this a rootfs. */
    public Builder mp(String mp) {
      this.mp = mp;
      return this;
    }

    /** The size in bytes, as PVE reports it; usually left to PVE. */
    public Builder sizeBytes(Long sizeBytes) {
      this.sizeBytes = sizeBytes;
      return this;
    }

    /** The size as PVE writes it, e.g. {@code 8G}, {@code 512M}; null for none. */
    public Builder size(String size) {
      if (size == null) {
        return sizeBytes(null);
      }
      Long bytes = PropertyStrings.parseSize(size);
      if (bytes == null) {
        throw new MalformedPropertyException(
            mp == null ? ROOTFS : MP,
            "size",
            "'size' is not a disk size: '" + size + "'",
            Format.DISK_SIZE.expected());
      }
      return sizeBytes(bytes);
    }

    /** Explicitly enable or disable ACLs; null for the file system's default. */
    public Builder acl(Boolean acl) {
      this.acl = acl;
      return this;
    }

    /** Include this mount point in backups. */
    public Builder backup(boolean backup) {
      this.backup = backup;
      return this;
    }

    /** Inherit owner and mode from an existing mount point directory. */
    public Builder keepattrs(boolean keepattrs) {
      this.keepattrs = keepattrs;
      return this;
    }

    /** Extra mount options: discard, lazytime, noatime, nodev, noexec, nosuid. */
    public Builder mountOptions(List<String> mountOptions) {
      this.mountOptions = mountOptions;
      return this;
    }

    /** Extra mount options: discard, lazytime, noatime, nodev, noexec, nosuid. */
    public Builder mountOptions(String... mountOptions) {
      return mountOptions(Arrays.asList(mountOptions));
    }

    /** Enable user quotas inside the container. */
    public Builder quota(boolean quota) {
      this.quota = quota;
      return this;
    }

    /** Mount read-only. */
    public Builder readOnly(boolean readOnly) {
      this.readOnly = readOnly;
      return this;
    }

    /** Include the volume in storage replication (default yes). */
    public Builder replicate(boolean replicate) {
      this.replicate = replicate;
      return this;
    }

    /** Mark a non-volume mount point as available on all nodes. */
    public Builder shared(boolean shared) {
      this.shared = shared;
      return this;
    }

    /**
     * The mount.
     *
     * @throws MalformedPropertyException if a value is invalid
     */
    public MountPoint build() {
      return new MountPoint(
          volume, mp, sizeBytes,
          acl,
          backup,
          keepattrs,
          mountOptions,
          quota,
          readOnly,
          replicate,
          shared);
    }
  }
}
