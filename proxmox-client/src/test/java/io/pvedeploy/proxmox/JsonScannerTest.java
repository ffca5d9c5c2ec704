package io.pvedeploy.proxmox;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** One token type or one failure at a time; the random documents are in the other JsonScan tests. */
class JsonScannerTest {

  static JsonScanner scanner(String json) {
    return new JsonScanner(json.getBytes(UTF_8));
  }

  /** The only value of a one-element array, as a string. */
  static String string(String json) throws Exception {
    JsonScanner s = scanner("[" + json + "]");
    s.beginArray();
    String value = s.nextStringOrNull();
    s.endArray();
    s.endDocument();
    return value;
  }

  @Test
  void readsObjectsByPrecomputedNames() throws Exception {
    JsonScanNames names = JsonScanNames.of("id", "maxdisk", "template", "a-rather-long-name");
    JsonScanner s = scanner(
        "{\"id\":\"lxc/101\",\"unknown\":{\"x\":[1,{}]},\"template\":1,\"maxdisk\":8,"
            + "\"a-rather-long-name\":\"v\",\"a-rather-long-nam\":0}");
    s.beginObject();
    assertThat(s.nextName(names)).isEqualTo(0);
    assertThat(s.nextStringOrNull()).isEqualTo("lxc/101");
    assertThat(s.nextName(names)).isEqualTo(-1);
    s.skipValue();
    assertThat(s.nextName(names)).isEqualTo(2);
    assertThat(s.nextBooleanish()).isTrue();
    assertThat(s.nextName(names)).isEqualTo(1);
    assertThat(s.nextLong(0)).isEqualTo(8);
    assertThat(s.nextName(names)).isEqualTo(3);
    assertThat(s.nextStringOrNull()).isEqualTo("v");
    assertThat(s.nextName(names)).isEqualTo(-1);
    s.skipValue();
    assertThat(s.hasNext()).isFalse();
    s.endObject();
    s.endDocument();
  }

  @Test
  void matchesNamesWrittenWithEscapesOrWhitespaceOrAtTheVeryEnd() throws Exception {
    JsonScanNames names = JsonScanNames.of("name", "", "é");
    JsonScanner s = scanner(" { \"n\\u0061me\" : 1 , \"\":2,\"é\":3,\"name\"\t:\n4}");
    s.beginObject();
    assertThat(s.nextName(names)).isEqualTo(0);
    s.skipValue();
    assertThat(s.nextName(names)).isEqualTo(1);
    s.skipValue();
    assertThat(s.nextName(names)).isEqualTo(2);
    s.skipValue();
    // Fewer than eight bytes left: the name cannot be loaded as one word.
    assertThat(s.nextName(names)).isEqualTo(0);
    assertThat(s.nextLong(0)).isEqualTo(4);
    s.endObject();
    s.endDocument();
  }

  @Test
  void decodesEveryEscape() throws Exception {
    assertThat(string("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041\\u00e9\\u20AC\""))
        .isEqualTo("\" \\ / \b \f \n \r \t Aé€");
    assertThat(string("\"\\ud83d\\ude00 and a lone \\ud83d\"")).isEqualTo("😀 and a lone \ud83d");
    assertThat(string("\"ü 😀 plain UTF-8, then \\n\"")).isEqualTo("ü 😀 plain UTF-8, then \n");
    assertThat(string("\"ü 😀 plain UTF-8\"")).isEqualTo("ü 😀 plain UTF-8");
    assertThat(string("\"\"")).isEmpty();
    assertThat(string("\"exactly-7\"")).isEqualTo("exactly-7");
    assertThat(string("\"a string longer than one word, to cross the word loop\""))
        .isEqualTo("a string longer than one word, to cross the word loop");
  }

  @Test
  void invalidUtf8BecomesReplacementCharacters() throws Exception {
    byte[] json = {'[', '"', 'a', (byte) 0xC3, '"', ']'};
    JsonScanner s = new JsonScanner(json);
    s.beginArray();
    assertThat(s.nextStringOrNull()).isEqualTo("a\uFFFD");
  }

