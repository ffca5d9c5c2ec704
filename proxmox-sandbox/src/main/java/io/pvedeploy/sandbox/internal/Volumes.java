package io.pvedeploy.sandbox.internal;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Helpers for volume ids and disk property strings. */
final class Volumes {
  private Volumes() {}

  /** A file volume on a storage's content list (template, ISO or backup archive). */
  record Volume(
      String volid,
      String content,
      String format,
      long size,
      long ctime,
      Integer vmid,
      String subtype,
      Map<String, String> archivedConfig) {}

  private static final Pattern SIZE = Pattern.compile("(?:^|,)size=(\\d+(?:\\.\\d+)?)([KMGT]?)");

  /** Bytes from the {@code size=} option of a disk property string, 0 if none. */
  static long sizeOf(String diskSpec) {
    Matcher m = SIZE.matcher(diskSpec);
    if (!m.find()) {
      return 0;
    }
    return toBytes(Double.parseDouble(m.group(1)), m.group(2));
  }

  static long toBytes(double amount, String unit) {
    double factor =
        switch (unit) {
          case "K" -> 1024d;
          case "M" -> 1024d * 1024;
          case "G" -> 1024d * 1024 * 1024;
          case "T" -> 1024d * 1024 * 1024 * 1024;
          default -> 1; // a bare number is bytes, as in PVE's parse_size
        };
    return (long) (amount * factor);
  }

  /** The volume part of a disk property string (its first, keyless element). */
  static String volumeOf(String diskSpec) {
    String first = diskSpec.split(",", 2)[0];
    if (first.startsWith("volume=")) {
      return first.substring(7);
    }
    if (first.startsWith("file=")) {
      return first.substring(5);
    }
    return first;
  }

  /** Options after the volume, keeping a leading comma when present. */
  static String optionsOf(String diskSpec) {
    int comma = diskSpec.indexOf(',');
    return comma < 0 ? "" : diskSpec.substring(comma);
  }
}
