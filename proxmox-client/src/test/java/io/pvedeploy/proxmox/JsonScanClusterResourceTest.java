package io.pvedeploy.proxmox;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.Test;

/** {@code /cluster/resources} as PVE answers it, read by {@link ClusterResource#readAll}. */
class JsonScanClusterResourceTest {
  /**
   * Every type PVE lists, in the loose typing its Perl backend uses: numbers as strings,
   * booleans as 0/1/"1"/true, missing and null fields, members this client does not know with
   * nested values, escapes.
   */
  static final String ANSWER = """
      {"data":[
      {"id":"qemu/100","type":"qemu","vmid":100,"node":"pve1","name":"web","status":"running",\
      "maxmem":4294967296,"mem":1073741824,"maxdisk":34359738368,"disk":0,"maxcpu":4,\
      "cpu":0.0123,"uptime":86400,"template":0,"netin":123,"netout":456,"diskread":1,\
      "diskwrite":2,"tags":"prod;web","hastate":"started","pool":"prod"},
      {"id":"lxc/101","type":"lxc","vmid":"101","node":"pve2","name":"db","status":"stopped",\
      "maxmem":"536870912","mem":"0","maxdisk":8589934592,"disk":0,"maxcpu":"2","cpu":"0",\
      "uptime":0,"template":"1","lock":"backup","tags":""},
      {"id":"node/pve1","type":"node","node":"pve1","status":"online","cpu":0.0421,"maxcpu":16,\
      "mem":12884901888,"maxmem":67430985728,"disk":12884901888,"maxdisk":100931731456,\
      "uptime":123456,"level":"","cgroup-mode":2,"hastate":null},
      {"id":"storage/pve1/local","type":"storage","storage":"local","node":"pve1",\
      "status":"available","plugintype":"dir","content":"iso,vztmpl,backup","disk":1.5e10,\
      "maxdisk":100931731456,"shared":0},
      {"id":"sdn/pve1/localnetwork","type":"sdn","sdn":"localnetwork","node":"pve1",\
      "status":"ok"},
      {"id":"qemu/102","type":"qemu","vmid":102,"node":"pve1","name":null,"status":"running",\
      "lock":null,"pool":null,"extra":{"nested":[1,{"a":[true,false,null]},"\\"x\\""],\
      "m\\u00e1s":"ü"},"cpu":null,"mem":null,"template":true,"tags":"a\\u003bb"}
      ],"total":6}
      """;

  static final List<ClusterResource> EXPECTED = List.of(
      new ClusterResource("qemu/100", "qemu", "pve1", 100, "web", "running", false,
          Optional.empty(), 0.0123, 4, 1073741824L, 4294967296L, 0, 34359738368L, 86400,
          "prod;web", Optional.of("prod")),
      new ClusterResource("lxc/101", "lxc", "pve2", 101, "db", "stopped", true,
          Optional.of("backup"), 0, 2, 0, 536870912L, 0, 8589934592L, 0, "", Optional.empty()),
      new ClusterResource("node/pve1", "node", "pve1", 0, "", "online", false, Optional.empty(),
          0.0421, 16, 12884901888L, 67430985728L, 12884901888L, 100931731456L, 123456, "",
          Optional.empty()),
      new ClusterResource("storage/pve1/local", "storage", "pve1", 0, "local", "available",
          false, Optional.empty(), 0, 0, 0, 0, 15_000_000_000L, 100931731456L, 0, "",
          Optional.empty()),
      new ClusterResource("sdn/pve1/localnetwork", "sdn", "pve1", 0, "", "ok", false,
          Optional.empty(), 0, 0, 0, 0, 0, 0, 0, "", Optional.empty()),
      new ClusterResource("qemu/102", "qemu", "pve1", 102, "", "running", true, Optional.empty(),
          0, 0, 0, 0, 0, 0, 0, "a;b", Optional.empty()));

  /** What {@link Cluster#resources} does with a body, without the HTTP around it. */
  static List<ClusterResource> readAnswer(JsonScanner scanner) throws JsonScanException {
    return Transport.readData(scanner, ClusterResource::readAll);
  }

  @Test
  void readsEveryTypeWithPvesLooseTyping() throws Exception {
    assertThat(readAnswer(new JsonScanner(ANSWER.getBytes(UTF_8)))).isEqualTo(EXPECTED);
  }

  @Test
  void readsTheSameWithoutWhitespaceAsPveSendsIt() throws Exception {
    String compact = ANSWER.replace("\n", "");
    assertThat(readAnswer(new JsonScanner(compact.getBytes(UTF_8)))).isEqualTo(EXPECTED);
  }

