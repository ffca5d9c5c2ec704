package io.pvedeploy.proxmox;

import io.pvedeploy.proxmox.internal.PropertyStrings;
import io.pvedeploy.proxmox.internal.PropertyStrings.Format;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One network device of a QEMU VM, the {@code net[n]} property ({@code
 * virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,tag=20,firewall=1}), typed so that the odd "model key
 * carries the MAC" form is read and written correctly.
 *
 * <p>Absent values are null (lists empty); flags that are off are not written, as PVE assumes off.
 * Build with {@link #builder(Model)}.
 *
 * @param model the emulated NIC, e.g. {@link Model#VIRTIO} (required)
 * @param macaddr the MAC address (upper case), or null to let PVE pick one
 * @param bridge the host bridge, e.g. {@code vmbr0}; null gives QEMU's NATed user network
 * @param tag the VLAN tag, 1 to 4094
 * @param trunks VLAN ids or ranges to pass through, like {@code 10} or {@code 20-30}
 * @param firewall whether PVE's firewall protects this device
 * @param mtu the MTU, 1 to 65520 (1 means the bridge's; VirtIO only)
 * @param queues the number of packet queues, 0 to 64
 * @param rate a rate limit in MB/s
 * @param linkDown whether the link is disconnected ({@code link_down})
 */
public record QemuNetwork(
    Model model,
    String macaddr,
    String bridge,
    Integer tag,
    List<String> trunks,
    boolean firewall,
    Integer mtu,
    Integer queues,
    Double rate,
    boolean linkDown) {

  private static final String PROPERTY = "net[n]";
  private static final Set<String> KEYS;

  static {
    Set<String> keys =
        new HashSet<>(
            Set.of(
                "model",
                "macaddr",
                "bridge",
                "tag",
                "trunks",
                "firewall",
                "mtu",
                "queues",
                "rate",
                "link_down"));
    for (Model model : Model.values()) {
      keys.add(model.pveName());
    }
    KEYS = Set.copyOf(keys);
  }

  private static final Pattern TRUNK = Pattern.compile("(\\d{1,4})(?:-(\\d{1,4}))?");

  /** The NIC models PVE offers; the PVE name is also the key that carries the MAC address. */
  public enum Model {
    E1000("e1000"),
    E1000_82540EM("e1000-82540em"),
    E1000_82544GC("e1000-82544gc"),
    E1000_82545EM("e1000-82545em"),
    E1000E("e1000e"),
    I82551("i82551"),
    I82557B("i82557b"),
    I82559ER("i82559er"),
    NE2K_ISA("ne2k_isa"),
    NE2K_PCI("ne2k_pci"),
    PCNET("pcnet"),
    RTL8139("rtl8139"),
    VIRTIO("virtio"),
    VMXNET3("vmxnet3");

    private final String pveName;

    Model(String pveName) {
      this.pveName = pveName;
    }

    /** The name PVE uses, e.g. {@code e1000-82540em}. */
    public String pveName() {
      return pveName;
    }

    /**
     * The model PVE calls {@code name}.
     *
     * @throws MalformedPropertyException if PVE has no such model
     */
    public static Model fromPveName(String name) {
      for (Model model : values()) {
        if (model.pveName.equals(name)) {
          return model;
        }
      }
      throw new MalformedPropertyException(
          PROPERTY, "model", "unknown NIC model '" + name + "'", "one of " + namesForMessage());
    }

    private static String namesForMessage() {
      StringBuilder names = new StringBuilder();
      for (Model model : values()) {
        names.append(names.length() == 0 ? "" : ", ").append(model.pveName);
      }
      return names.toString();
    }
  }

  /** Checks every value the way PVE does; copies the list. */
  public QemuNetwork {
    if (model == null) {
      throw new MalformedPropertyException(
          PROPERTY, "model", "missing NIC model", "one of " + Model.namesForMessage());
    }
    PropertyStrings.check(PROPERTY, "macaddr", macaddr, Format.MAC_ADDR);
    macaddr = macaddr == null ? null : macaddr.toUpperCase(Locale.ROOT);
    PropertyStrings.check(PROPERTY, "bridge", bridge, Format.BRIDGE_ID);
    PropertyStrings.checkRange(PROPERTY, "tag", tag, 1, 4094);
    trunks = PropertyStrings.checkList(PROPERTY, "trunks", trunks, QemuNetwork::checkTrunk);
    PropertyStrings.checkRange(PROPERTY, "mtu", mtu, 1, 65520);
    PropertyStrings.checkRange(PROPERTY, "queues", queues, 0, 64);
    PropertyStrings.checkNumber(PROPERTY, "rate", rate, 0);
  }

  private static void checkTrunk(String trunk) {
    var m = TRUNK.matcher(trunk);
    boolean valid = m.matches();
    if (valid) {
      int from = Integer.parseInt(m.group(1));
      int to = m.group(2) == null ? from : Integer.parseInt(m.group(2));
      valid = from >= 1 && to <= 4094 && from <= to;
    }
    if (!valid) {
      throw new MalformedPropertyException(
          PROPERTY,
          "trunks",
          "'trunks' has an invalid VLAN id or range: '" + trunk + "'",
          "VLAN ids from 1 to 4094 or ranges like 20-30");
    }
  }

  /** A builder for a device of this model. */
  public static Builder builder(Model model) {
    return new Builder().model(model);
  }

  /** A builder holding this device's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Reads a {@code net[n]} value as PVE writes it, e.g. {@code
   * virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1}. The model may also be written bare ({@code
   * virtio}) or as {@code model=virtio,macaddr=…}.
   *
   * @throws MalformedPropertyException on an unknown or duplicate key, a missing model, or a bad
   *     value
   */
  public static QemuNetwork parse(String value) {
    PropertyStrings.Fields fields = PropertyStrings.parse(PROPERTY, value, "model", KEYS);
    String modelName = fields.string("model");
    String mac = fields.string("macaddr");
    for (Model candidate : Model.values()) {
      String aliasedMac = fields.string(candidate.pveName());
      if (aliasedMac == null) {
        continue;
      }
      if (modelName != null) {
        throw new MalformedPropertyException(
            PROPERTY,
            candidate.pveName(),
            "the NIC model is given twice ('" + modelName + "' and '" + candidate.pveName() + "')",
            "one model, like virtio=BC:24:11:2A:3B:4C");
      }
      if (mac != null) {
        throw new MalformedPropertyException(
            PROPERTY,
            "macaddr",
            "the MAC address is given twice ('"
                + candidate.pveName()
                + "="
                + aliasedMac
                + "' and 'macaddr="
                + mac
                + "')",
            "one MAC address, like virtio=BC:24:11:2A:3B:4C");
      }
      modelName = candidate.pveName();
      mac = aliasedMac;
    }
    if (modelName == null) {
      throw new MalformedPropertyException(
          PROPERTY, "model", "missing NIC model", "one of " + Model.namesForMessage());
    }
    String trunkText = fields.string("trunks");
    List<String> trunks = trunkText == null ? List.of() : Arrays.asList(trunkText.split(";", -1));
    return new QemuNetwork(
        Model.fromPveName(modelName),
        mac,
        fields.string("bridge"),
        fields.integer("tag", 1, 4094),
        trunks,
        fields.flag("firewall", false),
        fields.integer("mtu", 1, 65520),
        fields.integer("queues", 0, 64),
        fields.number("rate", 0),
        fields.flag("link_down", false));
  }

  /**
   * The canonical property string, as PVE's {@code print_property_string} writes it: the model
   * first, carrying the MAC ({@code virtio=BC:24:…}), then the other keys sorted.
   */
  public String render() {
    return PropertyStrings.writer()
        .positional(model.pveName() + (macaddr == null ? "" : "=" + macaddr))
        .put("bridge", bridge)
        .flag("firewall", firewall, false)
        .flag("link_down", linkDown, false)
        .put("mtu", mtu)
        .put("queues", queues)
        .put("rate", rate)
        .put("tag", tag)
        .put("trunks", trunks)
        .render();
  }

  @Override
  public String toString() {
    return "QemuNetwork[" + render() + "]";
  }

  /** Builds a {@link QemuNetwork}; every value is checked by {@link #build()}. */
  public static final class Builder {
    private Model model;
    private String macaddr;
    private String bridge;
    private Integer tag;
    private List<String> trunks = List.of();
    private boolean firewall;
    private Integer mtu;
    private Integer queues;
    private Double rate;
    private boolean linkDown;

    private Builder() {}

    private Builder(QemuNetwork n) {
      model = n.model;
      macaddr = n.macaddr;
      bridge = n.bridge;
      tag = n.tag;
      trunks = n.trunks;
      firewall = n.firewall;
      mtu = n.mtu;
      queues = n.queues;
      rate = n.rate;
      linkDown = n.linkDown;
    }

    /** The emulated NIC. */
    public Builder model(Model model) {
      this.model = model;
      return this;
    }

    /** A fixed MAC address; null lets PVE pick one. */
    public Builder macaddr(String macaddr) {
      this.macaddr = macaddr;
      return this;
    }

    /** The host bridge, e.g. {@code vmbr0}. */
    public Builder bridge(String bridge) {
      this.bridge = bridge;
      return this;
    }

    /** The VLAN tag, 1 to 4094; null for untagged. */
    public Builder tag(Integer tag) {
      this.tag = tag;
      return this;
    }

    /** VLAN ids or ranges to pass through, like {@code "10"} or {@code "20-30"}. */
    public Builder trunks(List<String> trunks) {
      this.trunks = trunks;
      return this;
    }

    /** VLAN ids or ranges to pass through, like {@code "10"} or {@code "20-30"}. */
    public Builder trunks(String... trunks) {
      return trunks(Arrays.asList(trunks));
    }

    /** Whether PVE's firewall protects this device. */
    public Builder firewall(boolean firewall) {
      this.firewall = firewall;
      return this;
    }

    /** The MTU, 1 to 65520 (1: the bridge's); null for the default. */
    public Builder mtu(Integer mtu) {
      this.mtu = mtu;
      return this;
    }

    /** The number of packet queues, 0 to 64. */
    public Builder queues(Integer queues) {
      this.queues = queues;
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

    /**
     * The device.
     *
     * @throws MalformedPropertyException if a value is invalid
     */
    public QemuNetwork build() {
      return new QemuNetwork(
          model, macaddr, bridge, tag, trunks, firewall, mtu, queues, rate, linkDown);
    }
  }
}
