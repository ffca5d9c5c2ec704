package io.pvedeploy.sandbox.internal;

import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * PVE's named string formats (pve-common's JSONSchema.pm registers them; the texts below are the
 * ones its verifiers die with). A verifier returns null when the value is fine, else the error
 * text. Formats we do not know are accepted, as the brief allows.
 */
final class Formats {
  private Formats() {}

  private static final String IPV4_OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
  static final Pattern IPV4 = Pattern.compile(IPV4_OCTET + "(?:\\." + IPV4_OCTET + "){3}");
  private static final Pattern CIDR_SUFFIX = Pattern.compile("(.+)/(\\d+)");
  private static final Pattern VMID = Pattern.compile("[1-9][0-9]{2,8}");
  private static final Pattern NODE = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?");
  private static final Pattern CONFIGID = Pattern.compile("(?i)[a-z][a-z0-9_-]+");
  private static final Pattern ID = Pattern.compile("(?i)[a-z][a-z0-9\\-_.]*[a-z0-9]");
  private static final Pattern BRIDGE = Pattern.compile("[-_.\\w\\d]+");
  private static final Pattern MAC = Pattern.compile("(?i)[a-f0-9][02468ace](?::[a-f0-9]{2}){5}");
  private static final Pattern DNS_LABEL = Pattern.compile("([a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?)");
  private static final Pattern DNS_NAME =
      Pattern.compile("(" + DNS_LABEL.pattern() + "\\.)*" + DNS_LABEL.pattern());
  private static final Pattern IFACE = Pattern.compile("(?i)[a-z][a-z0-9_]{1,20}([:.]\\d+)?");
  private static final Pattern URLENCODED = Pattern.compile("[-%a-zA-Z0-9_.!~*'()]*");
  private static final Pattern VOLID = Pattern.compile("(?i)([a-z][a-z0-9\\-_.]*[a-z0-9]):(.+)");
  private static final Pattern DISK_SIZE = Pattern.compile("(\\d+(\\.\\d+)?)([KMGT])?");
  private static final Pattern SIZE_SPEC = Pattern.compile("\\d+(\\.\\d+)?");
  private static final Pattern TAG = Pattern.compile("(?i)[a-z0-9_][a-z0-9_\\-+.]*");

  private static final Map<String, Function<String, String>> VERIFIERS =
      Map.ofEntries(
          Map.entry("pve-vmid", v -> VMID.matcher(v).matches() ? null : "value does not look like a valid VM ID"),
          Map.entry("pve-node", v -> NODE.matcher(v).matches() ? null : "value does not look like a valid node name"),
          Map.entry("pve-configid", v -> CONFIGID.matcher(v).matches() ? null : "invalid configuration ID '" + v + "'"),
          Map.entry("pve-storage-id", v -> ID.matcher(v).matches() ? null : "storage ID '" + v + "' contains illegal characters"),
          Map.entry("pve-bridge-id", v -> BRIDGE.matcher(v).matches() ? null : "invalid bridge ID '" + v + "'"),
          Map.entry("mac-addr", v -> MAC.matcher(v).matches() ? null : "value does not look like a valid unicast MAC address"),
          Map.entry("ipv4", v -> isIpv4(v) ? null : "value does not look like a valid IPv4 address"),
          Map.entry("ipv6", v -> isIpv6(v) ? null : "value does not look like a valid IPv6 address"),
          Map.entry("ip", v -> isIpv4(v) || isIpv6(v) ? null : "value does not look like a valid IP address"),
          Map.entry("CIDRv4", v -> isCidr4(v) ? null : "value does not look like a valid IPv4 CIDR network"),
          Map.entry("CIDRv6", v -> isCidr6(v) ? null : "value does not look like a valid IPv6 CIDR network"),
          Map.entry("CIDR", v -> isCidr4(v) || isCidr6(v) ? null : "value does not look like a valid CIDR network"),
          Map.entry("pve-ipv4-config", v -> v.equals("dhcp") || v.equals("manual") || isCidr4(v) ? null
              : "value does not look like a valid ipv4 network configuration"),
          Map.entry("pve-ipv6-config", v -> v.matches("auto|dhcp|manual") || isCidr6(v) ? null
              : "value does not look like a valid ipv6 network configuration"),
          Map.entry("dns-name", v -> DNS_NAME.matcher(v).matches() ? null : "value does not look like a valid DNS name"),
          Map.entry("pve-iface", v -> IFACE.matcher(v).matches() ? null : "invalid network interface name '" + v + "'"),
          Map.entry("urlencoded", v -> URLENCODED.matcher(v).matches() ? null : "invalid urlencoded string: " + v),
          Map.entry("pve-volume-id", v -> VOLID.matcher(v).matches() ? null : "unable to parse volume ID '" + v + "'"),
          Map.entry("pve-volume-id-or-qm-path", Formats::volumeOrPath),
          Map.entry("pve-volume-id-or-absolute-path", Formats::volumeOrPath),
          Map.entry("pve-lxc-mp-string", Formats::volumeOrPath),
          Map.entry("disk-size", v -> DISK_SIZE.matcher(v).matches() ? null : "value does not look like a valid disk size: " + v),
          Map.entry("pve-tag", v -> TAG.matcher(v).matches() ? null : "invalid characters in tag '" + v + "'"),
          Map.entry("pve-storage-content", v -> v.matches("[a-z]+") ? null : "invalid content type '" + v + "'"),
          Map.entry("pve-startup-order", v -> startupOrder(v) ? null : "unable to parse startup options"));

