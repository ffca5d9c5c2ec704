package io.pvedeploy.proxmox;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.squareup.moshi.JsonReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import okio.Buffer;
import org.junit.jupiter.api.Test;

/**
 * Thousands of random documents read by {@link JsonScanner} and by Moshi, the reference: both
 * must give the same Java values. The documents mix nesting, whitespace, every escape, raw
 * UTF-8 up to four bytes, surrogate pairs and lone surrogates, and numbers of every shape.
 */
class JsonScanDifferentialTest {
  private static final int DOCUMENTS = 5_000;

  @Test
  void readsWhatMoshiReads() throws IOException {
    Documents documents = new Documents(new Random(20240613));
    for (int i = 0; i < DOCUMENTS; i++) {
      String json = documents.next();
      Object expected = moshi(json);
      Object actual = Generic.read(new JsonScanner(json.getBytes(UTF_8)));
      assertThat(actual).as("document %d: %s", i, json).isEqualTo(expected);
    }
  }

  /** The same documents read through precomputed names: unknown members skipped. */
  @Test
  void readsByNamesWhatMoshiReadsWithUnknownMembersDropped() throws IOException {
    Documents documents = new Documents(new Random(7));
    for (int i = 0; i < DOCUMENTS; i++) {
      String json = documents.next();
      Object expected = Generic.dropUnknownNames(moshi(json));
      Object actual = Generic.readByNames(new JsonScanner(json.getBytes(UTF_8)));
      assertThat(actual).as("document %d: %s", i, json).isEqualTo(expected);
    }
  }

  /**
   * The same documents at the start of a larger buffer whose bytes after the end are left over
   * from another, longer answer (as {@link Transport#getScanned} reuses its buffer): only the
   * given length is read.
   */
  @Test
  void readsADocumentAtTheStartOfALargerBufferAsMoshiReadsIt() throws IOException {
    Documents documents = new Documents(new Random(11));
    Random garbage = new Random(12);
    for (int i = 0; i < DOCUMENTS; i++) {
      String json = documents.next();
      byte[] bytes = json.getBytes(UTF_8);
      byte[] buffer = new byte[bytes.length + 1 + garbage.nextInt(40)];
      garbage.nextBytes(buffer);
      System.arraycopy(bytes, 0, buffer, 0, bytes.length);
      Object expected = moshi(json);
      assertThat(Generic.read(new JsonScanner(buffer, bytes.length)))
          .as("document %d: %s", i, json).isEqualTo(expected);
      assertThat(Generic.readByNames(new JsonScanner(buffer, bytes.length)))
          .as("document %d by names: %s", i, json).isEqualTo(Generic.dropUnknownNames(expected));
    }
  }

  /** The fast paths for numbers must give exactly the double Java's own parser gives. */
  @Test
  void numbersAreExactlyWhatJavaParses() throws IOException {
    Random random = new Random(99);
    for (int i = 0; i < 200_000; i++) {
      String number = Documents.number(random);
      JsonScanner doubles = new JsonScanner(number.getBytes(UTF_8));
      double expected = Double.parseDouble(number);
      assertThat(Double.doubleToRawLongBits(doubles.nextDouble(Double.NaN)))
          .as(number).isEqualTo(Double.doubleToRawLongBits(expected));
      JsonScanner longs = new JsonScanner(number.getBytes(UTF_8));
      assertThat(longs.nextLong(-1)).as(number).isEqualTo(expectedLong(number));
      JsonScanner strings = new JsonScanner(("\"" + number + "\"").getBytes(UTF_8));
      assertThat(strings.nextLong(-1)).as(number).isEqualTo(expectedLong(number));
      // With room after it, the number takes the word-at-a-time paths.
      byte[] padded = ("[" + number + ",\"more than two words of input after it\"]").getBytes(UTF_8);
      JsonScanner paddedDoubles = new JsonScanner(padded);
      paddedDoubles.beginArray();
      assertThat(Double.doubleToRawLongBits(paddedDoubles.nextDouble(Double.NaN)))
          .as(number).isEqualTo(Double.doubleToRawLongBits(expected));
      assertThat(paddedDoubles.nextStringOrNull()).as(number).startsWith("more");
      JsonScanner paddedLongs = new JsonScanner(padded);
      paddedLongs.beginArray();
      assertThat(paddedLongs.nextLong(-1)).as(number).isEqualTo(expectedLong(number));
      assertThat(paddedLongs.nextStringOrNull()).as(number).startsWith("more");
    }
  }

