package io.pvedeploy.sandbox.internal;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who made a sandbox bridge, written into the bridge's alias ({@code ip link set dev BR alias …}):
 * the marker lives and dies with the bridge, so a later sandbox can tell a dead owner's leftover
 * from a running neighbour without knowing that owner's state directory.
 *
 * @param pid the owning JVM
 * @param start its start time in clock ticks (field 22 of /proc/PID/stat), to tell a reused pid
 * @param natComment the comment on its iptables rules
 * @param dir its runtime directory; cut to fit the kernel's 255-byte alias when longer
 */
record BridgeOwner(long pid, String start, String natComment, String dir) {
  static final String PREFIX = "pvedeploy-sandbox";
  private static final int IFALIAS_MAX = 255;
  private static final Pattern FORMAT =
      Pattern.compile(PREFIX + " pid=(\\d+) start=(\\d*) nat=(\\S+) dir=(.*)");

  String render() {
    String text = PREFIX + " pid=" + pid + " start=" + start + " nat=" + natComment + " dir=" + dir;
    return text.length() <= IFALIAS_MAX ? text : text.substring(0, IFALIAS_MAX);
  }

  /** The owner named by an alias, or empty for a bridge someone else made (or an older sandbox). */
  static Optional<BridgeOwner> parse(String alias) {
    Matcher m = FORMAT.matcher(alias == null ? "" : alias.strip());
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(new BridgeOwner(Long.parseLong(m.group(1)), m.group(2), m.group(3), m.group(4)));
  }
}
