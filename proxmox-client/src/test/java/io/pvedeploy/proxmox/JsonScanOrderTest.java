package io.pvedeploy.proxmox;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Names read through a {@link JsonScanOrder} are exactly what {@link JsonScanNames} gives,
 * whether the guess is right or not: objects of one shape, of shapes that change, in shuffled
 * order, with escapes, whitespace, prefixes of a guessed name, unknown and long names.
 */
class JsonScanOrderTest {
  private static final JsonScanNames NAMES =
      JsonScanNames.of("id", "type", "mem", "maxmem", "maxdisk", "template", "a-name-of-20-bytes", "é");

  /** Each object's names as indexes, read through one order for the whole list. */
  private static List<List<Integer>> readNames(String json) throws JsonScanException {
    JsonScanner s = new JsonScanner(json.getBytes(UTF_8));
    JsonScanOrder order = new JsonScanOrder(NAMES);
    List<List<Integer>> objects = new ArrayList<>();
    s.beginArray();
    while (s.hasNext()) {
      List<Integer> names = new ArrayList<>();
      s.beginObject();
      for (int member; (member = s.nextMember(order)) != JsonScanner.END_OF_OBJECT; ) {
        names.add(member);
        s.skipValue();
      }
      objects.add(names);
    }
    s.endArray();
    s.endDocument();
    return objects;
  }

  @Test
  void objectsOfOneShapeGiveTheSameIndexesEveryTime() throws Exception {
    String entry = "{\"id\":\"lxc/1\",\"netin\":0,\"maxmem\":1,\"maxdisk\":2,\"template\":0,"
        + "\"a-name-of-20-bytes\":3,\"é\":4}";
    List<List<Integer>> read = readNames("[" + String.join(",", Collections.nCopies(4, entry)) + "]");
    assertThat(read).containsOnly(List.of(0, -1, 3, 4, 5, 6, 7));
  }

  @Test
  void aDifferentNameInAGuessedPlaceIsLookedUp() throws Exception {
    // "mem" where "maxmem" came, "maxmem" where "mem" came; a name that is the start of the
    // guessed one, and one the guessed one starts with; then the first shape again.
    String json = "[{\"id\":1,\"mem\":2,\"maxmem\":3},{\"id\":1,\"maxmem\":2,\"mem\":3},"
        + "{\"i\":1,\"maxmemx\":2,\"me\":3},{\"id\":1,\"mem\":2,\"maxmem\":3}]";
    assertThat(readNames(json)).containsExactly(
        List.of(0, 2, 3), List.of(0, 3, 2), List.of(-1, -1, -1), List.of(0, 2, 3));
  }

  @Test
  void escapesAndWhitespaceInAGuessedPlaceAreLookedUp() throws Exception {
    String json = "[{\"type\":1,\"maxmem\":2},{\"typ\\u0065\":1, \"maxmem\" :2},"
        + "{\"type\":1,\"maxmem\":2}]";
    assertThat(readNames(json)).containsExactly(List.of(1, 3), List.of(1, 3), List.of(1, 3));
  }

