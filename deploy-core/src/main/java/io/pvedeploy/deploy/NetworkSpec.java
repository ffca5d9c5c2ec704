package io.pvedeploy.deploy;

import io.pvedeploy.proxmox.IpConfig;
import io.pvedeploy.proxmox.LxcNetwork;
import io.pvedeploy.proxmox.QemuNetwork;
import java.util.OptionalInt;

/**
 * The guest's one network interface: a bridge, an optional VLAN tag, and its IPv4 addressing
 * (static with a gateway unless {@link Builder#dhcp()} is asked for).
 *
 * <pre>{@code
 * NetworkSpec.builder().bridge("vmbr0").vlan(20).staticIpv4("10.99.0.60/24", "10.99.0.1").build()
 * }</pre>
 *
 * <p>Values are checked when the {@link DeploymentSpec} is built, together with everything else.
 *
 * @param bridge the host bridge, {@value #DEFAULT_BRIDGE} by default
 * @param vlan the VLAN tag, 1 to 4094, or empty for untagged
 * @param addressing static (the default kind, so an address is required) or DHCP
 */
public record NetworkSpec(String bridge, OptionalInt vlan, Addressing addressing) {
  public static final String DEFAULT_BRIDGE = "vmbr0";

  public NetworkSpec {
    vlan = vlan == null ? OptionalInt.empty() : vlan;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The container's {@code net0} (interface {@code name}, e.g. {@code eth0}), for a valid spec. */
  public LxcNetwork toLxcNetwork(String name) {
    LxcNetwork.Builder b = LxcNetwork.builder(name).bridge(bridge);
    vlan.ifPresent(b::tag);
    if (addressing instanceof Addressing.Static s) {
      if (s.gateway().isPresent()) {
        b.staticIp(s.cidr(), s.gateway().get());
      } else {
        b.ip(s.cidr());
      }
    } else {
      b.dhcp();
    }
    return b.build();
  }

  /** The VM's {@code net0} (VirtIO), for a valid spec; its address is {@link #toIpConfig()}. */
  public QemuNetwork toQemuNetwork() {
    QemuNetwork.Builder b = QemuNetwork.builder(QemuNetwork.Model.VIRTIO).bridge(bridge);
    vlan.ifPresent(b::tag);
    return b.build();
  }

  /** The VM's cloud-init {@code ipconfig0}, for a valid spec. */
  public IpConfig toIpConfig() {
    if (addressing instanceof Addressing.Static s) {
      return s.gateway().isPresent()
          ? IpConfig.staticIpv4(s.cidr(), s.gateway().get())
          : new IpConfig(s.cidr(), null, null, null);
    }
    return IpConfig.dhcp();
  }

  /** Builds a {@link NetworkSpec}; checked as part of {@link DeploymentSpec.Builder#build()}. */
  public static final class Builder {
    private String bridge = DEFAULT_BRIDGE;
    private OptionalInt vlan = OptionalInt.empty();
    private Addressing addressing;

    private Builder() {}

    public Builder bridge(String bridge) {
      this.bridge = bridge;
      return this;
    }

    /** Tag the interface's traffic with VLAN {@code tag} (1 to 4094). */
    public Builder vlan(int tag) {
      this.vlan = OptionalInt.of(tag);
      return this;
    }

    public Builder untagged() {
      this.vlan = OptionalInt.empty();
      return this;
    }

    /** A fixed address, e.g. {@code 10.0.0.20/24}, and the default gateway in its subnet. */
    public Builder staticIpv4(String cidr, String gateway) {
      this.addressing = Addressing.staticIpv4(cidr, gateway);
      return this;
    }

    /** A fixed address without a default gateway: only for an isolated network. */
    public Builder staticIpv4WithoutGateway(String cidr) {
      this.addressing = Addressing.staticIpv4WithoutGateway(cidr);
      return this;
    }

    /** An address from DHCP, which may move: only when asked for. */
    public Builder dhcp() {
      this.addressing = Addressing.dhcp();
      return this;
    }

    public Builder addressing(Addressing addressing) {
      this.addressing = addressing;
      return this;
    }

    public NetworkSpec build() {
      return new NetworkSpec(bridge, vlan, addressing);
    }
  }
}