  /** pve_parse_startup_order succeeds: comma-separated {@code [order=]N}, {@code up=N}, {@code down=N}. */
  private static boolean startupOrder(String v) {
    if (v.isEmpty() || v.equals("0")) {
      return false; // Perl's "return undef if !$value"
    }
    for (String part : v.split(",")) {
      if (!part.isBlank() && !part.matches("(order=)?\\d+|up=\\d+|down=\\d+")) {
        return false;
      }
    }
    return true;
  }

  /**
   * Checks a value against a named format; handles PVE's {@code -list} and {@code -opt}
   * suffixes. Returns the error text or null.
   */
  static String check(String format, String value) {
    String base = format;
    String kind = "none";
    if (format.endsWith("-list") && !VERIFIERS.containsKey(format)) {
      base = format.substring(0, format.length() - 5);
      kind = "list";
    } else if (format.endsWith("-opt")) {
      base = format.substring(0, format.length() - 4);
      kind = "opt";
    }
    Function<String, String> verifier = VERIFIERS.get(base);
    if (verifier == null) {
      return null;
    }
    switch (kind) {
      case "list":
        for (String item : splitList(value)) {
          String err = verifier.apply(item);
          if (err != null) {
            return err;
          }
        }
        return null;
      case "opt":
        return value.isEmpty() ? null : verifier.apply(value);
      default:
        return verifier.apply(value);
    }
  }

  /** PVE::Tools::split_list: NUL-separated if it contains NUL, else ',', ';' or whitespace. */
  static java.util.List<String> splitList(String text) {
    if (text.indexOf('\0') >= 0) {
      return java.util.List.of(text.split("\0"));
    }
    String t = text.replaceAll("[,;]", " ").strip();
    return t.isEmpty() ? java.util.List.of() : java.util.List.of(t.split("\\s+"));
  }

  static boolean isIpv4(String v) {
    return IPV4.matcher(v).matches();
  }

  static boolean isIpv6(String v) {
    if (v.isEmpty() || !v.matches("[0-9a-fA-F:.]+") || !v.contains(":")) {
      return false;
    }
    try {
      return java.net.InetAddress.getByName("[" + v + "]") instanceof java.net.Inet6Address;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  static boolean isCidr4(String v) {
    var m = CIDR_SUFFIX.matcher(v);
    return m.matches() && isIpv4(m.group(1)) && bits(m.group(2), 32);
  }

  static boolean isCidr6(String v) {
    var m = CIDR_SUFFIX.matcher(v);
    return m.matches() && isIpv6(m.group(1)) && bits(m.group(2), 128);
  }

  private static boolean bits(String s, int max) {
    try {
      int b = Integer.parseInt(s);
      return b > 7 && b <= max;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Volume ids, absolute paths, {@code STORAGE:SIZE} allocations and qm's {@code none|cdrom}. */
  private static String volumeOrPath(String v) {
    if (v.startsWith("/") || v.equals("none") || v.equals("cdrom") || VOLID.matcher(v).matches()) {
      return null;
    }
    return "unable to parse volume ID '" + v + "'";
  }

  /** A {@code STORAGE:SIZE} allocation request like {@code local-lvm:8}: returns size in GiB. */
  static Double allocationSize(String volume) {
    var m = VOLID.matcher(volume);
    if (m.matches() && SIZE_SPEC.matcher(m.group(2)).matches()) {
      return Double.parseDouble(m.group(2));
    }
    return null;
  }

  static String[] splitVolid(String volid) {
    var m = VOLID.matcher(volid);
    return m.matches() ? new String[] {m.group(1), m.group(2)} : null;
  }
}
