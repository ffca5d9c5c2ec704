package io.pvedeploy.proxmox;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The one place that turns an argv into a shell command line: SSH's remote command is a single
 * string that the node's login shell parses, so every argument is quoted here and nowhere else.
 *
 * <p>Each argument becomes a POSIX single-quoted word ({@code '} written as {@code '\''}), so
 * nothing inside it is special to {@code sh}, {@code dash}, {@code bash} or {@code zsh}: not
 * {@code $()}, backticks, globs, {@code ;}, {@code |}, {@code ~}, newlines or a leading {@code -}.
 * NUL cannot be passed in an argument at all and is refused.
 *
 * <p>In {@linkplain #quote(List, boolean) ASCII-only mode} non-ASCII characters are written as
 * {@code "$(printf '\ooo…')"} (their UTF-8 bytes in octal), for JVMs whose platform charset is
 * not UTF-8 and would turn them into {@code ?} on the way to the {@code ssh} process.
 */
final class ShellQuoting {
  private ShellQuoting() {}

  /**
   * Quotes {@code argv} for the platform: raw UTF-8 when the JVM hands process arguments to the
   * OS as UTF-8, ASCII-only otherwise.
   */
  static String quote(List<String> argv) {
    return quote(argv, !platformPassesUtf8());
  }

  /**
   * Every argument single-quoted, separated by one space.
   *
   * @throws IllegalArgumentException if argv is empty, or an argument is null, holds a NUL or is
   *     not valid Unicode (a lone surrogate); the message names the argument's index, never its
   *     value, which may be a secret
   */
  static String quote(List<String> argv, boolean asciiOnly) {
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

  /** One argument, quoted as by {@link #quote(List, boolean)}. */
  static String quoteArgument(String argument, boolean asciiOnly) {
    StringBuilder out = new StringBuilder();
    appendQuoted(out, argument, 0, asciiOnly);
    return out.toString();
  }

  /** Checks one argument the way {@link #quote} does, for callers that pass argv unquoted. */
  static String checkArgument(String argument, int index) {
    if (argument == null) {
      throw new IllegalArgumentException("argument " + index + " is null");
    }
    for (int i = 0; i < argument.length(); i++) {
      char c = argument.charAt(i);
      if (c == '\0') {
        throw new IllegalArgumentException(
            "argument " + index + " contains a NUL character at position " + i
                + ": a command-line argument cannot hold NUL; pass such data on stdin instead");
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < argument.length()
          && Character.isLowSurrogate(argument.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            "argument " + index + " is not valid Unicode: a lone surrogate at position " + i
                + " cannot be encoded as UTF-8");
      }
    }
    return argument;
  }

  static boolean platformPassesUtf8() {
    // JDK 17 encodes process arguments with the default charset, later JDKs with
    // sun.jnu.encoding; both must be UTF-8 for raw non-ASCII arguments to survive.
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
        // End the quoted word, add an escaped quote, start a new quoted word.
        out.append("'\\''");
        i++;
      } else if (asciiOnly && c >= 0x80) {
        int end = i;
        while (end < argument.length() && argument.charAt(end) >= 0x80) {
          end++;
        }
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
