package io.pvedeploy.secrets.internal;

import io.pvedeploy.secrets.StoreTamperedException;
import io.pvedeploy.secrets.StoreTamperedException.Kind;
import io.pvedeploy.secrets.UnsupportedFormatException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.Mac;

/**
 * The store file, version 1, as {@code docs/secrets-format.md} specifies it: parsing, rendering,
 * and verification in the order the document gives, so that the first finding is the most
 * specific one.
 *
 * <pre>
 * # comments (leading only)
 * pvedeploy-secrets version=1
 * recipient age1…                       (sorted, one or more)
 * data-key BASE64                       (age file of the 32-byte data key, to every recipient)
 * secret NAME after=PREV|- version=N created=TS rotated=TS value=BASE64 [previous=BASE64] mac=BASE64
 * end count=N last=NAME|- mac=BASE64
 * </pre>
 */
public final class StoreFormat {
  private StoreFormat() {}

  public static final int VERSION = 1;
  public static final Pattern NAME = Pattern.compile("[a-z0-9_][a-z0-9_.-]{0,63}");
  private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]+={0,2}");
  /** An HMAC-SHA256 in base64: exactly 44 characters. */
  private static final Pattern MAC = Pattern.compile("[A-Za-z0-9+/]{43}=");
  private static final String HEADER_COMMENT = String.join("\n",
      "# pvedeploy secrets store: names in clear, each value a separate age file (base64).",
      "# Do not edit by hand: every line is covered by a MAC. Format: docs/secrets-format.md",
      "# Read one value: sed -n 's/^secret NAME .* value=\\([^ ]*\\).*/\\1/p' FILE | base64 -d | age -d -i key.txt",
      "");

  /** One secret's line. {@code previous} is null unless a rotation is unconfirmed. */
  public record Entry(String name, String after, int version, Instant created, Instant rotated,
      String value, String previous, String mac, int line) {

    /** The line up to the space before {@code mac=}: what the entry MAC covers. */
    public String body() {
      StringBuilder b = new StringBuilder(96 + value.length() + (previous == null ? 0 : previous.length()));
      b.append("secret ").append(name).append(" after=").append(after)
          .append(" version=").append(version)
          .append(" created=").append(created).append(" rotated=").append(rotated)
          .append(" value=").append(value);
      if (previous != null) {
        b.append(" previous=").append(previous);
      }
      return b.toString();
    }

    public Entry withChain(String newAfter, byte[] macKey) {
      Entry e = new Entry(name, newAfter, version, created, rotated, value, previous, "", 0);
      return new Entry(name, newAfter, version, created, rotated, value, previous, entryMac(macKey, e.body()), 0);
    }
  }

  /** A parsed, not yet verified file. */
  public record Parsed(List<String> recipients, String dataKey, List<Entry> entries, int count,
      String last, String mac, String headerText, int endLine) {}

  /** Seconds precision, UTC: the only timestamps the format holds. */
  public static Instant truncate(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS);
  }

  public static String entryMac(byte[] macKey, String body) {
    return Base64.getEncoder().encodeToString(Macs.hmac(macKey, body.getBytes(StandardCharsets.UTF_8)));
  }

  /** The whole-file MAC: header lines, each secret's name and MAC, the end line's body. */
  public static String fileMac(byte[] macKey, String headerText, List<Entry> entries, String endBody) {
    Mac mac = Macs.newMac(macKey);
    mac.update(headerText.getBytes(StandardCharsets.UTF_8));
    for (Entry e : entries) {
      mac.update(("secret " + e.name() + " " + e.mac() + "\n").getBytes(StandardCharsets.UTF_8));
    }
    mac.update(endBody.getBytes(StandardCharsets.UTF_8));
    return Base64.getEncoder().encodeToString(mac.doFinal());
  }

  static String headerText(List<String> recipients, String dataKey) {
    StringBuilder b = new StringBuilder("pvedeploy-secrets version=").append(VERSION).append('\n');
    for (String r : recipients) {
      b.append("recipient ").append(r).append('\n');
    }
    return b.append("data-key ").append(dataKey).append('\n').toString();
  }

  static String endBody(List<Entry> entries) {
    return "end count=" + entries.size() + " last=" + (entries.isEmpty() ? "-" : entries.get(entries.size() - 1).name());
  }

  /**
   * Renders a file. {@code entries} must be sorted by name; their chain ({@code after}) and MACs
   * are recomputed.
   */
  /** A rendered file and its entries with their chain and MACs filled in. */
  public record Rendered(String text, List<Entry> entries) {}

  public static Rendered render(List<String> recipients, String dataKey, List<Entry> entries, byte[] macKey) {
    List<Entry> chained = new ArrayList<>(entries.size());
    String after = "-";
    for (Entry e : entries) {
      Entry c = e.after().equals(after) && !e.mac().isEmpty() ? e : e.withChain(after, macKey);
      chained.add(c);
      after = e.name();
    }
    String header = headerText(recipients, dataKey);
    String endBody = endBody(chained);
    StringBuilder out = new StringBuilder(HEADER_COMMENT.length() + header.length() + chained.size() * 512);
    out.append(HEADER_COMMENT).append(header);
    for (Entry e : chained) {
      out.append(e.body()).append(" mac=").append(e.mac()).append('\n');
    }
    out.append(endBody).append(" mac=").append(fileMac(macKey, header, chained, endBody)).append('\n');
    return new Rendered(out.toString(), chained);
  }

  /** Parses the syntax; every finding is {@link Kind#MALFORMED} or {@link Kind#TRUNCATED}. */
  public static Parsed parse(String text) throws StoreTamperedException, UnsupportedFormatException {
    if (text.isEmpty() || text.charAt(text.length() - 1) != '\n') {
      throw tampered(Kind.TRUNCATED, null, 0, "the store file does not end with a newline: it was cut"
          + " short (an interrupted copy or editor)");
    }
    String[] lines = text.split("\n", -1);
    int n = lines.length - 1;
    int i = 0;
    while (i < n && (lines[i].startsWith("#") || lines[i].isBlank())) {
      i++;
    }
    int last = n - 1;
    while (last >= i && lines[last].isBlank()) {
      last--;
    }
    if (last < i || !lines[last].startsWith("end ")) {
      throw tampered(Kind.TRUNCATED, null, last + 1, "the store file has no 'end' line: it was cut"
          + " short after line " + (last + 1));
    }
    if (!lines[i].startsWith("pvedeploy-secrets ")) {
      throw tampered(Kind.MALFORMED, null, i + 1, "line " + (i + 1) + " should be 'pvedeploy-secrets"
          + " version=1': this is not a pvedeploy store file, or its header was edited");
    }
    String versionText = lines[i].substring("pvedeploy-secrets ".length());
    if (!versionText.matches("version=[0-9]{1,4}")) {
      throw tampered(Kind.MALFORMED, null, i + 1, "line " + (i + 1) + " should be 'pvedeploy-secrets version=N'");
    }
    int version = Integer.parseInt(versionText.substring("version=".length()));
    if (version != VERSION) {
      throw new UnsupportedFormatException("the store file is format version " + version + "; this"
          + " pvedeploy reads version " + VERSION + ". Upgrade pvedeploy, or read single values with"
          + " the age CLI as docs/secrets-format.md shows");
    }
    i++;
    List<String> recipients = new ArrayList<>();
    while (i < last && lines[i].startsWith("recipient ")) {
      String r = lines[i].substring("recipient ".length());
      if (!r.matches("age1[02-9ac-hj-np-z]{58}")) {
        throw tampered(Kind.MALFORMED, null, i + 1, "line " + (i + 1) + " is not 'recipient age1…'");
      }
      if (!recipients.isEmpty() && recipients.get(recipients.size() - 1).compareTo(r) >= 0) {
        throw tampered(Kind.MALFORMED, null, i + 1, "line " + (i + 1) + ": recipients must be sorted"
            + " and unique; the list was edited by hand");
      }
      recipients.add(r);
      i++;
    }
    if (recipients.isEmpty()) {
      throw tampered(Kind.MALFORMED, null, i + 1, "line " + (i + 1) + " should be the first"
          + " 'recipient age1…' line; a store has at least one recipient");
    }
    if (i >= last || !lines[i].startsWith("data-key ") || !BASE64.matcher(lines[i].substring(9)).matches()) {
      throw tampered(Kind.MALFORMED, null, i + 1, "line " + (i + 1) + " should be 'data-key BASE64'"
          + " after the recipients");
    }
    String dataKey = lines[i].substring("data-key ".length());
    String headerText = headerText(recipients, dataKey);
    i++;
    List<Entry> entries = new ArrayList<>();
    for (; i < last; i++) {
      Entry e = parseEntry(lines[i], i + 1);
      if (!entries.isEmpty()) {
        String before = entries.get(entries.size() - 1).name();
        int order = before.compareTo(e.name());
        if (order == 0) {
          throw tampered(Kind.ENTRY_ADDED, e.name(), i + 1, "secret '" + e.name() + "' appears twice"
              + " (line " + (i + 1) + " repeats it): a line was added");
        }
        if (order > 0) {
          throw tampered(Kind.MALFORMED, e.name(), i + 1, "secret '" + e.name() + "' on line " + (i + 1)
              + " is out of order after '" + before + "': entries are sorted by name; the file was"
              + " edited by hand");
        }
      }
      entries.add(e);
    }
    String end = lines[last];
    java.util.regex.Matcher m = Pattern.compile("end count=([0-9]{1,9}) last=(-|[a-z0-9_][a-z0-9_.-]{0,63}) mac=("
        + MAC.pattern() + ")").matcher(end);
    if (!m.matches()) {
      throw tampered(Kind.TRUNCATED, null, last + 1, "the 'end' line (line " + (last + 1) + ") is"
          + " incomplete: the file was cut short or edited");
    }
    return new Parsed(List.copyOf(recipients), dataKey, List.copyOf(entries), Integer.parseInt(m.group(1)),
        m.group(2), m.group(3), headerText, last + 1);
  }

  private static Entry parseEntry(String line, int number) throws StoreTamperedException {
    String[] t = line.split(" ", -1);
    if (t.length < 8 || !t[0].equals("secret")) {
      throw tampered(Kind.MALFORMED, null, number, "line " + number + " is not a 'secret NAME …' line"
          + " (only comments at the top, one header, recipients, data-key, secrets and end)");
    }
    String name = t[1];
    if (!NAME.matcher(name).matches()) {
      throw tampered(Kind.MALFORMED, null, number, "line " + number + " names no valid secret");
    }
    boolean hasPrevious = t.length == 9;
    String[] keys = hasPrevious
        ? new String[] {"after", "version", "created", "rotated", "value", "previous", "mac"}
        : new String[] {"after", "version", "created", "rotated", "value", "mac"};
    if (t.length != 2 + keys.length) {
      throw tampered(Kind.MALFORMED, name, number, "secret '" + name + "' on line " + number + " has "
          + (t.length - 2) + " fields; expected after, version, created, rotated, value, [previous,] mac");
    }
    Map<String, String> f = new HashMap<>();
    for (int k = 0; k < keys.length; k++) {
      String token = t[2 + k];
      if (!token.startsWith(keys[k] + "=")) {
        throw tampered(Kind.MALFORMED, name, number, "secret '" + name + "' on line " + number
            + ": field " + (k + 1) + " should be '" + keys[k] + "='");
      }
      f.put(keys[k], token.substring(keys[k].length() + 1));
    }
    try {
      String after = f.get("after");
      if (!after.equals("-") && !NAME.matcher(after).matches()) {
        throw new IllegalArgumentException("after");
      }
      int version = Integer.parseInt(f.get("version"));
      Instant created = Instant.parse(f.get("created"));
      Instant rotated = Instant.parse(f.get("rotated"));
      String mac = f.get("mac");
      if (!MAC.matcher(mac).matches()) {
        throw new IllegalArgumentException("mac");
      }
      // value and previous are checked by the MAC, not here: a changed byte is VALUE_MODIFIED.
      return new Entry(name, after, version, created, rotated, f.get("value"), f.get("previous"), mac, number);
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw tampered(Kind.MALFORMED, name, number, "secret '" + name + "' on line " + number
          + " has a field that does not parse (after, version, created, rotated or mac)");
    }
  }

  /**
   * Verifies the MACs and the chain under {@code macKey}, in the documented order: entries added
   * or removed (from MAC-valid entries' chain, then the end line's last name), values swapped,
   * values modified, the whole-file MAC.
   */
  public static void verify(Parsed p, byte[] macKey) throws StoreTamperedException {
    List<Entry> entries = p.entries();
    int n = entries.size();
    boolean[] valid = new boolean[n];
    Map<String, Integer> index = new HashMap<>();
    for (int k = 0; k < n; k++) {
      Entry e = entries.get(k);
      valid[k] = macEquals(entryMac(macKey, e.body()), e.mac());
      index.put(e.name(), k);
    }
    // 1. The chain: a valid entry names its predecessor.
    for (int k = 0; k < n; k++) {
      if (!valid[k]) {
        continue;
      }
      Entry e = entries.get(k);
      String actual = k == 0 ? "-" : entries.get(k - 1).name();
      if (e.after().equals(actual)) {
        continue;
      }
      if (e.after().equals("-")) {
        Entry extra = entries.get(0);
        throw tampered(Kind.ENTRY_ADDED, extra.name(), extra.line(), "secret '" + extra.name() + "'"
            + " (line " + extra.line() + ") was added to the store file outside the store: '"
            + e.name() + "' was written as the first entry");
      }
      Integer j = index.get(e.after());
      if (j == null) {
        throw tampered(Kind.ENTRY_REMOVED, e.after(), e.line(), "secret '" + e.after() + "' was removed"
            + " from the store file outside the store: '" + e.name() + "' (line " + e.line()
            + ") was written right after it");
      }
      Entry extra = entries.get(j + 1);
      throw tampered(Kind.ENTRY_ADDED, extra.name(), extra.line(), "secret '" + extra.name() + "'"
          + " (line " + extra.line() + ") was added to the store file outside the store: '" + e.name()
          + "' was written right after '" + e.after() + "'");
    }
    // 2. The end line names the last entry written.
    String actualLast = n == 0 ? "-" : entries.get(n - 1).name();
    if (!p.last().equals(actualLast)) {
      Integer j = index.get(p.last());
      if (p.last().equals("-")) {
        throw tampered(Kind.ENTRY_ADDED, entries.get(0).name(), entries.get(0).line(), "secret '"
            + entries.get(0).name() + "' was added to a store file written empty");
      }
      if (j == null) {
        throw tampered(Kind.ENTRY_REMOVED, p.last(), p.endLine(), "secret '" + p.last() + "', the last"
            + " entry, was removed from the store file outside the store");
      }
      Entry extra = entries.get(j + 1);
      throw tampered(Kind.ENTRY_ADDED, extra.name(), extra.line(), "secret '" + extra.name() + "'"
          + " (line " + extra.line() + ") was appended to the store file outside the store");
    }
    // 3. Swapped or modified values.
    for (int k = 0; k < n; k++) {
      if (valid[k]) {
        continue;
      }
      Entry e = entries.get(k);
      for (int o = 0; o < n; o++) {
        if (o == k || valid[o]) {
          continue;
        }
        Entry other = entries.get(o);
        Entry movedValue = new Entry(e.name(), e.after(), e.version(), e.created(), e.rotated(),
            other.value(), other.previous(), e.mac(), e.line());
        Entry movedLine = new Entry(other.name(), other.after(), other.version(), other.created(),
            other.rotated(), e.value(), e.previous(), e.mac(), e.line());
        if (macEquals(entryMac(macKey, movedValue.body()), e.mac())
            || macEquals(entryMac(macKey, movedLine.body()), e.mac())) {
          throw tampered(Kind.VALUE_SWAPPED, e.name(), e.line(), "the values of secrets '" + e.name()
              + "' (line " + e.line() + ") and '" + other.name() + "' (line " + other.line()
              + ") were swapped in the store file outside the store");
        }
      }
      throw tampered(Kind.VALUE_MODIFIED, e.name(), e.line(), "secret '" + e.name() + "' (line "
          + e.line() + ") was modified outside the store: its value, previous value or dates do not"
          + " match its MAC");
    }
    // 4. The whole file.
    String endBody = "end count=" + p.count() + " last=" + p.last();
    if (p.count() != n || !macEquals(fileMac(macKey, p.headerText(), entries, endBody), p.mac())) {
      throw tampered(Kind.HEADER_MODIFIED, null, 0, "the store file's header (format version,"
          + " recipients, data key) or end line was modified outside the store: the file MAC fails");
    }
  }

  private static boolean macEquals(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }

  public static StoreTamperedException tampered(Kind kind, String name, int line, String message) {
    return new StoreTamperedException(message + ". Restore the file from version control or a"
        + " backup, and make changes through SecretStore", kind, name, line);
  }
}