  @Test
  void repeatedLongerStringsAreOneInstanceThroughTheRepeatedReader() throws Exception {
    JsonScanner s = scanner("[\"lxc\",\"lxc\",\"sandbox;simulated\",\"sandbox;simulated\","
        + "\"sandbox;simulatee\",\"sandbox;simulated\"]");
    s.beginArray();
    String lxc = s.nextRepeatedStringOrNull();
    assertThat(s.nextRepeatedStringOrNull()).isEqualTo("lxc").isSameAs(lxc);
    String first = s.nextRepeatedStringOrNull();
    assertThat(first).isEqualTo("sandbox;simulated");
    assertThat(s.nextRepeatedStringOrNull()).isSameAs(first);
    assertThat(s.nextRepeatedStringOrNull()).isEqualTo("sandbox;simulatee");
    assertThat(s.nextRepeatedStringOrNull()).isEqualTo("sandbox;simulated");
    s.endArray();
    s.endDocument();
  }

  /** Whatever the value, the repeated reader gives what {@link JsonScanner#nextStringOrNull} does. */
  @ParameterizedTest
  @ValueSource(strings = {
    "\"plain and longer than a word\"", "\"a\\u00e9b and then some\"", "\"\\\"quoted\\\" text\"",
    "\"\u00fcn\u00efc\u00f6de t\u00e4gs\"", "\"\\ud83d\\ude00 emoji\"", "\"\"", "\"x\"",
    "12.5", "-3", "1e3", "\"12\"", "null", "true", "false", "{\"a\":[1,\"b\"]}", "[]",
    "\"65 bytes: 0123456789012345678901234567890123456789012345678901234\""})
  void repeatedReaderGivesWhatThePlainReaderGives(String json) throws Exception {
    String expected = string(json);
    for (String document : new String[] {"[" + json + "]", "[" + json + "," + json + "]"}) {
      JsonScanner s = scanner(document);
      s.beginArray();
      while (s.hasNext()) {
        assertThat(s.nextRepeatedStringOrNull()).as(document).isEqualTo(expected);
      }
      s.endArray();
      s.endDocument();
    }
  }