  @Test
  void entriesInAnyOrderReadTheSameAndCarryNothingOver() throws Exception {
    // Each entry after each other, so the member order guessed from one is wrong for the next,
    // and a member one entry has (lock, pool, storage) must not leak into the next.
    String data = ANSWER.substring(ANSWER.indexOf('[') + 1, ANSWER.lastIndexOf(']')).strip();
    List<String> entries = List.of(data.split(",\n(?=\\{\"id\")"));
    assertThat(entries).hasSize(EXPECTED.size());
    java.util.Random random = new java.util.Random(3);
    for (int round = 0; round < 50; round++) {
      List<Integer> picks = new java.util.ArrayList<>();
      for (int i = 0; i < 12; i++) {
        picks.add(random.nextInt(entries.size()));
      }
      String json = "{\"data\":[" + String.join(",",
          picks.stream().map(entries::get).toList()) + "]}";
      String compact = json.replace("\n", "");
      List<ClusterResource> expected = picks.stream().map(EXPECTED::get).toList();
      assertThat(readAnswer(new JsonScanner(json.getBytes(UTF_8)))).isEqualTo(expected);
      assertThat(readAnswer(new JsonScanner(compact.getBytes(UTF_8)))).isEqualTo(expected);
    }
  }

  @Test
  void nullOrMissingDataIsNoResources() throws Exception {
    assertThat(readAnswer(new JsonScanner("{\"data\":null}".getBytes(UTF_8)))).isNull();
    assertThat(readAnswer(new JsonScanner("{\"total\":0}".getBytes(UTF_8)))).isNull();
    assertThat(readAnswer(new JsonScanner("{\"data\":[]}".getBytes(UTF_8)))).isEmpty();
  }

  @Test
  void throughTheClient() throws Exception {
    try (ClientTestSupport support = new ClientTestSupport();
        ProxmoxClient pve = support.client()) {
      support.server.enqueue(new MockResponse().setBody(ANSWER));
      assertThat(pve.cluster().resources(ClusterResource.Type.VM)).isEqualTo(EXPECTED);
      assertThat(support.server.takeRequest().getPath())
          .isEqualTo("/api2/json/cluster/resources?type=vm");

      support.server.enqueue(ClientTestSupport.error(200, "OK"));
      assertThat(pve.cluster().resources()).isEmpty();
    }
  }

  /**
   * Answers one after another are read apart: a shorter answer after a longer one reads as
   * itself, and a cut one fails, whatever came before it.
   */
  @Test
  void aShorterAnswerAfterALongerOneReadsAsItself() throws Exception {
    String entry = ANSWER.substring(ANSWER.indexOf('[') + 1, ANSWER.lastIndexOf(']')).strip();
    String longer = "{\"data\":[" + String.join(",", java.util.Collections.nCopies(50, entry))
        + "]}";
    try (ClientTestSupport support = new ClientTestSupport();
        ProxmoxClient pve = support.client()) {
      support.server.enqueue(new MockResponse().setBody(longer));
      assertThat(pve.cluster().resources()).hasSize(50 * EXPECTED.size());
      support.server.enqueue(new MockResponse().setBody(ANSWER));
      assertThat(pve.cluster().resources()).isEqualTo(EXPECTED);
      // Cut after its last entry: the rest of the longer answer in the buffer must not help.
      support.server.enqueue(new MockResponse().setBody(ANSWER.substring(0, ANSWER.lastIndexOf(']'))));
      assertThatThrownBy(() -> pve.cluster().resources())
          .isInstanceOf(UnexpectedResponseException.class);
      support.server.enqueue(new MockResponse().setBody("{\"data\":[]}"));
      assertThat(pve.cluster().resources()).isEmpty();
    }
  }

  @Test
  void malformedAnswerIsPvesFaultWithTheOffset() throws Exception {
    try (ClientTestSupport support = new ClientTestSupport();
        ProxmoxClient pve = support.client()) {
      support.server.enqueue(new MockResponse().setBody("{\"data\":[{\"id\":\"lxc/1\",}]}"));
      assertThatThrownBy(() -> pve.cluster().resources())
          .isInstanceOf(UnexpectedResponseException.class)
          .hasMessageContaining("GET /cluster/resources: PVE answered 200 with a body this client"
              + " cannot read: expected a member name in quotes, found '}' at byte 23")
          .hasCauseInstanceOf(JsonScanException.class);

      support.server.enqueue(new MockResponse().setBody("{\"data\":{\"id\":\"lxc/1\"}}"));
      assertThatThrownBy(() -> pve.cluster().resources())
          .isInstanceOf(UnexpectedResponseException.class).hasMessageContaining("expected '['");
    }
  }

  @Test
  void aConnectionCutInTheBodyStaysAConnectionFailure() throws Exception {
    try (ClientTestSupport support = new ClientTestSupport();
        ProxmoxClient pve = support.client()) {
      for (int attempt = 0; attempt < 3; attempt++) {
        support.server.enqueue(new MockResponse().setBody(ANSWER)
            .setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY));
      }
      assertThatThrownBy(() -> pve.cluster().resources())
          .isInstanceOf(ConnectionException.class);
    }
  }
}
