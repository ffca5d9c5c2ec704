package io.pvedeploy.deploy;

import java.util.Optional;

/**
 * How a guest's interface gets its IPv4 address. Static is what a spec needs unless DHCP is asked
 * for explicitly: a DHCP address can move, and with it every link to the app.
 */
public sealed interface Addressing permits Addressing.Static, Addressing.Dhcp {

  /**
   * A fixed address.
   *
   * @param cidr the address with its prefix length, e.g. {@code 10.0.0.20/24}
   * @param gateway the default gateway inside that subnet; empty only on an isolated network
   */
  record Static(String cidr, Optional<String> gateway) implements Addressing {
    public Static {
      gateway = gateway == null ? Optional.empty() : gateway;
    }

    /** The address without its prefix length. */
    public String address() {
      int slash = cidr.indexOf('/');
      return slash < 0 ? cidr : cidr.substring(0, slash);
    }
  }

  /** An address from the network's DHCP server. YAML: {@code ipv4: dhcp}. */
  record Dhcp() implements Addressing {}

  /** {@code cidr} (e.g. {@code 10.0.0.20/24}) with its default gateway. */
  static Static staticIpv4(String cidr, String gateway) {
    return new Static(cidr, Optional.of(gateway == null ? "" : gateway));
  }

  /** {@code cidr} without a default gateway: for isolated networks only. */
  static Static staticIpv4WithoutGateway(String cidr) {
    return new Static(cidr, Optional.empty());
  }

  static Dhcp dhcp() {
    return new Dhcp();
  }
}
