package io.pvedeploy.proxmox;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.squareup.moshi.JsonAdapter;
import com.squareup.moshi.Moshi;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Holds the property records to the official PVE 9.1 API schema (proxmox-sandbox's {@code
 * pve-api.json}, flattened from pve-docs' apidata.js). A key PVE adds, or a range or enum it
 * changes, makes a test here fail.
 */
class SchemaAgreementPropertyTest {

  private static final String SCHEMA = "/io/pvedeploy/sandbox/schema/pve-api.json";

  /** One property string format, and how our record reads it. */
  record Case(
      String name,
      String path,
      String method,
      String parameter,
      String base,
      Function<String, Object> parse,
      Set<String> unsupported) {
    @Override
    public String toString() {
      return method + " " + path + " " + parameter;
    }
  }

  private static final String LXC_CREATE = "/nodes/{node}/lxc";
  private static final String LXC_CONFIG = "/nodes/{node}/lxc/{vmid}/config";
  private static final String QEMU_CREATE = "/nodes/{node}/qemu";
  private static final String QEMU_CONFIG = "/nodes/{node}/qemu/{vmid}/config";

  static Stream<Case> cases() {
    List<Case> cases = new ArrayList<>();
    for (String[] endpoint : new String[][] {{LXC_CREATE, "POST"}, {LXC_CONFIG, "PUT"}}) {
      cases.add(
          new Case(
              "features", endpoint[0], endpoint[1], "features", "", LxcFeatures::parse, Set.of()));
      cases.add(
          new Case(
              "lxc net",
              endpoint[0],
              endpoint[1],
              "net[n]",
              "name=eth0",
              LxcNetwork::parse,
              Set.of()));
      cases.add(
          new Case(
              "rootfs",
              endpoint[0],
              endpoint[1],
              "rootfs",
              "local-lvm:vm-101-disk-0",
              MountPoint::parseRootfs,
              Set.of()));
      cases.add(
          new Case(
              "mp",
              endpoint[0],
              endpoint[1],
              "mp[n]",
              "local-lvm:vm-101-disk-1,mp=/srv/data",
              MountPoint::parseMountPoint,
              Set.of()));
    }
    for (String[] endpoint :
        new String[][] {{QEMU_CREATE, "POST"}, {QEMU_CONFIG, "POST"}, {QEMU_CONFIG, "PUT"}}) {
      cases.add(
          new Case(
              "qemu net",
              endpoint[0],
              endpoint[1],
              "net[n]",
              "virtio",
              QemuNetwork::parse,
              Set.of()));
    }
    return cases.stream();
  }