  /** Many strings of one length, some repeating: slots taken over must never answer wrongly. */
  @Test
  void repeatedReaderNeverConfusesStringsThatShareASlot() throws Exception {
    java.util.Random random = new java.util.Random(3);
    java.util.List<String> values = new java.util.ArrayList<>();
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < 5_000; i++) {
      String value = random.nextInt(4) == 0
          ? "tag-" + random.nextInt(8) + ";shared-tail"
          : String.format("name-%0" + (4 + random.nextInt(60)) + "d", random.nextInt(1_000));
      values.add(value);
      json.append(i == 0 ? "" : ",").append('"').append(value).append('"');
    }
    JsonScanner s = scanner(json.append(']').toString());
    s.beginArray();
    for (String value : values) {
      assertThat(s.nextRepeatedStringOrNull()).isEqualTo(value);
    }
    s.endArray();
    s.endDocument();
  }

  @Test
  void readsOnlyTheGivenLengthOfALargerBuffer() throws Exception {
    String document = "{\"a\":\"a long string value\"}";
    byte[] buffer = (document + "\"garbage, 12345678901234567890").getBytes(UTF_8);
    JsonScanner s = new JsonScanner(buffer, document.length());
    s.beginObject();
    assertThat(s.nextName()).isEqualTo("a");
    assertThat(s.nextRepeatedStringOrNull()).isEqualTo("a long string value");
    s.endObject();
    s.endDocument();

    // What the bytes after the end would complete is still cut off where the document ends.
    byte[] cut = "[12345,\"more\"]".getBytes(UTF_8);
    JsonScanner truncated = new JsonScanner(cut, 3);
    truncated.beginArray();
    assertThat(truncated.nextLong(0)).isEqualTo(12);
    assertThatThrownBy(truncated::hasNext).isInstanceOf(JsonScanException.class)
        .hasMessageContaining("the end of input");
    JsonScanner truncatedString = new JsonScanner(cut, 10);
    truncatedString.beginArray();
    assertThat(truncatedString.nextLong(0)).isEqualTo(12345);
    assertThatThrownBy(truncatedString::nextRepeatedStringOrNull)
        .isInstanceOf(JsonScanException.class).hasMessageContaining("unterminated string");

    assertThatThrownBy(() -> new JsonScanner(cut, cut.length + 1))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> new JsonScanner(cut, -1))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void repeatedShortStringsAreOneInstance() throws Exception {
    JsonScanner s = scanner("[\"running\",\"running\",\"stopped\"]");
    s.beginArray();
    String first = s.nextStringOrNull();
    assertThat(s.nextStringOrNull()).isSameAs(first);
    assertThat(s.nextStringOrNull()).isEqualTo("stopped");
  }

  @Test
  void givesOtherValuesAsTextLikeJsonNextString() throws Exception {
    assertThat(string("-12.50e+3")).isEqualTo("-12.50e+3");
    assertThat(string("true")).isEqualTo("1");
    assertThat(string("false")).isEqualTo("0");
    assertThat(string("null")).isNull();
    assertThat(string("{\"a\":[1,2]}")).isNull();
    assertThat(string("[]")).isNull();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "0|0", "-0|0", "42|42", "-42|-42", "1.9|1", "-1.9|-1", "1e3|1000", "2.5E+2|250",
      "123456789012345678|123456789012345678", "9223372036854775807|9223372036854775807",
      "-9223372036854775808|-9223372036854775808", "92233720368547758070|9223372036854775807",
      "1e400|9223372036854775807", "'\"42\"'|42", "'\"-7\"'|-7", "'\"1.5\"'|1", "'\"1e2\"'|100",
      "'\"\"'|-1", "'\"abc\"'|-1", "'\"4\\u0032\"'|42", "true|1", "false|0", "null|-1",
      "{}|-1", "'[1,[2]]'|-1"})
  void readsLongsFromWhateverPveSends(String json, long expected) throws Exception {
    JsonScanner s = scanner("[" + json + "]");
    s.beginArray();
    assertThat(s.nextLong(-1)).isEqualTo(expected);
    s.endArray();
    s.endDocument();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "0.0123|0.0123", "-0.5|-0.5", "1e-7|1e-7", "123456.789e-2|1234.56789", "42|42",
      "0.1|0.1", "1.7976931348623157e308|1.7976931348623157e308", "4.9e-324|4.9e-324",
      "12345678901234567890.5|12345678901234567890.5", "2.2250738585072011e-308|2.2250738585072011e-308",
      "9007199254740993|9007199254740993", "'\"0.25\"'|0.25", "'\"8\"'|8", "true|1", "false|0",
      "null|-1", "'\"x\"'|-1", "'\"\"'|-1", "{\"a\":1}|-1"})
  void readsDoublesExactlyAsJavaParsesThem(String json, double expected) throws Exception {
    JsonScanner s = scanner("[" + json + "]");
    s.beginArray();
    assertThat(s.nextDouble(-1)).isEqualTo(expected);
    s.endArray();
  }

  /**
   * Numbers with room after them take the word-at-a-time paths; the tests above, at the end of
   * their input, take the byte loops. Both must agree, at every length around a word.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "0|0", "7|7", "-7|-7", "1234567|1234567", "12345678|12345678", "123456789|123456789",
      "-123456789|-123456789", "123456789012345|123456789012345",
      "1234567890123456|1234567890123456", "12345678901234567|12345678901234567",
      "123456789012345678|123456789012345678", "9223372036854775807|9223372036854775807",
      "-9223372036854775808|-9223372036854775808", "92233720368547758070|9223372036854775807",
      "34359738368|34359738368", "1.9|1", "-1.9|-1", "1e3|1000", "12345678.5|12345678",
      "123456789E1|1234567890", "-0|0"})
  void readsLongsWithRoomAfterThemAsAtTheEnd(String json, long expected) throws Exception {
    String padded = "[" + json + ",\"after the number, more than two words of input\"]";
    JsonScanner s = scanner(padded);
    s.beginArray();
    assertThat(s.nextLong(-1)).isEqualTo(expected);
    assertThat(s.nextStringOrNull()).startsWith("after");
    s.endArray();
    s.endDocument();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "0.0|0.0", "0.0123|0.0123", "-0.5|-0.5", "42|42", "1234567.1234567|1234567.1234567",
      "9999999.9999999|9999999.9999999", "12345678.5|12345678.5", "0.12345678|0.12345678",
      "1.5e3|1500", "1.5E-3|0.0015", "2e0|2", "-1234567|-1234567", "0.1|0.1", "0.3|0.3"})
  void readsDoublesWithRoomAfterThemAsJavaParsesThem(String json, double expected)
      throws Exception {
    JsonScanner s = scanner("[" + json + ",\"after the number, more than two words\"]");
    s.beginArray();
    assertThat(s.nextDouble(-1)).isEqualTo(expected);
    assertThat(s.nextStringOrNull()).startsWith("after");
  }

  @ParameterizedTest
  @ValueSource(strings = {"01", "-01", "00.5", "1.", "1.e5", "-", "-x", "1e", "1.5e+"})
  void refusesMalformedNumbersWithRoomAfterThem(String json) {
    String padded = "[" + json + ",\"after the number, more than two words of input\"]";
    assertThatThrownBy(() -> {
      JsonScanner s = scanner(padded);
      s.beginArray();
      s.nextDouble(-1);
      s.nextStringOrNull();
      s.endArray();
    }).isInstanceOf(JsonScanException.class);
    assertThatThrownBy(() -> {
      JsonScanner s = scanner(padded);
      s.beginArray();
      s.nextLong(-1);
      s.nextStringOrNull();
      s.endArray();
    }).isInstanceOf(JsonScanException.class);
  }

  @Test
  void keepsTheSignOfNegativeZero() throws Exception {
    JsonScanner s = scanner("[-0,-0.0]");
    s.beginArray();
    assertThat(Double.doubleToRawLongBits(s.nextDouble(1))).isEqualTo(Double.doubleToRawLongBits(-0.0));
    assertThat(Double.doubleToRawLongBits(s.nextDouble(1))).isEqualTo(Double.doubleToRawLongBits(-0.0));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "true|true", "false|false", "1|true", "0|false", "2|false", "1.0|false", "'\"1\"'|true",
      "'\"TRUE\"'|true", "'\"true\"'|true", "'\"yes\"'|false", "null|false", "'[1]'|false"})
  void readsBooleansAsPveMeansThem(String json, boolean expected) throws Exception {
    JsonScanner s = scanner("[" + json + "]");
    s.beginArray();
    assertThat(s.nextBooleanish()).isEqualTo(expected);
    s.endArray();
  }

  @Test
  void peeksWithoutConsuming() throws Exception {
    JsonScanner s = scanner("[ {\"a\" : null}, \"s\", -1, true, [], null ]");
    assertThat(s.peek()).isEqualTo(JsonScanner.Kind.ARRAY);
    s.beginArray();
    assertThat(s.peek()).isEqualTo(JsonScanner.Kind.OBJECT);
    s.beginObject();
    assertThat(s.peek()).isEqualTo(JsonScanner.Kind.NAME);
    assertThat(s.nextName()).isEqualTo("a");
    assertThat(s.peek()).isEqualTo(JsonScanner.Kind.NULL);
    s.skipValue();
    assertThat(s.peek()).isEqualTo(JsonScanner.Kind.END);
    s.endObject();
    for (JsonScanner.Kind kind : new JsonScanner.Kind[] {JsonScanner.Kind.STRING,
        JsonScanner.Kind.NUMBER, JsonScanner.Kind.BOOLEAN, JsonScanner.Kind.ARRAY,
        JsonScanner.Kind.NULL}) {
      assertThat(s.peek()).isEqualTo(kind);
      assertThat(s.peek()).isEqualTo(kind);
      s.skipValue();
    }
    assertThat(s.peek()).isEqualTo(JsonScanner.Kind.END);
    s.endArray();
    assertThat(s.peek()).isEqualTo(JsonScanner.Kind.END);
    s.endDocument();
  }

  @Test
  void skipsDeepValuesWithEscapesInside() throws Exception {
    JsonScanner s = scanner("[{\"a\":[[\"x\\\"]}\",{\"b\\\\\":{}}],-1.5e-3,true,false,null]},7]");
    s.beginArray();
    s.skipValue();
    assertThat(s.nextLong(0)).isEqualTo(7);
    s.endArray();
    s.endDocument();
  }

  @Test
  void acceptsNestingUpTo512AndRefusesDeeper() throws Exception {
    JsonScanner ok = scanner("[".repeat(512) + "]".repeat(512));
    ok.skipValue();
    ok.endDocument();
    assertThatThrownBy(() -> scanner("[".repeat(513) + "]".repeat(513)).skipValue())
        .isInstanceOf(JsonScanException.class).hasMessageContaining("nesting deeper than 512");
    // Deep hostile input costs no stack: skipping is a loop.
    assertThatThrownBy(() -> scanner("{\"a\":".repeat(100_000)).skipValue())
        .isInstanceOf(JsonScanException.class).hasMessageContaining("nesting deeper than 512");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "[1 2]|expected ',' or ']', found '2' at byte 3",
      "[1,]|expected a value, found ']' at byte 3",
      "[,1]|expected a value, found ',' at byte 1",
      "{\"a\" 1}|expected ':' after a member name, found '1' at byte 5",
      "{\"a\":1,}|expected a member name in quotes, found '}' at byte 7",
      "{\"a\":1 \"b\":2}|expected ',' or '}', found '\"' at byte 7",
      "{1:2}|expected a member name in quotes, found '1' at byte 1",
      "[01]|expected ',' or ']', found '1' at byte 2",
      "[1.]|expected a digit in a number, found ']' at byte 3",
      "[1e]|expected a digit in a number, found ']' at byte 3",
      "[-]|expected a digit in a number, found ']' at byte 2",
      "[+1]|expected a value, found '+' at byte 1",
      "[tru]|expected 'true', found ']' at byte 4",
      "[nul|expected 'null', found the end of input at byte 4",
      "[\"abc|unterminated string starting at byte 1",
      "[\"a\\x\"]|expected an escape",
      "[\"\\u12G4\"]|expected four hex digits after \\u, found 'G' at byte 6",
      "[\"\\u12|expected four hex digits after \\u, found the end of input at byte 6",
      "[1]x|expected the end of input after the top value, found 'x' at byte 3",
      "[1|found the end of input at byte 2",
      "''|expected a value, found the end of input at byte 0",
      "[1]]|expected the end of input after the top value, found ']' at byte 3"})
  void saysWhereAndWhatWasExpected(String json, String message) {
    assertThatThrownBy(() -> {
      JsonScanner s = scanner(json);
      s.skipValue();
      s.endDocument();
    }).isInstanceOf(JsonScanException.class).hasMessageContaining(message);
  }

  @Test
  void refusesRawControlCharactersInStrings() {
    assertThatThrownBy(() -> string("\"a\tb\"")).isInstanceOf(JsonScanException.class)
        .hasMessageContaining("control character byte 0x09 in a string at byte 3");
    assertThatThrownBy(() -> scanner("[\"a\nb\"]").skipValue())
        .isInstanceOf(JsonScanException.class).hasMessageContaining("control character");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"a\":\"b\"}", "[1]", "\"s\"", "12", "true"})
  void reportsAnotherShapeThanExpectedAsScanFailure(String json) {
    assertThatThrownBy(() -> {
      JsonScanner s = scanner(json.startsWith("[") ? "{\"x\":1}" : "[" + json + "]");
      s.beginArray();
      s.beginArray();
    }).isInstanceOf(JsonScanException.class).hasMessageContaining("expected '['");
  }

  @Test
  void callerMistakesAreIllegalState() throws Exception {
    JsonScanner s = scanner("{\"a\":1}");
    s.beginObject();
    assertThatThrownBy(s::nextStringOrNull).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(s::endArray).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(s::endDocument).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void offsetIsKeptForMessages() {
    assertThatThrownBy(() -> scanner("[1,2,x]").skipValue())
        .isInstanceOfSatisfying(JsonScanException.class, e -> assertThat(e.offset()).isEqualTo(5));
  }
}
