package io.pvedeploy.sandbox.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A task's Unique Process ID, formatted exactly as pve-common's PVE::UPID::encode does:
 * {@code UPID:node:PID:PSTART:STARTTIME:type:id:user:} with the three numbers as upper-case hex,
 * zero-padded to 8 digits.
 */
record Upid(String node, long pid, long pstart, long starttime, String type, String id, String user) {
  private static final Pattern FORMAT =
      Pattern.compile(
          "UPID:([a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):"
              + "([0-9A-Fa-f]{8}):([^:\\s/]+):([^:\\s/]*):([^:\\s/]+):");

  @Override
  public String toString() {
    return String.format(
        "UPID:%s:%08X:%08X:%08X:%s:%s:%s:", node, pid, pstart, starttime, type, id, user);
  }

  /** Null when the text is not a UPID (PVE answers "unable to parse worker upid"). */
  static Upid parse(String text) {
    Matcher m = FORMAT.matcher(text);
    if (!m.matches()) {
      return null;
    }
    return new Upid(
        m.group(1),
        Long.parseLong(m.group(3), 16),
        Long.parseLong(m.group(4), 16),
        Long.parseLong(m.group(5), 16),
        m.group(6),
        m.group(7),
        m.group(8));
  }
}
