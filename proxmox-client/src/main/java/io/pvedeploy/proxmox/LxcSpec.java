package io.pvedeploy.proxmox;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything {@code POST /nodes/{node}/lxc} needs to create a container, safe by default: the
 * container is unprivileged unless {@link Builder#privileged(String)} is called with a reason.
 *
 * <pre>{@code
 * LxcSpec spec = LxcSpec.builder(101, "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst")
 *     .hostname("app")
 *     .memory(2048).cores(2)
 *     .rootfs(MountPoint.newRootfs("local-lvm", 8))
 *     .network(0, LxcNetwork.builder("eth0").bridge("vmbr0").staticIp("10.0.0.5/24", "10.0.0.1").build())
 *     .features(LxcFeatures.docker())
 *     .build();
 * }</pre>
 *
 * <p>{@code toString()} never shows the root password.
 */
public final class LxcSpec {
  private final int vmid;
  private final String ostemplate;
  private final String hostname;
  private final boolean unprivileged;
  private final String privilegedReason;
  private final LxcFeatures features;
  private final Integer memory;
  private final Integer swap;
  private final Integer cores;
  private final MountPoint rootfs;
  private final Map<Integer, MountPoint> mountPoints;
  private final Map<Integer, LxcNetwork> networks;
  private final String storage;
  private final char[] password;
  private final String sshPublicKeys;
  private final Boolean onBoot;
  private final boolean startAfterCreate;
  private final List<String> tags;
  private final String description;
  private final String nameserver;
  private final String searchDomain;

  private LxcSpec(Builder b) {
    this.vmid = b.vmid;
    this.ostemplate = b.ostemplate;
    this.hostname = b.hostname;
    this.unprivileged = b.privilegedReason == null;
    this.privilegedReason = b.privilegedReason;
    this.features = b.features;
    this.memory = b.memory;
    this.swap = b.swap;
    this.cores = b.cores;
    this.rootfs = b.rootfs;
    this.mountPoints = Map.copyOf(b.mountPoints);
    this.networks = Map.copyOf(b.networks);
    this.storage = b.storage;
    this.password = b.password == null ? null : b.password.clone();
    this.sshPublicKeys = b.sshPublicKeys;
    this.onBoot = b.onBoot;
    this.startAfterCreate = b.start;
    this.tags = List.copyOf(b.tags);
    this.description = b.description;
    this.nameserver = b.nameserver;
    this.searchDomain = b.searchDomain;
  }

  /** A spec for container {@code vmid} from an OS template volume ({@code local:vztmpl/…}). */
  public static Builder builder(int vmid, String ostemplate) {
    return new Builder(Checks.vmid(vmid), Checks.volumeId(ostemplate, "ostemplate"));
  }

  public int vmid() {
    return vmid;
  }

  public String ostemplate() {
    return ostemplate;
  }

  public boolean unprivileged() {
    return unprivileged;
  }

  /** Why the caller chose a privileged container, when they did. */
  public Optional<String> privilegedReason() {
    return Optional.ofNullable(privilegedReason);
  }

  public Optional<LxcFeatures> features() {
    return Optional.ofNullable(features);
  }

  public Map<Integer, LxcNetwork> networks() {
    return networks;
  }

  public Map<Integer, MountPoint> mountPoints() {
    return mountPoints;
  }

  public Optional<String> hostname() {
    return Optional.ofNullable(hostname);
  }

  Params toParams() {
    Params p = Params.of()
        .put("vmid", vmid)
        .put("ostemplate", ostemplate)
        .put("hostname", hostname)
        .put("unprivileged", unprivileged)
        .put("memory", memory)
        .put("swap", swap)
        .put("cores", cores)
        .put("storage", storage)
        .put("ssh-public-keys", sshPublicKeys)
        .put("onboot", onBoot)
        .put("start", startAfterCreate ? Boolean.TRUE : null)
        .put("description", description)
        .put("nameserver", nameserver)
        .put("searchdomain", searchDomain);
    if (features != null) {
      p.put("features", features.render());
    }
    if (rootfs != null) {
      p.put("rootfs", rootfs.render());
    }
    new TreeMap<>(mountPoints).forEach((i, mp) -> p.put("mp" + i, mp.render()));
    new TreeMap<>(networks).forEach((i, net) -> p.put("net" + i, net.render()));
    if (!tags.isEmpty()) {
      p.put("tags", String.join(";", tags));
    }
    if (password != null) {
      p.put("password", new String(password));
    }
    return p;
  }

  @Override
  public String toString() {
    return "LxcSpec[vmid=" + vmid + ", ostemplate=" + ostemplate + ", hostname=" + hostname
        + ", unprivileged=" + unprivileged + (features != null ? ", features=" + features.render() : "")
        + ", memory=" + memory + ", cores=" + cores + ", networks=" + networks.size()
        + ", mountPoints=" + mountPoints.size() + (password != null ? ", password=***" : "") + "]";
  }

  /** Builds an {@link LxcSpec}. */
  public static final class Builder {
    private final int vmid;
    private final String ostemplate;
    private String hostname;
    private String privilegedReason;
    private LxcFeatures features;
    private Integer memory;
    private Integer swap;
    private Integer cores;
    private MountPoint rootfs;
    private final Map<Integer, MountPoint> mountPoints = new TreeMap<>();
    private final Map<Integer, LxcNetwork> networks = new TreeMap<>();
    private String storage;
    private char[] password;
    private String sshPublicKeys;
    private Boolean onBoot;
    private boolean start;
    private List<String> tags = List.of();
    private String description;
    private String nameserver;
    private String searchDomain;

    private Builder(int vmid, String ostemplate) {
      this.vmid = vmid;
      this.ostemplate = ostemplate;
    }

    public Builder hostname(String hostname) {
      this.hostname = Checks.hostname(hostname);
      return this;
    }

    /**
     * Makes the container privileged: its root is the host's root. Only with a reason, which
     * callers should log and show in plans; an unprivileged container with {@code nesting} runs
     * Docker fine.
     */
    public Builder privileged(String reason) {
      if (reason == null || reason.isBlank()) {
        throw new IllegalArgumentException(
            "a privileged container needs a stated reason (its root is the host's root); Docker"
                + " runs in an unprivileged container with features nesting=1,keyctl=1");
      }
      this.privilegedReason = reason;
      return this;
    }

    public Builder features(LxcFeatures features) {
      this.features = features;
      return this;
    }

    /** Memory in MiB (PVE's default is 512). */
    public Builder memory(int mebibytes) {
      if (mebibytes < 16) {
        throw new IllegalArgumentException("memory must be at least 16 MiB, got " + mebibytes);
      }
      this.memory = mebibytes;
      return this;
    }

    public Builder swap(int mebibytes) {
      if (mebibytes < 0) {
        throw new IllegalArgumentException("swap must not be negative, got " + mebibytes);
      }
      this.swap = mebibytes;
      return this;
    }

    public Builder cores(int cores) {
      if (cores < 1 || cores > 8192) {
        throw new IllegalArgumentException("cores must be 1 to 8192, got " + cores);
      }
      this.cores = cores;
      return this;
    }

    public Builder rootfs(MountPoint rootfs) {
      this.rootfs = rootfs;
      return this;
    }

    /** {@code mp[index]}, 0 to 255. */
    public Builder mountPoint(int index, MountPoint mountPoint) {
      if (index < 0 || index > 255) {
        throw new IllegalArgumentException("mount point index must be 0 to 255, got " + index);
      }
      mountPoints.put(index, mountPoint);
      return this;
    }

    /** {@code net[index]}, 0 to 31. */
    public Builder network(int index, LxcNetwork network) {
      if (index < 0 || index > 31) {
        throw new IllegalArgumentException("network index must be 0 to 31, got " + index);
      }
      networks.put(index, network);
      return this;
    }

    /** The storage for the root file system when {@link #rootfs} is not given. */
    public Builder storage(String storage) {
      this.storage = Checks.storage(storage);
      return this;
    }

    /** The root password inside the container; copied, sent once, never printed. */
    public Builder password(char[] password) {
      if (password == null || password.length < 5) {
        throw new IllegalArgumentException("container root password must be at least 5 characters");
      }
      this.password = Arrays.copyOf(password, password.length);
      return this;
    }

    /** OpenSSH public keys for the container's root, one per line. */
    public Builder sshPublicKeys(String keys) {
      this.sshPublicKeys = Checks.notBlank(keys, "ssh public keys");
      return this;
    }

    public Builder onBoot(boolean onBoot) {
      this.onBoot = onBoot;
      return this;
    }

    /** Start the container when the create task has finished. */
    public Builder startAfterCreate(boolean start) {
      this.start = start;
      return this;
    }

    public Builder tags(List<String> tags) {
      for (String tag : tags) {
        if (!tag.matches("[a-z0-9_][a-z0-9_\\-+.]*")) {
          throw new IllegalArgumentException("tag '" + tag + "' is not a PVE tag (lower-case letters, digits, _ - + .)");
        }
      }
      this.tags = List.copyOf(tags);
      return this;
    }

    public Builder description(String description) {
      this.description = description;
      return this;
    }

    public Builder nameserver(String nameserver) {
      this.nameserver = Checks.singleLine(nameserver, "nameserver");
      return this;
    }

    public Builder searchDomain(String searchDomain) {
      this.searchDomain = Checks.hostname(searchDomain);
      return this;
    }

    public LxcSpec build() {
      return new LxcSpec(this);
    }
  }
}
