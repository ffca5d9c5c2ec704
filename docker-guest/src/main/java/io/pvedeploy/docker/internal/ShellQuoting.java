package io.pvedeploy.docker.internal;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The one place that turns an argv into a POSIX shell command line (SSH's remote command is one
 * string that the guest's login shell parses): every argument becomes a single-quoted word, so
 * nothing in it is special to {@code sh}, {@code dash}, {@code bash} or {@code zsh} — not
 * {@code $(…)}, backticks, globs, {@code ;}, {@code |}, {@code ~}, newlines or a leading
 * {@code -}. A {@code '} is written {@code '\''}. NUL cannot be in an argument at all and is
 * refused.
 *
 * <p>In ASCII-only mode non-ASCII characters are written as {@code "$(printf '\ooo…')"} (their
 * UTF-8 bytes in octal), for JVMs whose platform charset is not UTF-8 and would turn them into
 * {@code ?} on the way to the child process.
 */
public final class ShellQuoting {
  private ShellQuoting() {}

  /** Every argument single-quoted, separated by one space. */
  public static String quote(List<String> argv, boolean asciiOnly) {
    if (argv == null || argv.isEmpty()) {
      throw new IllegalArgumentException("argv must hold at least the program to run");
    }
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < argv.size(); i++) {
      if (i > 0) {
        line.append(' ');
      }
      appendQuoted(line, argv.get(i), i, asciiOnly);
    }
    return line.toString();
  }

  /**
   * Checks one argument: not null, no NUL, no lone surrogate. The message names the index, never
   * the value, which may be a secret.
   */
  public static String checkArgument(String argument, int index) {
    if (argument == null) {
      throw new IllegalArgumentException("argument " + index + " is null");
    }
    for (int i = 0; i < argument.length(); i++) {
      char c = argument.charAt(i);
      if (c == '\0') {
        throw new IllegalArgumentException("argument " + index + " contains a NUL character at"
            + " position " + i + ": a command-line argument cannot hold NUL; pass such data on"
            + " stdin instead");
      }
      if (Character.isHighSurrogate(c) && i + 1 < argument.length()
          && Character.isLowSurrogate(argument.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException("argument " + index + " is not valid Unicode: a lone"
            + " surrogate at position " + i + " cannot be encoded as UTF-8");
      }
    }
    return argument;
  }

  /** Whether any argument holds a non-ASCII character. */
  public static boolean hasNonAscii(List<String> argv) {
    return argv.stream().anyMatch(a -> a.chars().anyMatch(c -> c >= 0x80));
  }

  /**
   * Whether this JVM hands process arguments to the OS as UTF-8. JDK 17 encodes them with the
   * default charset, later JDKs with {@code sun.jnu.encoding}; both must be UTF-8.
   */
  public static boolean platformPassesUtf8() {
    String jnu = System.getProperty("sun.jnu.encoding", "UTF-8");
    return Charset.defaultCharset().equals(StandardCharsets.UTF_8)
        && (jnu.equalsIgnoreCase("UTF-8") || jnu.equalsIgnoreCase("UTF8"));
  }

  private static void appendQuoted(StringBuilder out, String argument, int index, boolean asciiOnly) {
    checkArgument(argument, index);
    out.append('\'');
    int i = 0;
    while (i < argument.length()) {
      char c = argument.charAt(i);
      if (c == '\'') {
        out.append("'\\''");
        i++;
      } else if (asciiOnly && c >= 0x80) {
        int end = i;
        while (end < argument.length() && argument.charAt(end) >= 0x80) {
          end++;
        }
        // Command substitution strips trailing newlines only; these bytes hold none.
        out.append("'\"$(printf '");
        for (byte b : argument.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
          out.append('\\').append(Integer.toOctalString(b & 0xff));
        }
        out.append("')\"'");
        i = end;
      } else {
        out.append(c);
        i++;
      }
    }
    out.append('\'');
  }
}
