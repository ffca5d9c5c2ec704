package io.pvedeploy.proxmox;

import io.pvedeploy.proxmox.internal.PropertyStrings;
import io.pvedeploy.proxmox.internal.PropertyStrings.Format;
import java.util.Set;

/**
 * The cloud-init address of a QEMU VM's network device, the {@code ipconfig[n]} property ({@code
 * ip=10.0.0.5/24,gw=10.0.0.1}), checked with the rules qemu-server applies, so that a gateway next
 * to DHCP or without an address is refused here instead of being silently ignored by PVE.
 *
 * <p>Absent values are null. If neither {@code ip} nor {@code ip6} is set, PVE uses DHCP for both.
 *
 * @param ip {@code dhcp}, {@code manual} or an IPv4 CIDR like {@code 10.0.0.5/24}
 * @param gw the IPv4 gateway; needs a static {@code ip}
 * @param ip6 {@code auto} (SLAAC), {@code dhcp}, {@code manual} or an IPv6 CIDR
 * @param gw6 the IPv6 gateway; needs a static {@code ip6}
 */
public record IpConfig(String ip, String gw, String ip6, String gw6) {

  private static final String PROPERTY = "ipconfig[n]";
  private static final Set<String> KEYS = Set.of("ip", "gw", "ip6", "gw6");
  private static final Set<String> IPV6_KEYWORDS = Set.of("auto", "dhcp", "manual");

  /** Checks each address, and that gateways come with a static address of their family. */
  public IpConfig {
    PropertyStrings.check(PROPERTY, "ip", ip, Format.IPV4_CONFIG);
    PropertyStrings.check(PROPERTY, "gw", gw, Format.IPV4);
    PropertyStrings.check(PROPERTY, "ip6", ip6, Format.IPV6_CONFIG);
    PropertyStrings.check(PROPERTY, "gw6", gw6, Format.IPV6);
    if (gw != null && ip == null) {
      throw new MalformedPropertyException(
          PROPERTY, "gw", "gateway 'gw' without an address 'ip'", "ip=<IPv4/CIDR> with gw");
    }
    if (gw != null && ip.equals("dhcp")) {
      throw new MalformedPropertyException(
          PROPERTY, "gw", "gateway 'gw' together with ip=dhcp", "no gw with DHCP");
    }
    if (gw6 != null && (ip6 == null || IPV6_KEYWORDS.contains(ip6))) {
      throw new MalformedPropertyException(
          PROPERTY,
          "gw6",
          "gateway 'gw6' without a static IPv6 address (ip6=" + ip6 + ")",
          "ip6=<IPv6/CIDR> with gw6");
    }
  }

  /** DHCP on IPv4: {@code ip=dhcp}. */
  public static IpConfig dhcp() {
    return new IpConfig("dhcp", null, null, null);
  }

  /** A static IPv4 address in CIDR notation, with a gateway (or null for none). */
  public static IpConfig staticIpv4(String cidr, String gateway) {
    return new IpConfig(cidr, gateway, null, null);
  }

  /**
   * A copy with this IPv6 setting ({@code auto}, {@code dhcp}, or a CIDR) and gateway (or null).
   */
  public IpConfig withIp6(String ip6, String gateway6) {
    return new IpConfig(ip, gw, ip6, gateway6);
  }

  /**
   * Reads an {@code ipconfig[n]} value as PVE stores it, e.g. {@code ip=10.0.0.5/24,gw=10.0.0.1}.
   *
   * @throws MalformedPropertyException on an unknown or duplicate key, or a bad value
   */
  public static IpConfig parse(String value) {
    PropertyStrings.Fields fields = PropertyStrings.parse(PROPERTY, value, null, KEYS);
    return new IpConfig(
        fields.string("ip"), fields.string("gw"), fields.string("ip6"), fields.string("gw6"));
  }

  /**
   * The property string in the order {@code ip, gw, ip6, gw6}. PVE stores {@code ipconfig[n]} as
   * the client sent it (it never re-prints it), and this is the order its web UI and {@code qm}
   * documentation write.
   */
  public String render() {
    return PropertyStrings.writer()
        .first("ip", ip)
        .first("gw", gw)
        .first("ip6", ip6)
        .first("gw6", gw6)
        .render();
  }

  @Override
  public String toString() {
    return "IpConfig[" + render() + "]";
  }
}
