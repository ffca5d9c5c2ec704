package io.pvedeploy.deploy.internal;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as a spec writes them: {@code 90s}, {@code 3m}, {@code 1h}, {@code 1h30m}, {@code 2m30s}. */
public final class Durations {
  private static final Pattern FORMAT = Pattern.compile("(?:([0-9]{1,5})h)?(?:([0-9]{1,7})m)?(?:([0-9]{1,9})s)?");

  private Durations() {}

  /** The duration {@code text} names, or null if it is not one. */
  public static Duration parse(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    Matcher m = FORMAT.matcher(text);
    if (!m.matches()) {
      return null;
    }
    long seconds = 0;
    if (m.group(1) != null) {
      seconds += Long.parseLong(m.group(1)) * 3600;
    }
    if (m.group(2) != null) {
      seconds += Long.parseLong(m.group(2)) * 60;
    }
    if (m.group(3) != null) {
      seconds += Long.parseLong(m.group(3));
    }
    return Duration.ofSeconds(seconds);
  }

  /** The shortest form {@link #parse} reads back: {@code 3m}, {@code 1h30m}, {@code 90s} as {@code 1m30s}. */
  public static String format(Duration d) {
    long s = d.getSeconds();
    if (s == 0) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    if (s < 0) {
      return d.toString();
    }
    if (s >= 3600) {
      out.append(s / 3600).append('h');
    }
    if (s % 3600 >= 60) {
      out.append(s % 3600 / 60).append('m');
    }
    if (s % 60 != 0) {
      out.append(s % 60).append('s');
    }
    return out.toString();
  }
}
