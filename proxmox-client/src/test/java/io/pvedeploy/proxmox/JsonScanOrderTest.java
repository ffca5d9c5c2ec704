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
      while (s.hasNext()) {
        names.add(s.nextName(order));
        s.skipValue();
      }
      s.endObject();
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
}
