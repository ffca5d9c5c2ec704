package io.pvedeploy.deploy.internal;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Strict IPv4 parsing: four decimal octets 0 to 255, no leading zeros, no spaces. */
public final class Ipv4 {
  private static final Pattern OCTETS = Pattern.compile("(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})\\."
      + "(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})");
  private static final Pattern PREFIX = Pattern.compile("0|[1-9][0-9]?");

  private Ipv4() {}

  /** The address as an unsigned 32-bit value, or empty if {@code text} is not one. */
  public static OptionalLong parse(String text) {
    if (text == null) {
      return OptionalLong.empty();
    }
    Matcher m = OCTETS.matcher(text);
    if (!m.matches()) {
      return OptionalLong.empty();
    }
    long value = 0;
    for (int i = 1; i <= 4; i++) {
      int octet = Integer.parseInt(m.group(i));
      if (octet > 255) {
        return OptionalLong.empty();
      }
      value = value << 8 | octet;
    }
    return OptionalLong.of(value);
  }

  /** The prefix length of {@code a.b.c.d/p}, or -1 if the text has no valid one (0 to 32). */
  public static int prefix(String cidr) {
    int slash = cidr == null ? -1 : cidr.indexOf('/');
    if (slash < 0 || !PREFIX.matcher(cidr.substring(slash + 1)).matches()) {
      return -1;
    }
    int p = Integer.parseInt(cidr.substring(slash + 1));
    return p <= 32 ? p : -1;
  }

  /** The netmask of a prefix length, as an unsigned 32-bit value. */
  public static long mask(int prefix) {
    return prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
  }

  public static String format(long address) {
    return (address >> 24 & 255) + "." + (address >> 16 & 255) + "." + (address >> 8 & 255) + "."
        + (address & 255);
  }
}