  private static List<Map<String, Object>> endpoints;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void loadSchema() throws IOException {
    try (InputStream in = SchemaAgreementPropertyTest.class.getResourceAsStream(SCHEMA)) {
      assertThat(in).as("schema %s on the test class path", SCHEMA).isNotNull();
      JsonAdapter<Object> adapter = new Moshi.Builder().build().adapter(Object.class);
      Map<String, Object> root =
          (Map<String, Object>) adapter.fromJson(new String(in.readAllBytes(), UTF_8));
      assertThat(root.get("pveVersion")).asString().startsWith("9.1");
      endpoints = (List<Map<String, Object>>) root.get("endpoints");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parameter(String path, String method, String name) {
    Map<String, Object> endpoint =
        endpoints.stream()
            .filter(e -> path.equals(e.get("path")) && method.equals(e.get("method")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no endpoint " + method + " " + path));
    Map<String, Object> parameters = (Map<String, Object>) endpoint.get("parameters");
    assertThat(parameters).as("%s %s parameters", method, path).containsKey(name);
    return (Map<String, Object>) parameters.get(name);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> format(Case c) {
    Object format = parameter(c.path(), c.method(), c.parameter()).get("format");
    assertThat(format).as("%s has a key=value format", c).isInstanceOf(Map.class);
    return (Map<String, Map<String, Object>>) format;
  }

  /** The keys a parser accepts, read from its "unknown key" message (which must list them). */
  private static Set<String> acceptedKeys(Case c) {
    MalformedPropertyException e =
        catchThrowableOfType(
            MalformedPropertyException.class,
            () -> c.parse().apply(c.base() + (c.base().isEmpty() ? "" : ",") + "no-such-key=1"));
    assertThat(e).as("%s rejects an unknown key", c).isNotNull();
    assertThat(e.key()).isEqualTo("no-such-key");
    assertThat(e.problem()).isEqualTo("unknown key 'no-such-key'");
    assertThat(e.expected()).startsWith("one of ");
    return new TreeSet<>(Arrays.asList(e.expected().substring("one of ".length()).split(", ")));
  }

  // ------------------------------------------------------------------------------ (1) the keys

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everySchemaKeyIsModelledOrListedAsUnsupported(Case c) {
    Set<String> schemaKeys = new TreeSet<>(format(c).keySet());
    Set<String> expected = new TreeSet<>(schemaKeys);
    expected.removeAll(c.unsupported());
    assertThat(acceptedKeys(c))
        .as("keys %s accepts: the schema's, less those deliberately unsupported", c)
        .isEqualTo(expected);
    assertThat(schemaKeys).as("unsupported keys are schema keys").containsAll(c.unsupported());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everySchemaKeyParsesWithASampleValueAndSurvivesRendering(Case c) {
    Map<String, Map<String, Object>> format = format(c);
    for (Map.Entry<String, Map<String, Object>> entry : format.entrySet()) {
      String key = entry.getKey();
      if (c.unsupported().contains(key)
          || c.base().matches("(^|.*,)" + Pattern.quote(key) + "=.*")) {
        continue;
      }
      String sample = sample(c, key, entry.getValue());
      String base = entry.getValue().containsKey("keyAlias") ? "" : c.base();
      boolean isDefaultKey = entry.getValue().containsKey("default_key");
      if (isDefaultKey) {
        base = c.base().replaceFirst("^[^,=]+(,|$)", ""); // drop the base's own default value
      }
      String text = (base.isEmpty() ? "" : base + ",") + key + "=" + sample;
      Object parsed = c.parse().apply(text);
      String rendered = render(parsed);
      assertThat(rendered)
          .as("%s: %s renders", c, text)
          .satisfiesAnyOf(
              r -> assertThat(r).contains(key + "=" + sample), r -> assertThat(r).contains(sample));
      assertThat(c.parse().apply(rendered)).as("%s: %s round-trips", c, text).isEqualTo(parsed);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyKeyARecordWritesIsASchemaKey(Case c) {
    Set<String> schemaKeys = format(c).keySet();
    for (String rendered : fullyPopulated(c.name())) {
      for (String part : rendered.split(",")) {
        if (part.contains("=")) {
          assertThat(schemaKeys)
              .as("%s writes %s", c, part)
              .contains(part.substring(0, part.indexOf('=')));
        }
      }
    }
  }

  private static List<String> fullyPopulated(String name) {
    switch (name) {
      case "features":
        return List.of(
            new LxcFeatures(true, true, true, true, true, List.of("nfs", "cifs")).render());
      case "lxc net":
        return List.of(
            new LxcNetwork(
                    "eth0",
                    "vmbr0",
                    "BC:24:11:00:00:01",
                    "10.0.0.5/24",
                    "10.0.0.1",
                    "fd00::5/64",
                    "fd00::1",
                    20,
                    List.of(30, 40),
                    true,
                    1500,
                    12.5,
                    true,
                    true)
                .render());
      case "rootfs":
        return List.of(
            new MountPoint(
                    "local-lvm:vm-101-disk-0",
                    null,
                    8L << 30,
                    true,
                    false,
                    false,
                    List.of("noatime"),
                    true,
                    true,
                    false,
                    true)
                .render());
      case "mp":
        return List.of(
            new MountPoint(
                    "local-lvm:vm-101-disk-1",
                    "/srv/data",
                    8L << 30,
                    false,
                    true,
                    true,
                    List.of("noatime", "nodev"),
                    true,
                    true,
                    false,
                    true)
                .render());
      case "qemu net":
        return Arrays.stream(QemuNetwork.Model.values())
            .map(
                m ->
                    new QemuNetwork(
                            m,
                            "BC:24:11:00:00:01",
                            "vmbr0",
                            20,
                            List.of("30", "40-50"),
                            true,
                            1500,
                            4,
                            12.5,
                            true)
                        .render())
            .collect(Collectors.toList());
      default:
        throw new AssertionError(name);
    }
  }

  // ---------------------------------------------------------------- (2) enums, ranges, formats

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyEnumValueParsesAndOthersDoNot(Case c) {
    format(c)
        .forEach(
            (key, spec) -> {
              if (!spec.containsKey("enum")) {
                return;
              }
              String base = spec.containsKey("default_key") ? "" : c.base();
              for (Object value : (List<?>) spec.get("enum")) {
                String text = (base.isEmpty() ? "" : base + ",") + key + "=" + value;
                assertThat(render(c.parse().apply(text)))
                    .as("%s: %s", c, text)
                    .contains((String) value);
              }
              String bad = (base.isEmpty() ? "" : base + ",") + key + "=not-in-enum";
              assertThatThrownBy(() -> c.parse().apply(bad))
                  .as("%s: %s", c, bad)
                  .isInstanceOf(MalformedPropertyException.class)
                  .hasMessageContaining("not-in-enum");
            });
  }

  @Test
  void qemuModelsAreTheSchemaEnumAndItsKeyAliases() {
    Case qemu = cases().filter(c -> c.name().equals("qemu net")).findFirst().orElseThrow();
    Map<String, Map<String, Object>> format = format(qemu);
    Set<String> models =
        Arrays.stream(QemuNetwork.Model.values())
            .map(QemuNetwork.Model::pveName)
            .collect(Collectors.toCollection(TreeSet::new));
    Set<String> schemaModels =
        ((List<?>) format.get("model").get("enum"))
            .stream().map(String::valueOf).collect(Collectors.toCollection(TreeSet::new));
    assertThat(schemaModels).isEqualTo(models);
    Set<String> aliases =
        format.entrySet().stream()
            .filter(e -> "model".equals(e.getValue().get("keyAlias")))
            .peek(e -> assertThat(e.getValue().get("alias")).isEqualTo("macaddr"))
            .map(Map.Entry::getKey)
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(aliases).isEqualTo(models);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void integerRangesAgree(Case c) {
    format(c)
        .forEach(
            (key, spec) -> {
              if (!"integer".equals(spec.get("type"))) {
                return;
              }
              long min = ((Number) spec.get("minimum")).longValue();
              long max = ((Number) spec.get("maximum")).longValue();
              String prefix = c.base() + "," + key + "=";
              assertThat(render(c.parse().apply(prefix + min))).contains(key + "=" + min);
              assertThat(render(c.parse().apply(prefix + max))).contains(key + "=" + max);
              for (long outside : new long[] {min - 1, max + 1}) {
                assertThatThrownBy(() -> c.parse().apply(prefix + outside))
                    .as("%s: %s=%d", c, key, outside)
                    .isInstanceOf(MalformedPropertyException.class)
                    .hasMessage(
                        "net[n]: '%s' is out of range: %d (expected an integer from %d to %d)",
                        key, outside, min, max);
              }
            });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void numbersAndBooleansAgree(Case c) {
    format(c)
        .forEach(
            (key, spec) -> {
              String prefix = c.base() + (c.base().isEmpty() ? "" : ",") + key + "=";
              if ("number".equals(spec.get("type"))) {
                // PVE 9.1 gives qemu's rate a minimum of 0; LXC's has none, but we refuse
                // negatives.
                assertThat(spec.getOrDefault("minimum", 0.0)).isEqualTo(0.0);
                assertThat(render(c.parse().apply(prefix + "0"))).contains(key + "=0");
                assertThat(render(c.parse().apply(prefix + "12.5"))).contains(key + "=12.5");
                assertThatThrownBy(() -> c.parse().apply(prefix + "-1"))
                    .isInstanceOf(MalformedPropertyException.class);
              }
              if ("boolean".equals(spec.get("type"))) {
                for (String yes : List.of("1", "on", "yes", "true", "TRUE")) {
                  assertThat(c.parse().apply(prefix + yes))
                      .isEqualTo(c.parse().apply(prefix + "1"));
                }
                for (String no : List.of("0", "off", "no", "false", "False")) {
                  assertThat(c.parse().apply(prefix + no)).isEqualTo(c.parse().apply(prefix + "0"));
                }
                assertThatThrownBy(() -> c.parse().apply(prefix + "2"))
                    .isInstanceOf(MalformedPropertyException.class)
                    .hasMessageEndingWith(
                        "'%s' must be 0 or 1, got '2' (expected 1 or 0; PVE also reads on/off,"
                            + " yes/no, true/false)",
                        key);
              }
            });
  }

  /** The named formats our checks implement, per key; a changed format name fails here. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void namedFormatsAreTheOnesWeCheck(Case c) {
    Map<String, String> expected = new LinkedHashMap<>();
    switch (c.name()) {
      case "lxc net":
        expected.putAll(
            Map.of(
                "hwaddr",
                "mac-addr",
                "ip",
                "pve-ipv4-config",
                "gw",
                "ipv4",
                "ip6",
                "pve-ipv6-config",
                "gw6",
                "ipv6"));
        break;
      case "rootfs":
        expected.putAll(Map.of("volume", "pve-lxc-mp-string", "size", "disk-size"));
        break;
      case "mp":
        expected.putAll(
            Map.of("volume", "pve-lxc-mp-string", "mp", "pve-lxc-mp-string", "size", "disk-size"));
        break;
      case "qemu net":
        expected.putAll(Map.of("macaddr", "mac-addr", "bridge", "pve-bridge-id"));
        break;
      default:
        break;
    }
    Map<String, String> actual = new LinkedHashMap<>();
    format(c)
        .forEach(
            (key, spec) -> {
              if (spec.get("format") instanceof String) {
                actual.put(key, (String) spec.get("format"));
              }
            });
    assertThat(actual).isEqualTo(expected);
  }

  /**
   * Patterns (Perl regexes in the schema) against our checks: each sample is accepted by us exactly
   * when the schema pattern matches it, except those where we are deliberately stricter.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void patternsAgree(Case c) {
    Map<String, List<String>> samples =
        Map.of(
            "name", List.of("eth0", "eth0.20", "my_if-1", "e", "eth 0", "eth@0", "eth/0"),
            "bridge", List.of("vmbr0", "vmbr0.20", "br_lan-1", "vmbr 0", "vm@br", "vmbr/0"),
            "trunks",
                List.of("10", "10;20", "1;4094", "10-20", "10;20-30", "10;", ";10", "a", "10;;20"),
            "mount",
                List.of(
                    "nfs",
                    "nfs;cifs",
                    "ext4",
                    "fuse_x",
                    "nfs-x",
                    "nfs/cifs",
                    "nfs;;cifs",
                    "nfs; cifs",
                    "nfs cifs"),
            "mountoptions",
                List.of(
                    "noatime",
                    "discard;lazytime;noatime;nodev;noexec;nosuid",
                    "bogus",
                    "noatime;",
                    ";noatime",
                    "noatime;bogus",
                    "noatime nodev"));
    Set<String> stricter = Set.of("nfs cifs"); // a blank inside a fs type: PVE's pattern allows it
    format(c)
        .forEach(
            (key, spec) -> {
              if (!(spec.get("pattern") instanceof String)) {
                return;
              }
              assertThat(samples).as("samples for %s pattern of %s", c, key).containsKey(key);
              Pattern pattern =
                  Pattern.compile(((String) spec.get("pattern")).replace("(?^:", "(?:"));
              String base =
                  c.base().isEmpty() ? "" : c.base().replaceAll("(^|,)" + key + "=[^,]*", "");
              for (String sample : samples.get(key)) {
                String text = (base.isEmpty() ? "" : base + ",") + key + "=" + sample;
                boolean schemaAccepts = pattern.matcher(sample).matches();
                boolean weAccept;
                try {
                  c.parse().apply(text);
                  weAccept = true;
                } catch (MalformedPropertyException e) {
                  weAccept = false;
                }
                if (stricter.contains(sample)) {
                  assertThat(schemaAccepts)
                      .as("%s: %s is a deliberate difference", c, text)
                      .isTrue();
                  assertThat(weAccept).as("%s: %s", c, text).isFalse();
                } else {
                  assertThat(weAccept)
                      .as("%s: %s (schema pattern says %s)", c, text, schemaAccepts)
                      .isEqualTo(schemaAccepts);
                }
              }
            });
  }

  @Test
  void ipconfigIsTheNamedQemuServerFormat() {
    // The schema does not expand ipconfig[n]: it names qemu-server's format, whose keys (ip, gw,
    // ip6, gw6; PVE/QemuServer/Network.pm) IpConfig models. If PVE expands or renames it, look.
    for (String[] endpoint : new String[][] {{QEMU_CREATE, "POST"}, {QEMU_CONFIG, "PUT"}}) {
      assertThat(parameter(endpoint[0], endpoint[1], "ipconfig[n]").get("format"))
          .isEqualTo("pve-qm-ipconfig");
    }
    IpConfig ipConfig = IpConfig.parse("ip=10.0.0.5/24,gw=10.0.0.1,ip6=fd00::5/64,gw6=fd00::1");
    assertThat(ipConfig.render())
        .isEqualTo("ip=10.0.0.5/24,gw=10.0.0.1,ip6=fd00::5/64,gw6=fd00::1");
  }

  // ------------------------------------------------------------------------------------ helpers

  private static String sample(Case c, String key, Map<String, Object> spec) {
    if (spec.containsKey("keyAlias")) {
      return "BC:24:11:00:00:01";
    }
    if (spec.containsKey("enum")) {
      return (String) ((List<?>) spec.get("enum")).get(0);
    }
    Object type = spec.get("type");
    if ("boolean".equals(type)) {
      Object dflt = spec.get("default");
      return dflt != null && ((Number) dflt).intValue() == 1 ? "0" : "1";
    }
    if ("integer".equals(type)) {
      return String.valueOf(((Number) spec.getOrDefault("minimum", 1)).longValue() + 1);
    }
    if ("number".equals(type)) {
      return "2.5";
    }
    if (spec.get("format") instanceof String) {
      switch ((String) spec.get("format")) {
        case "ipv4":
          return "10.0.0.1";
        case "ipv6":
          return "fd00::1";
        case "pve-ipv4-config":
          return "10.0.0.5/24";
        case "pve-ipv6-config":
          return "fd00::5/64";
        case "mac-addr":
          return "BC:24:11:00:00:02";
        case "disk-size":
          return "8G";
        case "pve-bridge-id":
          return "vmbr1";
        case "pve-lxc-mp-string":
          return key.equals("volume") ? "local-zfs:subvol-101-disk-0" : "/srv/other";
        default:
          throw new AssertionError(
              c + ": no sample for format " + spec.get("format") + " of " + key);
      }
    }
    switch (key) {
      case "name":
        return "eth1";
      case "bridge":
        return "vmbr1";
      case "trunks":
        return "10;20";
      case "mount":
        return "nfs;cifs";
      case "mountoptions":
        return "noatime;nodev";
      default:
        throw new AssertionError(c + ": no sample for " + key + " " + spec);
    }
  }

  private static String render(Object record) {
    if (record instanceof LxcFeatures) {
      return ((LxcFeatures) record).render();
    }
    if (record instanceof LxcNetwork) {
      return ((LxcNetwork) record).render();
    }
    if (record instanceof MountPoint) {
      return ((MountPoint) record).render();
    }
    if (record instanceof QemuNetwork) {
      return ((QemuNetwork) record).render();
    }
    return ((IpConfig) record).render();
  }
}