  @Test
  void objectsWithMoreMembersThanItRemembersAreReadInFull() throws Exception {
    StringBuilder entry = new StringBuilder("{");
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < JsonScanOrder.MAX_MEMBERS + 10; i++) {
      entry.append(i == 0 ? "" : ",").append(i == 70 ? "\"maxdisk\"" : "\"x" + i + "\"").append(":1");
      expected.add(i == 70 ? 4 : -1);
    }
    entry.append('}');
    assertThat(readNames("[" + entry + "," + entry + "]")).containsExactly(expected, expected);
  }

  @Test
  void shuffledNamesGiveWhatTheNamesAlone() throws Exception {
    Random random = new Random(11);
    String[] pool = {"id", "type", "mem", "maxmem", "maxdisk", "template", "a-name-of-20-bytes",
        "é", "netin", "m\\u0061xmem", "ty", "typ", "types", ""};
    StringBuilder json = new StringBuilder("[");
    List<List<Integer>> expected = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      List<String> names = new ArrayList<>(List.of(pool));
      // Mostly one order, sometimes shuffled or cut short, as a list of mixed entries is.
      if (random.nextInt(4) == 0) {
        Collections.shuffle(names, random);
      }
      names = names.subList(0, 1 + random.nextInt(names.size()));
      json.append(i == 0 ? "{" : ",{");
      List<Integer> indexes = new ArrayList<>();
      for (int k = 0; k < names.size(); k++) {
        json.append(k == 0 ? "" : ",").append('"').append(names.get(k)).append("\":").append(k);
        String decoded = names.get(k).replace("\\u0061", "a");
        indexes.add(NAMES.indexOf(decoded));
      }
      json.append('}');
      expected.add(indexes);
    }
    json.append(']');
    assertThat(readNames(json.toString())).isEqualTo(expected);
  }

  @Test
  void malformedInputFailsAsWithoutAnOrder() throws Exception {
    String entry = "{\"id\":1,\"maxmem\":2}";
    assertThatThrownBy(() -> readNames("[" + entry + ",{\"id\":1,\"maxmem\"2}]"))
        .isInstanceOf(JsonScanException.class).hasMessageContaining("':' after a member name");
    assertThatThrownBy(() -> readNames("[" + entry + ",{\"id\":1,maxmem:2}]"))
        .isInstanceOf(JsonScanException.class).hasMessageContaining("a member name in quotes");
    assertThatThrownBy(() -> readNames("[" + entry + ",{\"id\":1,\"maxmem\":}]"))
        .isInstanceOf(JsonScanException.class).hasMessageContaining("expected a value");
  }

  /**
   * Each object's members as {@code index=value}, the value read with
   * {@link JsonScanner#nextStringOrNull} for wanted names and skipped for the others: through
   * {@link JsonScanner#nextMember} and one order when {@code byMember}, else through
   * {@code hasNext}/{@code nextName}/{@code endObject}.
   */
  private static List<List<String>> readMembers(byte[] json, boolean byMember)
      throws JsonScanException {
    JsonScanner s = new JsonScanner(json);
    JsonScanOrder order = new JsonScanOrder(NAMES);
    List<List<String>> objects = new ArrayList<>();
    s.beginArray();
    while (s.hasNext()) {
      List<String> members = new ArrayList<>();
      s.beginObject();
      while (true) {
        int index;
        if (byMember) {
          index = s.nextMember(order);
          if (index == JsonScanner.END_OF_OBJECT) {
            break;
          }
        } else {
          if (!s.hasNext()) {
            s.endObject();
            break;
          }
          index = s.nextName(NAMES);
        }
        if (index >= 0) {
          members.add(index + "=" + s.nextStringOrNull());
        } else {
          s.skipValue();
          members.add("skipped");
        }
      }
      objects.add(members);
    }
    s.endArray();
    s.endDocument();
    return objects;
  }

  /** Both ways read the same, or both fail with a JsonScanException. */
  private static void assertSameBothWays(byte[] json) {
    Object byMember;
    Object byName;
    try {
      byMember = readMembers(json, true);
    } catch (JsonScanException e) {
      byMember = JsonScanException.class;
    }
    try {
      byName = readMembers(json, false);
    } catch (JsonScanException e) {
      byName = JsonScanException.class;
    }
    assertThat(byMember).as(new String(json, UTF_8)).isEqualTo(byName);
  }

  @Test
  void membersReadAsByNameWhateverTheSpacingEscapesAndValues() throws Exception {
    String entry = "{\"id\":\"lxc/1\",\"netin\":0,\"maxmem\":1,\"template\":0,\"é\":4}";
    String[] variants = {
      entry,
      "{ \"id\" : \"lxc/1\" , \"netin\":0,\n\"maxmem\":1,\t\"template\":0,\"é\":4 }",
      "{\"i\\u0064\":\"lxc/1\",\"netin\":0,\"maxmem\":1,\"template\":0,\"\\u00e9\":4}",
      "{\"maxmem\":1,\"id\":\"lxc/1\",\"template\":0}",
      "{}",
      "{ }",
      "{\"id\":\"x\"}",
      // Unknown members of every type, nested ones among them, and wanted ones of odd types.
      "{\"id\":1,\"netin\":\"a\\\"b\",\"x\":true,\"y\":false,\"z\":null,\"w\":-1.5e3,"
          + "\"v\":{\"id\":[1,{\"maxmem\":2}],\"q\":{}},\"u\":[[],{}],\"maxmem\":[1],"
          + "\"template\":{\"a\":1},\"type\":12345678901,\"mem\":0.25,\"t\":007}",
      "{\"netin\":0,\"netout\":10,\"diskread\":1234567,\"diskwrite\":12345678,\"a\":0.5,"
          + "\"b\":1e2,\"c\":1E2,\"d\":-0,\"e\":0}",
      "{\"\":1,\"a-name-of-20-bytes\":2,\"a-name-of-20-bytesX\":3}",
    };
    for (String v : variants) {
      for (String w : variants) {
        // Each shape after each other, and twice in a row, so the order guesses right and wrong.
        assertSameBothWays(("[" + v + "," + w + "," + w + "," + v + "]").getBytes(UTF_8));
      }
    }
  }

  @Test
  void malformedAndTruncatedMembersFailAsByName() throws Exception {
    String entry = "{\"id\":\"lxc/1\",\"netin\":0,\"maxmem\":12,\"template\":0}";
    String[] broken = {
      "{\"id\":1,}", "{,\"id\":1}", "{\"id\":1\"maxmem\":2}", "{\"id\":1,,\"maxmem\":2}",
      "{\"id\"1}", "{\"id\":1,\"maxmem\"}", "{\"id\":01}", "{\"id\":1,\"netin\":01}",
      "{\"id\":1,\"netin\":1.}", "{\"id\":1,\"netin\":1e}", "{\"id\":1,\"netin\":tru}",
      "{\"id\":1,\"netin\":0]", "{\"id\":1,\"netin\":0", "{\"id\":1,\"netin\":",
    };
    String list = "[" + entry + "," + entry + "]";
    for (String b : broken) {
      assertSameBothWays(("[" + entry + "," + b + "]").getBytes(UTF_8));
      assertSameBothWays(("[" + entry + "," + b + "," + entry + "]").getBytes(UTF_8));
    }
    for (int cut = 0; cut < list.length(); cut++) {
      assertSameBothWays(list.substring(0, cut).getBytes(UTF_8));
    }
  }

  @Test
  void randomMutationsOfAListReadAsByName() {
    String entry = "{\"id\":\"qemu/100\",\"type\":\"qemu\",\"vmid\":100,\"netin\":0,"
        + "\"maxmem\":2147483648,\"mem\":0.5,\"template\":0,\"tags\":\"a;b\",\"é\":[1,{}]}";
    byte[] seed = ("[" + String.join(",", Collections.nCopies(6, entry)) + "]").getBytes(UTF_8);
    byte[] alphabet = "{}[],:\" \n0123456789.e-\\uatfnlsx".getBytes(UTF_8);
    Random random = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      byte[] mutant = seed.clone();
      for (int k = 1 + random.nextInt(3); k > 0; k--) {
        mutant[random.nextInt(mutant.length)] = alphabet[random.nextInt(alphabet.length)];
      }
      assertSameBothWays(mutant);
    }
  }

  @Test
  void nextMemberOutsideAnObjectIsTheCallersBug() throws Exception {
    JsonScanner s = new JsonScanner("[{\"id\":1}]".getBytes(UTF_8));
    JsonScanOrder order = new JsonScanOrder(NAMES);
    s.beginArray();
    assertThatThrownBy(() -> s.nextMember(order)).isInstanceOf(IllegalStateException.class);
    s.beginObject();
    assertThat(s.nextMember(order)).isEqualTo(0);
    assertThatThrownBy(() -> s.nextMember(order)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void latin1IsTheIsoDecoding() {
    byte[] all = new byte[256];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    for (int from = 0; from < all.length; from += 17) {
      int length = Math.min(40, all.length - from);
      assertThat(JsonScanStrings.latin1(all, from, length))
          .isEqualTo(new String(all, from, length, java.nio.charset.StandardCharsets.ISO_8859_1));
    }
  }
}
