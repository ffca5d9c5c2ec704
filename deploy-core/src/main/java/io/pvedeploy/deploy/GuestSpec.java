package io.pvedeploy.deploy;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * The guest the app runs in. Switching between an LXC container and a VM is {@link #kind()}
 * (with a {@link #template()} of the matching kind); everything else means the same for both.
 *
 * <pre>{@code
 * GuestSpec.lxc("local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst")
 *     .node("pve1").cores(2).memoryMb(2048).diskGb(8)
 *     .data(DataVolume.of(4))
 *     .network(NetworkSpec.builder().vlan(20).staticIpv4("10.99.0.60/24", "10.99.0.1"))
 *     .build();
 * }</pre>
 *
 * <p>Values are checked when the {@link DeploymentSpec} is built, together with everything else.
 *
 * @param kind {@link GuestKind#LXC} or {@link GuestKind#VM}
 * @param vmid the guest's id; empty to let the planner pick a free one
 * @param placement the node for a new guest
 * @param hostname the guest's host name; empty for the app's name
 * @param cores CPU cores, 1 to 8192; {@value #DEFAULT_CORES} by default
 * @param memoryMb memory in MiB, 256 to 4194304; {@value #DEFAULT_MEMORY_MB} by default
 * @param diskGb the root disk in GiB, 2 to 65536; {@value #DEFAULT_DISK_GB} by default
 * @param storage the PVE storage for the root disk and the data volume; {@value
 *     #DEFAULT_STORAGE} by default
 * @param template what the guest is made from (an OS template volume for LXC, a VM template id
 *     for a VM)
 * @param data the data volume for app state; empty to keep it on the root disk
 * @param network the guest's interface
 * @param security what the container is trusted with
 * @param startOnBoot whether the node starts the guest when it boots (PVE's {@code onboot}); true
 *     by default
 */
public record GuestSpec(
    GuestKind kind,
    OptionalInt vmid,
    Placement placement,
    Optional<String> hostname,
    int cores,
    int memoryMb,
    int diskGb,
    String storage,
    GuestTemplate template,
    Optional<DataVolume> data,
    NetworkSpec network,
    SecurityPolicy security,
    boolean startOnBoot) {

  public static final int DEFAULT_CORES = 2;
  public static final int DEFAULT_MEMORY_MB = 2048;
  public static final int DEFAULT_DISK_GB = 16;
  public static final String DEFAULT_STORAGE = "local-lvm";

  public GuestSpec {
    vmid = vmid == null ? OptionalInt.empty() : vmid;
    hostname = hostname == null ? Optional.empty() : hostname;
    data = data == null ? Optional.empty() : data;
    placement = placement == null ? Placement.leastLoaded() : placement;
    security = security == null ? SecurityPolicy.defaults() : security;
  }

  /** An LXC container from an OS template volume, e.g. {@code local:vztmpl/debian-12-…tar.zst}. */
  public static Builder lxc(String osTemplate) {
    return new Builder().lxc(osTemplate);
  }

  /** A VM cloned from VM template {@code templateVmid} (with cloud-init and the guest agent). */
  public static Builder vm(int templateVmid) {
    return new Builder().vm(templateVmid);
  }

  /** A builder without a template yet; {@link GuestKind#LXC} unless told otherwise. */
  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.kind = kind;
    b.vmid = vmid;
    b.placement = placement;
    b.hostname = hostname;
    b.cores = cores;
    b.memoryMb = memoryMb;
    b.diskGb = diskGb;
    b.storage = storage;
    b.template = template;
    b.data = data;
    b.network = network;
    b.security = security;
    b.startOnBoot = startOnBoot;
    return b;
  }

  /** Builds a {@link GuestSpec}; checked as part of {@link DeploymentSpec.Builder#build()}. */
  public static final class Builder {
    private GuestKind kind = GuestKind.LXC;
    private OptionalInt vmid = OptionalInt.empty();
    private Placement placement = Placement.leastLoaded();
    private Optional<String> hostname = Optional.empty();
    private int cores = DEFAULT_CORES;
    private int memoryMb = DEFAULT_MEMORY_MB;
    private int diskGb = DEFAULT_DISK_GB;
    private String storage = DEFAULT_STORAGE;
    private GuestTemplate template;
    private Optional<DataVolume> data = Optional.empty();
    private NetworkSpec network;
    private SecurityPolicy security = SecurityPolicy.defaults();
    private boolean startOnBoot = true;

    private Builder() {}

    /** An LXC container from this OS template volume. */
    public Builder lxc(String osTemplate) {
      this.kind = GuestKind.LXC;
      this.template = GuestTemplate.os(osTemplate);
      return this;
    }

    /** A VM cloned from this VM template. */
    public Builder vm(int templateVmid) {
      this.kind = GuestKind.VM;
      this.template = GuestTemplate.vm(templateVmid);
      return this;
    }

    public Builder kind(GuestKind kind) {
      this.kind = kind;
      return this;
    }

    public Builder template(GuestTemplate template) {
      this.template = template;
      return this;
    }

    public Builder vmid(int vmid) {
      this.vmid = OptionalInt.of(vmid);
      return this;
    }

    /** Put a new guest on this node. */
    public Builder node(String node) {
      this.placement = Placement.onNode(node);
      return this;
    }

    public Builder placement(Placement placement) {
      this.placement = placement;
      return this;
    }

    public Builder hostname(String hostname) {
      this.hostname = Optional.ofNullable(hostname);
      return this;
    }

    public Builder cores(int cores) {
      this.cores = cores;
      return this;
    }

    public Builder memoryMb(int memoryMb) {
      this.memoryMb = memoryMb;
      return this;
    }

    public Builder diskGb(int diskGb) {
      this.diskGb = diskGb;
      return this;
    }

    public Builder storage(String storage) {
      this.storage = storage;
      return this;
    }

    public Builder data(DataVolume data) {
      this.data = Optional.ofNullable(data);
      return this;
    }

    public Builder network(NetworkSpec network) {
      this.network = network;
      return this;
    }

    public Builder network(NetworkSpec.Builder network) {
      this.network = network.build();
      return this;
    }

    public Builder security(SecurityPolicy security) {
      this.security = security;
      return this;
    }

    /**
     * Whether the node starts the guest when it boots (PVE's {@code onboot}); true by default, so
     * a deployment comes back after the node restarts.
     */
    public Builder startOnBoot(boolean startOnBoot) {
      this.startOnBoot = startOnBoot;
      return this;
    }

    public GuestSpec build() {
      return new GuestSpec(kind, vmid, placement, hostname, cores, memoryMb, diskGb, storage, template,
          data, network, security, startOnBoot);
    }
  }
}
