package io.pvedeploy.proxmox;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link JsonScanArrays}: a long array read on two threads gives exactly the sequential read,
 * element for element and error for error, wherever its guess of a boundary lands, including
 * inside strings and nested arrays that look like boundaries.
 */
class JsonScanArraysTest {

  /** {@code n} guests; every 7th has a name and tags with {@code },{} in them, every 11th a nested list of objects. */
  static String answer(int n, List<ClusterResource> expected) {
    StringBuilder json = new StringBuilder("{\"data\":[");
    for (int i = 0; i < n; i++) {
      int vmid = 100 + i;
      String name = i % 7 == 0 ? "x},{\\\"id\\\":\\\"lxc/1\\\"},{y" + i : "guest-" + i;
      String tags = i % 7 == 0 ? "},{" : "t" + (i % 3);
      json.append(i == 0 ? "" : ",").append("{\"id\":\"lxc/").append(vmid).append("\",\"type\":\"lxc\",\"vmid\":")
          .append(vmid).append(",\"node\":\"pve").append(i % 3 + 1).append("\",\"name\":\"").append(name)
          .append("\",\"status\":\"running\",\"maxmem\":").append(536870912L + i).append(",\"mem\":").append(i)
          .append(",\"cpu\":0.").append(i % 10).append(",\"maxcpu\":2,\"uptime\":").append(i * 3L);
      if (i % 11 == 0) {
        json.append(",\"extra\":[{\"a\":1},{\"b\":[{\"c\":2},{\"d\":\"},{\"}]}]");
      }
      json.append(",\"tags\":\"").append(tags).append("\"}");
      expected.add(new ClusterResource("lxc/" + vmid, "lxc", "pve" + (i % 3 + 1), vmid,
          name.replace("\\\"", "\""), "running", false, Optional.empty(), (i % 10) / 10.0, 2, i, 536870912L + i, 0, 0,
          i * 3L, tags, Optional.empty()));
    }
    return json.append("],\"total\":").append(n).append('}').toString();
  }

  static List<ClusterResource> read(byte[] body, int minBytes, double splitAt) throws JsonScanException {
    return Transport.readData(new JsonScanner(body),
        s -> JsonScanArrays.read(s, () -> new JsonScanOrder(ClusterResource.FIELDS), ClusterResource::read,
            minBytes, splitAt));
  }

  @Test
  void aLargeClusterIsReadExactlyAsDeclaredThroughTheClientsOwnPath() throws Exception {
    List<ClusterResource> expected = new ArrayList<>();
    byte[] body = answer(6000, expected).getBytes(UTF_8);
    assertThat(body.length).isGreaterThan(2 * JsonScanArrays.SPLIT_MIN_BYTES);
    for (int round = 0; round < 20; round++) {
      assertThat(Transport.readData(new JsonScanner(body), ClusterResource::readAll)).isEqualTo(expected);
    }
  }

  @Test
  void everyPlaceTheGuessCanLandGivesTheSequentialResult() throws Exception {
    List<ClusterResource> expected = new ArrayList<>();
    byte[] body = answer(120, expected).getBytes(UTF_8);
    assertThat(read(body, Integer.MAX_VALUE, 0.5)).as("sequential").isEqualTo(expected);
    // Every byte offset as the guess's starting point: boundaries, strings and nested lists alike.
    for (int at = 0; at < body.length; at += 7) {
      assertThat(read(body, 0, at / (double) body.length)).as("split guessed from %d", at).isEqualTo(expected);
    }
  }

  @Test
  void aMalformedArrayFailsAtTheSameByteAsTheSequentialRead() throws Exception {
    List<ClusterResource> expected = new ArrayList<>();
    String good = answer(200, expected);
    // Damage in the second half and in the first: an unterminated number, then a missing comma.
    for (String bad : List.of(
        good.substring(0, good.length() * 3 / 4) + good.substring(good.length() * 3 / 4).replaceFirst(",\"mem\":", ",\"mem\":--"),
        good.substring(0, good.length() / 4) + good.substring(good.length() / 4).replaceFirst("\\},\\{", "}{"))) {
      byte[] body = bad.getBytes(UTF_8);
      JsonScanException sequential = catchThrowableOfType(() -> read(body, Integer.MAX_VALUE, 0.5), JsonScanException.class);
      assertThat(sequential).isNotNull();
      for (double splitAt : new double[] {0.1, 0.3, 0.5, 0.7, 0.9}) {
        assertThatThrownBy(() -> read(body, 0, splitAt)).isInstanceOfSatisfying(JsonScanException.class,
            e -> assertThat(e.offset()).as("split at %s", splitAt).isEqualTo(sequential.offset()));
      }
    }
  }

  @Test
  void shortArraysAndArraysWhoseGuessesAreAllWrongAreReadByOneThread() throws Exception {
    assertThat(read("{\"data\":[]}".getBytes(UTF_8), 0, 0.5)).isEmpty();
    List<ClusterResource> one = new ArrayList<>();
    assertThat(read(answer(1, one).getBytes(UTF_8), 0, 0.5)).isEqualTo(one);
    // A space between the elements: every "},{" left is inside a string or a nested list, so
    // every guess is wrong and this thread reads on alone.
    List<ClusterResource> expected = new ArrayList<>();
    String spaced = answer(50, expected).replace("},{\"id\"", "}, {\"id\"");
    assertThat(read(spaced.getBytes(UTF_8), 0, 0.5)).isEqualTo(expected);
  }
}