  /** What {@link Json#nextLong} makes of a number's text. */
  private static long expectedLong(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException notIntegral) {
      return (long) Double.parseDouble(text);
    }
  }

  static Object moshi(String json) throws IOException {
    JsonReader reader = JsonReader.of(new Buffer().writeUtf8(json));
    // Lenient only so that 1e999 reads as Infinity, as Double.parseDouble has it.
    reader.setLenient(true);
    Object value = reader.readJsonValue();
    assertThat(reader.peek()).isEqualTo(JsonReader.Token.END_DOCUMENT);
    return value;
  }

  /** A generic value reader on the scanner, shaped like Moshi's readJsonValue. */
  static final class Generic {
    /** The member names {@link #readByNames} knows; the documents use these and others. */
    static final String[] KNOWN = {"id", "type", "node", "vmid", "name", "status", "template",
        "maxdisk", "a-name-longer-than-a-word", "ünïcödé", "tab\there", "quote\"d", ""};
    static final JsonScanNames NAMES = JsonScanNames.of(KNOWN);

    static Object read(JsonScanner s) throws IOException {
      Object value = value(s, false);
      s.endDocument();
      return value;
    }

    static Object readByNames(JsonScanner s) throws IOException {
      Object value = value(s, true);
      s.endDocument();
      return value;
    }

    private static Object value(JsonScanner s, boolean byNames) throws IOException {
      switch (s.peek()) {
        case OBJECT: {
          Map<String, Object> map = new LinkedHashMap<>();
          s.beginObject();
          while (s.hasNext()) {
            if (byNames) {
              int index = s.nextName(NAMES);
              if (index < 0) {
                s.skipValue();
              } else {
                map.put(KNOWN[index], value(s, true));
              }
            } else {
              map.put(s.nextName(), value(s, false));
            }
          }
          s.endObject();
          return map;
        }
        case ARRAY: {
          List<Object> list = new ArrayList<>();
          s.beginArray();
          while (s.hasNext()) {
            list.add(value(s, byNames));
          }
          s.endArray();
          return list;
        }
        case STRING:
          // By names, as ClusterResource reads: through the cache of repeated strings.
          return byNames ? s.nextRepeatedStringOrNull() : s.nextStringOrNull();
        case NUMBER:
          return s.nextDouble(Double.NaN);
        case BOOLEAN:
          return s.nextBooleanish();
        case NULL:
          s.skipValue();
          return null;
        default:
          throw new AssertionError("peek() at a value gave " + s.peek());
      }
    }

    @SuppressWarnings("unchecked")
    static Object dropUnknownNames(Object value) {
      if (value instanceof Map) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) value).entrySet()) {
          if (List.of(KNOWN).contains(e.getKey())) {
            out.put(e.getKey(), dropUnknownNames(e.getValue()));
          }
        }
        return out;
      }
      if (value instanceof List) {
        List<Object> out = new ArrayList<>();
        for (Object item : (List<Object>) value) {
          out.add(dropUnknownNames(item));
        }
        return out;
      }
      return value;
    }
  }

  /** Random JSON text, written by hand rather than serialized, to vary how values are spelled. */
  static final class Documents {
    private static final String WHITESPACE = " \t\n\r";
    private final Random random;

    Documents(Random random) {
      this.random = random;
    }

    String next() {
      StringBuilder out = new StringBuilder();
      space(out);
      value(out, random.nextInt(6));
      space(out);
      return out.toString();
    }

    private void value(StringBuilder out, int depth) {
      int kind = random.nextInt(depth > 0 ? 9 : 5);
      switch (kind) {
        case 0 -> out.append(number(random));
        case 1 -> string(out, text());
        case 2 -> out.append(random.nextBoolean() ? "true" : "false");
        case 3 -> out.append("null");
        case 4 -> string(out, pick(Generic.KNOWN));
        case 5, 6 -> object(out, depth - 1);
        default -> array(out, depth - 1);
      }
    }

    private void object(StringBuilder out, int depth) {
      out.append('{');
      List<String> names = new ArrayList<>();
      int members = random.nextInt(7);
      for (int i = 0; i < members; i++) {
        String name = random.nextInt(3) == 0 ? text() : pick(Generic.KNOWN);
        if (names.contains(name)) {
          continue; // Moshi refuses duplicate names
        }
        if (!names.isEmpty()) {
          out.append(',');
        }
        names.add(name);
        space(out);
        string(out, name);
        space(out);
        out.append(':');
        space(out);
        value(out, depth);
        space(out);
      }
      out.append('}');
    }

    private void array(StringBuilder out, int depth) {
      out.append('[');
      int items = random.nextInt(7);
      for (int i = 0; i < items; i++) {
        if (i > 0) {
          out.append(',');
        }
        space(out);
        value(out, depth);
        space(out);
      }
      out.append(']');
    }

    private void space(StringBuilder out) {
      if (random.nextInt(4) == 0) {
        for (int i = random.nextInt(3); i >= 0; i--) {
          out.append(WHITESPACE.charAt(random.nextInt(WHITESPACE.length())));
        }
      }
    }

    /** Text whose code points come from every range a JSON string can carry. */
    private String text() {
      StringBuilder text = new StringBuilder();
      int length = random.nextInt(4) == 0 ? random.nextInt(40) : random.nextInt(10);
      for (int i = 0; i < length; i++) {
        int range = random.nextInt(10);
        int codePoint = switch (range) {
          case 0 -> random.nextInt(0x20); // control characters: escaped below
          case 1 -> 0x80 + random.nextInt(0x780); // two UTF-8 bytes
          case 2 -> 0x800 + random.nextInt(0xD000 - 0x800); // three bytes
          case 3 -> 0x10000 + random.nextInt(0x100000); // four bytes: a surrogate pair
          case 4 -> 0xD800 + random.nextInt(0x800); // a lone surrogate: only as an escape
          case 5 -> "\"\\/".charAt(random.nextInt(3));
          default -> 0x20 + random.nextInt(0x5F); // printable ASCII
        };
        text.appendCodePoint(codePoint);
      }
      return text.toString();
    }

    private void string(StringBuilder out, String text) {
      out.append('"');
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        boolean mustEscape = c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)
            && !(Character.isHighSurrogate(c) && i + 1 < text.length()
                && Character.isLowSurrogate(text.charAt(i + 1)));
        if (mustEscape || random.nextInt(8) == 0) {
          escape(out, c);
        } else if (Character.isHighSurrogate(c)) {
          out.append(c).append(text.charAt(++i)); // raw: the pair becomes four UTF-8 bytes
        } else {
          out.append(c);
        }
      }
      out.append('"');
    }

    private void escape(StringBuilder out, char c) {
      String shortForm = switch (c) {
        case '"' -> "\\\"";
        case '\\' -> "\\\\";
        case '/' -> "\\/";
        case '\b' -> "\\b";
        case '\f' -> "\\f";
        case '\n' -> "\\n";
        case '\r' -> "\\r";
        case '\t' -> "\\t";
        default -> null;
      };
      if (shortForm != null && random.nextBoolean()) {
        out.append(shortForm);
        return;
      }
      String hex = String.format("\\u%04x", (int) c);
      out.append(random.nextBoolean() ? hex : hex.toUpperCase().replace("\\U", "\\u"));
    }

    /** A JSON number: any sign, 1 to 25 integer digits, fraction, exponent up to ±400. */
    static String number(Random random) {
      StringBuilder n = new StringBuilder();
      if (random.nextBoolean()) {
        n.append('-');
      }
      int digits = random.nextInt(4) == 0 ? 1 + random.nextInt(25) : 1 + random.nextInt(12);
      if (random.nextInt(5) == 0) {
        n.append('0');
      } else {
        n.append((char) ('1' + random.nextInt(9)));
        for (int i = 1; i < digits; i++) {
          n.append((char) ('0' + random.nextInt(10)));
        }
      }
      if (random.nextInt(3) == 0) {
        n.append('.');
        for (int i = random.nextInt(20); i >= 0; i--) {
          n.append((char) ('0' + random.nextInt(10)));
        }
      }
      if (random.nextInt(4) == 0) {
        n.append(random.nextBoolean() ? 'e' : 'E');
        int sign = random.nextInt(3);
        n.append(sign == 0 ? "" : sign == 1 ? "+" : "-");
        n.append(random.nextInt(5) == 0 ? random.nextInt(400) : random.nextInt(30));
      }
      return n.toString();
    }

    private String pick(String[] values) {
      return values[random.nextInt(values.length)];
    }
  }
}
