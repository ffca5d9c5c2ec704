package io.pvedeploy.proxmox;

import java.util.List;

/**
 * A network interface as seen inside a guest (LXC {@code …/interfaces}, or the QEMU guest agent's
 * {@code network-get-interfaces}).
 *
 * @param name e.g. {@code eth0}
 * @param hardwareAddress its MAC
 * @param ipv4 addresses in CIDR form, e.g. {@code 10.0.0.5/24}
 * @param ipv6 addresses in CIDR form
 */
public record GuestInterface(String name, String hardwareAddress, List<String> ipv4, List<String> ipv6) {
  public GuestInterface {
    ipv4 = List.copyOf(ipv4);
    ipv6 = List.copyOf(ipv6);
  }

  /** The first IPv4 address without its prefix length, if any. */
  public java.util.Optional<String> firstIpv4() {
    return ipv4.stream().findFirst().map(a -> a.contains("/") ? a.substring(0, a.indexOf('/')) : a);
  }
}
