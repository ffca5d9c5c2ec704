package io.pvedeploy.proxmox;

import io.pvedeploy.proxmox.internal.PropertyStrings;
import io.pvedeploy.proxmox.internal.PropertyStrings.Format;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One network interface of an LXC container, the {@code net[n]} property ({@code
 * name=eth0,bridge=vmbr0,ip=10.0.0.5/24,gw=10.0.0.1,firewall=1}), typed and checked the way PVE
 * checks it, so a bad address or a stray comma fails here rather than as a 400 from PVE.
 *
 * <p>Absent values are null (lists empty); flags that are off are not written, as PVE assumes off.
 * The interface type is always {@code veth}: PVE forces it, so it is always written and is not a
 * component. Build with {@link #builder(String)}.
 *
 * @param name the interface name inside the container, e.g. {@code eth0} (required by PVE)
 * @param bridge the host bridge, e.g. {@code vmbr0}
 * @param hwaddr the MAC address (upper case), or null to let PVE pick one
 * @param ip {@code dhcp}, {@code manual} or an IPv4 CIDR like {@code 10.0.0.5/24}
 * @param gw the IPv4 default gateway
 * @param ip6 {@code auto} (SLAAC), {@code dhcp}, {@code manual} or an IPv6 CIDR
 * @param gw6 the IPv6 default gateway
 * @param tag the VLAN tag, 1 to 4094
 * @param trunks VLAN ids (1 to 4094) to pass through
 * @param firewall whether PVE's firewall applies to this interface
 * @param mtu the MTU, 64 to 65535
 * @param rate a rate limit in MB/s
 * @param linkDown whether the link is disconnected ({@code link_down})
 * @param hostManaged whether the host, not the container, configures the IP ({@code host-managed})
 */
public record LxcNetwork(
    String name,
    String bridge,
    String hwaddr,
    String ip,
    String gw,
    String ip6,
    String gw6,
    Integer tag,
    List<Integer> trunks,
    boolean firewall,
    Integer mtu,
    Double rate,
    boolean linkDown,
    boolean hostManaged) {

  private static final String PROPERTY = "net[n]";
  private static final Set<String> KEYS =
      Set.of(
          "name",
          "bridge",
          "hwaddr",
          "ip",
          "gw",
          "ip6",
          "gw6",
          "tag",
          "trunks",
          "firewall",
          "mtu",
          "rate",
          "type",
          "link_down",
          "host-managed");
  private static final String TYPE = "veth";

  /** Checks every value the way PVE does; copies the list. */
  public LxcNetwork {
    if (name == null) {
      throw new MalformedPropertyException(
          PROPERTY, "name", "missing required key 'name'", "an interface name like eth0");
    }
    PropertyStrings.check(PROPERTY, "name", name, Format.BRIDGE_ID);
    PropertyStrings.check(PROPERTY, "bridge", bridge, Format.BRIDGE_ID);
    PropertyStrings.check(PROPERTY, "hwaddr", hwaddr, Format.MAC_ADDR);
    hwaddr = hwaddr == null ? null : hwaddr.toUpperCase(Locale.ROOT);
    PropertyStrings.check(PROPERTY, "ip", ip, Format.IPV4_CONFIG);
    PropertyStrings.check(PROPERTY, "gw", gw, Format.IPV4);
    PropertyStrings.check(PROPERTY, "ip6", ip6, Format.IPV6_CONFIG);
    PropertyStrings.check(PROPERTY, "gw6", gw6, Format.IPV6);
    PropertyStrings.checkRange(PROPERTY, "tag", tag, 1, 4094);
    trunks =
        PropertyStrings.checkList(
            PROPERTY,
            "trunks",
            trunks,
            id -> PropertyStrings.checkRange(PROPERTY, "trunks", id, 1, 4094));
    PropertyStrings.checkRange(PROPERTY, "mtu", mtu, 64, 65535);
    PropertyStrings.checkNumber(PROPERTY, "rate", rate, 0);
    if (hostManaged && !linkDown && "auto".equals(ip6)) {
      throw new MalformedPropertyException(
          PROPERTY,
          "ip6",
          "SLAAC (ip6=auto) is not supported with host-managed=1",
          "ip6=dhcp, manual or a static address when the host manages the interface");
    }
  }

  /** A builder for the interface called {@code name} inside the container, e.g. {@code eth0}. */
  public static Builder builder(String name) {
    return new Builder().name(name);
  }

  /** A builder holding this interface's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Reads a {@code net[n]} value as PVE writes it, e.g. {@code
   * name=eth0,bridge=vmbr0,hwaddr=BC:24:11:2A:3B:4C,ip=dhcp,type=veth}.
   *
   * @throws MalformedPropertyException on an unknown or duplicate key, a missing {@code name}, or a
   *     bad value
   */
  public static LxcNetwork parse(String value) {
    PropertyStrings.Fields fields = PropertyStrings.parse(PROPERTY, value, null, KEYS);
    PropertyStrings.checkOneOf(PROPERTY, "type", fields.string("type"), Set.of(TYPE));
    List<Integer> trunks = new ArrayList<>();
    String trunkText = fields.string("trunks");
    if (trunkText != null) {
      if (!trunkText.matches("\\d+(?:;\\d+)*")) {
        throw new MalformedPropertyException(
            PROPERTY,
            "trunks",
            "'trunks' is not valid: '" + trunkText + "'",
            "VLAN ids separated by ';', like 10;20");
      }
      for (String id : trunkText.split(";")) {
        int vlan = id.length() > 5 ? -1 : Integer.parseInt(id);
        if (vlan < 1 || vlan > 4094) {
          throw new MalformedPropertyException(
              PROPERTY,
              "trunks",
              "'trunks' has an invalid VLAN id: " + id,
              "VLAN ids from 1 to 4094");
        }
        trunks.add(vlan);
      }
    }
    return new LxcNetwork(
        fields.required("name"),
        fields.string("bridge"),
        fields.string("hwaddr"),
        fields.string("ip"),
        fields.string("gw"),
        fields.string("ip6"),
        fields.string("gw6"),
        fields.integer("tag", 1, 4094),
        trunks,
        fields.flag("firewall", false),
        fields.integer("mtu", 64, 65535),
        fields.number("rate", 0),
        fields.flag("link_down", false),
        fields.flag("host-managed", false));
  }

  /**
   * The canonical property string, as PVE's {@code print_property_string} writes it: {@code name}
   * first (the one required key), then the others sorted, {@code type=veth} included.
   */
  public String render() {
    return PropertyStrings.writer()
        .first("name", name)
        .put("bridge", bridge)
        .flag("firewall", firewall, false)
        .put("gw", gw)
        .put("gw6", gw6)
        .flag("host-managed", hostManaged, false)
        .put("hwaddr", hwaddr)
        .put("ip", ip)
        .put("ip6", ip6)
        .flag("link_down", linkDown, false)
        .put("mtu", mtu)
        .put("rate", rate)
        .put("tag", tag)
        .put("trunks", trunks)
        .put("type", TYPE)
        .render();
  }

  @Override
  public String toString() {
    return "LxcNetwork[" + render() + "]";
  }

  /** Builds an {@link LxcNetwork}; every value is checked by {@link #build()}. */
  public static final class Builder {
    private String name;
    private String bridge;
    private String hwaddr;
    private String ip;
    private String gw;
    private String ip6;
    private String gw6;
    private Integer tag;
    private List<Integer> trunks = List.of();
    private boolean firewall;
    private Integer mtu;
    private Double rate;
    private boolean linkDown;
    private boolean hostManaged;

    private Builder() {}

    private Builder(LxcNetwork n) {
      name = n.name;
      bridge = n.bridge;
      hwaddr = n.hwaddr;
      ip = n.ip;
      gw = n.gw;
      ip6 = n.ip6;
      gw6 = n.gw6;
      tag = n.tag;
      trunks = n.trunks;
      firewall = n.firewall;
      mtu = n.mtu;
      rate = n.rate;
      linkDown = n.linkDown;
      hostManaged = n.hostManaged;
    }

    /** The interface name inside the container, e.g. {@code eth0}. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** The host bridge, e.g. {@code vmbr0}. */
    public Builder bridge(String bridge) {
      this.bridge = bridge;
      return this;
    }

    /** A fixed MAC address; null lets PVE pick one. */
    public Builder hwaddr(String hwaddr) {
      this.hwaddr = hwaddr;
      return this;
    }

    /** {@code dhcp}, {@code manual} or an IPv4 CIDR like {@code 10.0.0.5/24}. */
    public Builder ip(String ip) {
      this.ip = ip;
      return this;
    }

    /** The IPv4 default gateway. */
    public Builder gw(String gw) {
      this.gw = gw;
      return this;
    }

    /** A static IPv4 address in CIDR notation and its gateway (may be null). */
    public Builder staticIp(String cidr, String gateway) {
      return ip(cidr).gw(gateway);
    }

    /** {@code ip=dhcp}, and no gateway. */
    public Builder dhcp() {
      return ip("dhcp").gw(null);
    }

    /** {@code auto}, {@code dhcp}, {@code manual} or an IPv6 CIDR. */
    public Builder ip6(String ip6) {
      this.ip6 = ip6;
      return this;
    }

    /** The IPv6 default gateway. */
    public Builder gw6(String gw6) {
      this.gw6 = gw6;
      return this;
    }

    /** The VLAN tag, 1 to 4094; null for untagged. */
    public Builder tag(Integer tag) {
      this.tag = tag;
      return this;
    }

    /** VLAN ids to pass through. */
    public Builder trunks(List<Integer> trunks) {
      this.trunks = trunks;
      return this;
    }

    /** VLAN ids to pass through. */
    public Builder trunks(Integer... trunks) {
      return trunks(Arrays.asList(trunks));
    }

    /** Whether PVE's firewall applies to this interface. */
    public Builder firewall(boolean firewall) {
      this.firewall = firewall;
      return this;
    }

    /** The MTU, 64 to 65535; null for the bridge's. */
    public Builder mtu(Integer mtu) {
      this.mtu = mtu;
      return this;
    }

    /** A rate limit in MB/s; null for none. */
    public Builder rate(Double rate) {
      this.rate = rate;
      return this;
    }

    /** Whether the link is disconnected. */
    public Builder linkDown(boolean linkDown) {
      this.linkDown = linkDown;
      return this;
    }

    /** Whether the host, not the container, configures the IP. */
    public Builder hostManaged(boolean hostManaged) {
      this.hostManaged = hostManaged;
      return this;
    }

    /**
     * The interface.
     *
     * @throws MalformedPropertyException if a value is invalid
     */
    public LxcNetwork build() {
      return new LxcNetwork(
          name,
          bridge,
          hwaddr,
          ip,
          gw,
          ip6,
          gw6,
          tag,
          trunks,
          firewall,
          mtu,
          rate,
          linkDown,
          hostManaged);
    }
  }
}
