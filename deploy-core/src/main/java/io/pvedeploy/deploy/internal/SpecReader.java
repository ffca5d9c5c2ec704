package io.pvedeploy.deploy.internal;

import io.pvedeploy.deploy.ComposeSpec;
import io.pvedeploy.deploy.DataVolume;
import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.DockerSpec;
import io.pvedeploy.deploy.GeneratorSpec;
import io.pvedeploy.deploy.GuestKind;
import io.pvedeploy.deploy.GuestSpec;
import io.pvedeploy.deploy.GuestTemplate;
import io.pvedeploy.deploy.HealthSpec;
import io.pvedeploy.deploy.ImageSpec;
import io.pvedeploy.deploy.NetworkSpec;
import io.pvedeploy.deploy.Placement;
import io.pvedeploy.deploy.Requirements;
import io.pvedeploy.deploy.SecretSpec;
import io.pvedeploy.deploy.SecurityPolicy;
import io.pvedeploy.deploy.SpecProblem;
import io.pvedeploy.docker.DaemonConfig;
import io.pvedeploy.secrets.Generators;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads a deployment spec's YAML into a {@link DeploymentSpec.Builder}, through SnakeYAML Engine's
 * node graph so every value keeps its line and column. Reports YAML errors, unknown and duplicate
 * keys, and values of the wrong type here; the rules on values are {@code SpecRules}', whose
 * problems {@link Result#merge} places in the file.
 */
public final class SpecReader {
  static final List<String> ROOT_KEYS =
      List.of("app", "guest", "docker", "compose", "secrets", "health", "releases", "requirements");
  static final List<String> GUEST_KEYS = List.of("kind", "vmid", "node", "placement", "hostname", "cores",
      "memory", "disk", "storage", "template", "data", "network", "security", "startOnBoot");
  static final List<String> DATA_KEYS = List.of("size", "path");
  static final List<String> NETWORK_KEYS = List.of("bridge", "vlan", "ipv4", "gateway");
  static final List<String> SECURITY_KEYS = List.of("privileged", "apparmorUnconfined");
  static final List<String> REASON_KEYS = List.of("reason");
  static final List<String> DOCKER_KEYS = List.of("log", "liveRestore", "iptables", "storageDriver");
  static final List<String> LOG_KEYS = List.of("driver", "maxSize", "maxFiles");
  static final List<String> COMPOSE_KEYS = List.of("bundle", "images");
  static final List<String> SECRET_KEYS = List.of("generate", "length", "alphabet", "bytes", "services", "file");
  static final List<String> HEALTH_KEYS = List.of("deadline");
  static final List<String> REQUIREMENT_KEYS = List.of("minMemory", "minCores", "minDisk");
  static final List<String> GENERATORS = List.of("password", "hex", "base64", "never");
  static final int DEFAULT_SECRET_SIZE = 32;
  private static final Pattern SIZE_WITH_UNIT =
      Pattern.compile("([0-9]+)\\s*([kKmMgGtT])(?:i?[bB])?");

  /** A 1-based line and column. */
  record Pos(int line, int column) {
    static final Pos START = new Pos(1, 1);

    static Pos of(Optional<Mark> mark) {
      return mark.map(m -> new Pos(m.getLine() + 1, m.getColumn() + 1)).orElse(START);
    }
  }

  /** What was read: a builder (null if the document is unusable) and the problems so far. */
  public static final class Result {
    private final DeploymentSpec.Builder builder;
    private final List<SpecProblem> problems;
    private final Set<String> failed;
    private final Map<String, Pos> positions;
    private final String source;

    Result(DeploymentSpec.Builder builder, List<SpecProblem> problems, Set<String> failed,
        Map<String, Pos> positions, String source) {
      this.builder = builder;
      this.problems = List.copyOf(problems);
      this.failed = Set.copyOf(failed);
      this.positions = Map.copyOf(positions);
      this.source = source;
    }

    public DeploymentSpec.Builder builder() {
      return builder;
    }

    /** Where each field was, for the problems found once the spec is built. */
    public SpecSource source() {
      return new SpecSource(source, positions);
    }

    /** The reader's own problems, in file order. */
    public List<SpecProblem> problems() {
      return problems;
    }

    /**
     * The reader's problems and the rules' problems together, in file order: each rule problem
     * placed at its field (or the nearest enclosing one that is in the file), and dropped where
     * the reader already reported that field.
     */
    public List<SpecProblem> merge(List<SpecProblem> ruleProblems) {
      Set<SpecProblem> out = new LinkedHashSet<>(problems);
      for (SpecProblem p : ruleProblems) {
        if (!suppressed(p.field())) {
          Pos pos = locate(positions, p.field());
          out.add(p.at(pos.line(), pos.column()));
        }
      }
      List<SpecProblem> sorted = new ArrayList<>(out);
      sorted.sort(Comparator.comparingInt(SpecProblem::line).thenComparingInt(SpecProblem::column));
      return List.copyOf(sorted);
    }

    private boolean suppressed(String field) {
      for (String f : failed) {
        if (field.equals(f) || field.startsWith(f + ".") || field.startsWith(f + "[")) {
          return true;
        }
      }
      return false;
    }
  }

  /** A mapping's entries by key, once each. */
  private record Fields(String path, Map<String, Node> values) {
    Node get(String key) {
      return values.get(key);
    }

    boolean has(String key) {
      return values.containsKey(key);
    }
  }

  private final Path baseDirectory;
  private final List<SpecProblem> problems = new ArrayList<>();
  private final Set<String> failed = new HashSet<>();
  private final Map<String, Pos> positions = new HashMap<>();

  private SpecReader(Path baseDirectory) {
    this.baseDirectory = baseDirectory;
  }

  /**
   * Reads {@code text}.
   *
   * @param source the file name for marks
   * @param baseDirectory what a relative {@code compose.bundle} is resolved against
   */
  public static Result read(String text, String source, Path baseDirectory) {
    SpecReader r = new SpecReader(baseDirectory);
    DeploymentSpec.Builder b = r.document(text, source);
    List<SpecProblem> sorted = new ArrayList<>(r.problems);
    sorted.sort(Comparator.comparingInt(SpecProblem::line).thenComparingInt(SpecProblem::column));
    return new Result(b, sorted, r.failed, r.positions, source);
  }

  private DeploymentSpec.Builder document(String text, String source) {
    LoadSettings settings = LoadSettings.builder().setLabel(source == null ? "spec" : source)
        .setSchema(new CoreSchema()).setAllowRecursiveKeys(false).setMaxAliasesForCollections(20)
        .setCodePointLimit(4 * 1024 * 1024).build();
    Node root;
    try {
      root = new Compose(settings).composeString(text).orElse(null);
    } catch (MarkedYamlEngineException e) {
      Pos pos = Pos.of(e.getProblemMark().or(e::getContextMark));
      String context = e.getContext() == null ? "" : e.getContext() + ": ";
      problems.add(new SpecProblem("", pos.line(), pos.column(), "not valid YAML: " + context + e.getProblem()));
      return null;
    } catch (YamlEngineException e) {
      problems.add(new SpecProblem("", 1, 1, "not valid YAML: " + e.getMessage()));
      return null;
    }
    if (root == null || isNull(root)) {
      problems.add(new SpecProblem("", 1, 1, "the spec is empty; expected a mapping with app:, guest: and"
          + " compose: (see docs/spec.md)"));
      return null;
    }
    if (!(root instanceof MappingNode)) {
      Pos pos = Pos.of(root.getStartMark());
      problems.add(new SpecProblem("", pos.line(), pos.column(), "expected a mapping with app:, guest: and"
          + " compose:, got " + describe(root)));
      return null;
    }
    positions.put("", Pos.START);
    Fields top = fields((MappingNode) root, "", ROOT_KEYS);
    DeploymentSpec.Builder b = DeploymentSpec.builder(string(top, "app"));
    Fields guest = mapping(top, "guest", GUEST_KEYS);
    if (guest != null) {
      b.guest(guest(guest));
    }
    Fields docker = mapping(top, "docker", DOCKER_KEYS);
    if (docker != null) {
      b.docker(docker(docker));
    }
    Fields compose = mapping(top, "compose", COMPOSE_KEYS);
    if (compose != null) {
      b.compose(compose(compose));
    }
    Fields secrets = mapping(top, "secrets", null);
    if (secrets != null) {
      for (Map.Entry<String, Node> e : secrets.values().entrySet()) {
        SecretSpec s = secret(secrets, e.getKey());
        if (s != null) {
          b.secret(s);
        }
      }
    }
    Fields health = mapping(top, "health", HEALTH_KEYS);
    if (health != null) {
      Duration d = duration(health, "deadline");
      if (d != null) {
        b.health(HealthSpec.deadline(d));
      }
    }
    Integer releases = integer(top, "releases", Unit.COUNT);
    if (releases != null) {
      b.releasesToKeep(releases);
    }
    Fields req = mapping(top, "requirements", REQUIREMENT_KEYS);
    if (req != null) {
      Requirements r = Requirements.none();
      Integer memory = integer(req, "minMemory", Unit.MIB);
      Integer cores = integer(req, "minCores", Unit.COUNT);
      Integer disk = integer(req, "minDisk", Unit.GIB);
      r = memory == null ? r : r.withMinMemoryMb(memory);
      r = cores == null ? r : r.withMinCores(cores);
      r = disk == null ? r : r.withMinDiskGb(disk);
      b.requirements(r);
    }
    return b;
  }

  private GuestSpec guest(Fields g) {
    GuestSpec.Builder b = GuestSpec.builder();
    String kind = string(g, "kind");
    GuestKind k = GuestKind.LXC;
    if (kind != null) {
      switch (kind) {
        case "lxc" -> k = GuestKind.LXC;
        case "vm" -> k = GuestKind.VM;
        default -> fail(path(g, "kind"), "unknown guest kind '" + kind + "': expected lxc or vm"
            + suggestion(kind, List.of("lxc", "vm")));
      }
    }
    b.kind(k);
    Node template = g.get("template");
    if (template != null) {
      if (template instanceof ScalarNode s && !isNull(s)) {
        if (s.getTag().equals(Tag.INT)) {
          Integer id = integer(g, "template", Unit.ID);
          if (id != null) {
            b.template(GuestTemplate.vm(id));
          }
        } else {
          b.template(GuestTemplate.os(s.getValue()));
        }
      } else {
        typeError(g, "template", k == GuestKind.VM ? "a VM template's vmid, e.g. 9000"
            : "an OS template volume like local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst");
      }
    }
    Integer vmid = integer(g, "vmid", Unit.ID);
    if (vmid != null) {
      b.vmid(vmid);
    }
    String node = string(g, "node");
    String placement = string(g, "placement");
    if (node != null && placement != null) {
      fail(path(g, "placement"), "give node: or placement:, not both");
    } else if (node != null) {
      b.node(node);
    } else if (placement != null) {
      if (placement.equals("least-loaded")) {
        b.placement(Placement.leastLoaded());
      } else {
        fail(path(g, "placement"), "unknown placement '" + placement + "': expected least-loaded (or write"
            + " node: NAME)");
      }
    }
    String hostname = string(g, "hostname");
    if (hostname != null) {
      b.hostname(hostname);
    }
    Integer cores = integer(g, "cores", Unit.COUNT);
    if (cores != null) {
      b.cores(cores);
    }
    Integer memory = integer(g, "memory", Unit.MIB);
    if (memory != null) {
      b.memoryMb(memory);
    }
    Integer disk = integer(g, "disk", Unit.GIB);
    if (disk != null) {
      b.diskGb(disk);
    }
    String storage = string(g, "storage");
    if (storage != null) {
      b.storage(storage);
    }
    Fields data = mapping(g, "data", DATA_KEYS);
    if (data != null) {
      Integer size = integer(data, "size", Unit.GIB);
      String mount = string(data, "path");
      if (size == null && !data.has("size")) {
        fail(data.path() + ".size", "required: the data volume's size in GiB, e.g. size: 4");
      }
      if (size != null) {
        b.data(DataVolume.of(size, mount == null ? DataVolume.DEFAULT_MOUNT_PATH : mount));
      }
    }
    Fields network = mapping(g, "network", NETWORK_KEYS);
    if (network != null) {
      b.network(network(network));
    }
    Boolean startOnBoot = bool(g, "startOnBoot");
    if (startOnBoot != null) {
      b.startOnBoot(startOnBoot);
    }
    Fields security = mapping(g, "security", SECURITY_KEYS);
    if (security != null) {
      SecurityPolicy policy = SecurityPolicy.defaults();
      Optional<String> privileged = reason(security, "privileged");
      if (privileged != null) {
        policy = policy.privileged(privileged.orElse(""));
      }
      Optional<String> apparmor = reason(security, "apparmorUnconfined");
      if (apparmor != null) {
        policy = policy.apparmorUnconfined(apparmor.orElse(""));
      }
      b.security(policy);
    }
    return b.build();
  }

  /** Null when the opt-in is absent or {@code false}; else the reason (empty when not given). */
  private Optional<String> reason(Fields security, String key) {
    Node n = security.get(key);
    if (n == null) {
      return null;
    }
    if (n instanceof ScalarNode s && s.getTag().equals(Tag.BOOL) && s.getValue().equalsIgnoreCase("false")) {
      return null;
    }
    if (!(n instanceof MappingNode)) {
      fail(path(security, key), key + " is an opt-in that takes a reason: " + key + ": { reason: \"why\" },"
          + " got " + describe(n));
      return null;
    }
    Fields f = mapping(security, key, REASON_KEYS);
    if (f == null) {
      return null;
    }
    return Optional.ofNullable(string(f, "reason"));
  }

  private NetworkSpec network(Fields n) {
    NetworkSpec.Builder b = NetworkSpec.builder();
    String bridge = string(n, "bridge");
    if (bridge != null) {
      b.bridge(bridge);
    }
    Integer vlan = integer(n, "vlan", Unit.COUNT);
    if (vlan != null) {
      b.vlan(vlan);
    }
    String ipv4 = string(n, "ipv4");
    String gateway = string(n, "gateway");
    if (ipv4 == null) {
      return b.build(); // the rules report the missing ipv4
    }
    if (ipv4.equals("dhcp")) {
      b.dhcp();
      if (n.has("gateway")) {
        fail(path(n, "gateway"), "with ipv4: dhcp the gateway comes from DHCP; remove gateway: or give a"
            + " static ipv4");
      }
    } else if (gateway == null) {
      b.staticIpv4WithoutGateway(ipv4);
      if (!n.has("gateway")) {
        problem(path(n, "gateway"), "required with a static ipv4: the router on the guest's subnet (e.g."
            + " 10.0.0.1), or gateway: none on an isolated network");
      }
    } else if (gateway.equals("none")) {
      b.staticIpv4WithoutGateway(ipv4);
    } else {
      b.staticIpv4(ipv4, gateway);
    }
    return b.build();
  }

  private DockerSpec docker(Fields d) {
    DaemonConfig defaults = DaemonConfig.defaults();
    String driver = defaults.logDriver();
    Optional<String> maxSize = defaults.logMaxSize();
    int maxFiles = defaults.logMaxFile();
    Fields log = mapping(d, "log", LOG_KEYS);
    if (log != null) {
      String v = string(log, "driver");
      if (v != null && daemonOk(path(log, "driver"), v, defaults.logMaxSize(), defaults.logMaxFile(),
          Optional.empty())) {
        driver = v;
      }
      Node size = log.get("maxSize");
      if (size != null && isNull(size)) {
        maxSize = Optional.empty();
      } else {
        v = string(log, "maxSize");
        if (v != null && daemonOk(path(log, "maxSize"), defaults.logDriver(), Optional.of(v),
            defaults.logMaxFile(), Optional.empty())) {
          maxSize = Optional.of(v);
        }
      }
      Integer files = integer(log, "maxFiles", Unit.COUNT);
      if (files != null && daemonOk(path(log, "maxFiles"), defaults.logDriver(), defaults.logMaxSize(), files,
          Optional.empty())) {
        maxFiles = files;
      }
    }
    Boolean liveRestore = bool(d, "liveRestore");
    Boolean iptables = bool(d, "iptables");
    String storageDriver = string(d, "storageDriver");
    if (storageDriver != null && !daemonOk(path(d, "storageDriver"), defaults.logDriver(),
        defaults.logMaxSize(), defaults.logMaxFile(), Optional.of(storageDriver))) {
      storageDriver = null;
    }
    return DockerSpec.of(new DaemonConfig(driver, maxSize, maxFiles, Optional.ofNullable(iptables),
        Optional.ofNullable(storageDriver), liveRestore == null ? defaults.liveRestore() : liveRestore));
  }

  /** Whether DaemonConfig accepts one value (the others at their defaults); else reports why. */
  private boolean daemonOk(String field, String driver, Optional<String> maxSize, int maxFiles,
      Optional<String> storageDriver) {
    try {
      new DaemonConfig(driver, maxSize, maxFiles, Optional.empty(), storageDriver, true);
      return true;
    } catch (IllegalArgumentException e) {
      fail(field, e.getMessage());
      return false;
    }
  }

  private ComposeSpec compose(Fields c) {
    String bundle = string(c, "bundle");
    Path dir = null;
    if (bundle != null) {
      if (bundle.isBlank()) {
        fail(path(c, "bundle"), "must not be empty: the directory with docker-compose.yml");
      } else {
        try {
          dir = baseDirectory.resolve(bundle).normalize();
        } catch (InvalidPathException e) {
          fail(path(c, "bundle"), "'" + bundle + "' is not a path: " + e.getReason());
        }
      }
    }
    List<ImageSpec> images = new ArrayList<>();
    for (String image : strings(c, "images")) {
      images.add(ImageSpec.of(image));
    }
    return new ComposeSpec(dir, images);
  }

  private SecretSpec secret(Fields secrets, String name) {
    String base = path(secrets, name);
    Node n = secrets.get(name);
    if (!(n instanceof MappingNode)) {
      fail(base, "expected a mapping like { generate: password, services: [db] }, got " + describe(n));
      return null;
    }
    Fields f = mapping(secrets, name, SECRET_KEYS);
    String generate = string(f, "generate");
    GeneratorSpec g = null;
    List<String> allowed = List.of();
    if (generate == null) {
      if (!f.has("generate")) {
        problem(base + ".generate", "required: password, hex, base64, or never (a value someone puts into"
            + " the store)");
        failed.add(base + ".generate");
      }
    } else {
      switch (generate) {
        case "password" -> {
          Integer length = integer(f, "length", Unit.COUNT);
          String alphabet = string(f, "alphabet");
          g = new GeneratorSpec.Password(length == null ? DEFAULT_SECRET_SIZE : length,
              alphabet == null ? Generators.SAFE_ALPHABET : alphabet);
          allowed = List.of("length", "alphabet");
        }
        case "hex", "base64" -> {
          Integer bytes = integer(f, "bytes", Unit.COUNT);
          int size = bytes == null ? DEFAULT_SECRET_SIZE : bytes;
          g = generate.equals("hex") ? new GeneratorSpec.Hex(size) : new GeneratorSpec.Base64(size);
          allowed = List.of("bytes");
        }
        case "never" -> g = new GeneratorSpec.Provided();
        default -> fail(base + ".generate", "unknown generator '" + generate + "': expected password, hex,"
            + " base64 or never" + suggestion(generate, GENERATORS));
      }
      for (String key : List.of("length", "alphabet", "bytes")) {
        if (f.has(key) && g != null && !allowed.contains(key)) {
          fail(path(f, key), key + " does not apply to generate: " + generate
              + (allowed.isEmpty() ? "" : " (it takes " + String.join(", ", allowed) + ")"));
        }
      }
    }
    List<String> services = strings(f, "services");
    String file = string(f, "file");
    SecretSpec s = new SecretSpec(name, g, services, Optional.ofNullable(file));
    return s;
  }

  // ---- typed access, each recording where a value is and what went wrong with it

  private Fields fields(MappingNode node, String path, List<String> allowed) {
    Map<String, Node> values = new LinkedHashMap<>();
    Map<String, Integer> firstLine = new HashMap<>();
    for (NodeTuple t : node.getValue()) {
      Node keyNode = t.getKeyNode();
      Node value = t.getValueNode();
      Pos keyPos = Pos.of(keyNode.getStartMark());
      if (!(keyNode instanceof ScalarNode ks)) {
        problems.add(new SpecProblem(path, keyPos.line(), keyPos.column(), "keys are plain names, got "
            + describe(keyNode)));
        continue;
      }
      String key = ks.getValue();
      String child = join(path, key);
      if (values.containsKey(key) || firstLine.containsKey(key)) {
        problems.add(new SpecProblem(child, keyPos.line(), keyPos.column(), "duplicate key '" + key
            + "' (first at line " + firstLine.get(key) + ")"));
        failed.add(child);
        continue;
      }
      firstLine.put(key, keyPos.line());
      if (allowed != null && !allowed.contains(key)) {
        String hint = suggestion(key, allowed);
        problems.add(new SpecProblem(child, keyPos.line(), keyPos.column(), "unknown field '" + key + "'"
            + (hint.isEmpty() ? "; expected one of: " + String.join(", ", allowed) : hint)));
        continue;
      }
      positions.put(child, value instanceof ScalarNode ? Pos.of(value.getStartMark()) : keyPos);
      values.put(key, value);
    }
    return new Fields(path, values);
  }

  private Fields mapping(Fields parent, String key, List<String> allowed) {
    Node n = parent.get(key);
    if (n == null) {
      return null;
    }
    if (!(n instanceof MappingNode m)) {
      typeError(parent, key, "a mapping (key: value lines)");
      return null;
    }
    return fields(m, path(parent, key), allowed);
  }

  private String string(Fields f, String key) {
    Node n = f.get(key);
    if (n == null) {
      return null;
    }
    if (!(n instanceof ScalarNode s) || isNull(n)) {
      typeError(f, key, "a string");
      return null;
    }
    return s.getValue();
  }

  private List<String> strings(Fields f, String key) {
    Node n = f.get(key);
    List<String> out = new ArrayList<>();
    if (n == null) {
      return out;
    }
    if (!(n instanceof SequenceNode seq)) {
      typeError(f, key, "a list, like [a, b]");
      return out;
    }
    String base = path(f, key);
    for (int i = 0; i < seq.getValue().size(); i++) {
      Node item = seq.getValue().get(i);
      String p = base + "[" + i + "]";
      Pos pos = Pos.of(item.getStartMark());
      positions.put(p, pos);
      if (!(item instanceof ScalarNode s) || isNull(item)) {
        problems.add(new SpecProblem(p, pos.line(), pos.column(), "expected a string, got " + describe(item)));
        failed.add(p);
        out.add("");
      } else {
        out.add(s.getValue());
      }
    }
    return out;
  }

  private Boolean bool(Fields f, String key) {
    Node n = f.get(key);
    if (n == null) {
      return null;
    }
    if (!(n instanceof ScalarNode s) || !s.getTag().equals(Tag.BOOL)) {
      typeError(f, key, "true or false");
      return null;
    }
    return Boolean.parseBoolean(s.getValue().toLowerCase(Locale.ROOT));
  }

  private Duration duration(Fields f, String key) {
    Node n = f.get(key);
    if (n == null) {
      return null;
    }
    if (n instanceof ScalarNode s && s.getTag().equals(Tag.INT)) {
      fail(path(f, key), "a duration needs a unit: " + s.getValue() + "s, or like 90s, 3m, 1h, 1h30m");
      return null;
    }
    Duration d = n instanceof ScalarNode s && !isNull(s) ? Durations.parse(s.getValue()) : null;
    if (d == null) {
      typeError(f, key, "a duration like 90s, 3m, 1h or 1h30m");
    }
    return d;
  }

  /** Units a spec's integers are in, for messages and for "2G"-style hints. */
  enum Unit {
    COUNT("an integer", 0),
    ID("an integer id", 0),
    MIB("an integer number of MiB", 1),
    GIB("an integer number of GiB", 1024);

    final String expected;
    final long mibPerUnit;

    Unit(String expected, long mibPerUnit) {
      this.expected = expected;
      this.mibPerUnit = mibPerUnit;
    }
  }

  private Integer integer(Fields f, String key, Unit unit) {
    Node n = f.get(key);
    if (n == null) {
      return null;
    }
    if (n instanceof ScalarNode s && s.getTag().equals(Tag.INT) && s.getValue().matches("[-+]?[0-9]{1,10}")) {
      long v = Long.parseLong(s.getValue());
      if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
        return (int) v;
      }
    }
    String hint = "";
    if (n instanceof ScalarNode s && unit.mibPerUnit > 0) {
      Matcher m = SIZE_WITH_UNIT.matcher(s.getValue().trim());
      if (m.matches()) {
        long mib = Long.parseLong(m.group(1)) * switch (Character.toUpperCase(m.group(2).charAt(0))) {
          case 'K' -> 0;
          case 'M' -> 1;
          case 'G' -> 1024;
          default -> 1024 * 1024;
        };
        if (mib > 0 && mib % unit.mibPerUnit == 0) {
          hint = " ('" + s.getValue() + "' is written " + mib / unit.mibPerUnit + ")";
        }
      }
    }
    fail(path(f, key), "expected " + unit.expected + hint + ", got " + describe(n));
    return null;
  }

  private void typeError(Fields f, String key, String expected) {
    fail(path(f, key), "expected " + expected + ", got " + describe(f.get(key)));
  }

  /** A problem with a value the reader could not use; the rules say nothing more about it. */
  private void fail(String field, String message) {
    problem(field, message);
    failed.add(field);
  }

  private void problem(String field, String message) {
    Pos pos = locate(positions, field);
    problems.add(new SpecProblem(field, pos.line(), pos.column(), message));
  }

  static Pos locate(Map<String, Pos> positions, String field) {
    String f = field;
    while (true) {
      Pos pos = positions.get(f);
      if (pos != null) {
        return pos;
      }
      if (f.isEmpty()) {
        return Pos.START;
      }
      f = parent(f, positions);
    }
  }

  /** The enclosing field: {@code a.b[2]} → {@code a.b} → {@code a} → {@code ""}. */
  private static String parent(String field, Map<String, Pos> positions) {
    if (field.endsWith("]")) {
      return field.substring(0, field.lastIndexOf('['));
    }
    int dot = field.lastIndexOf('.');
    return dot < 0 ? "" : field.substring(0, dot);
  }

  private static String suggestion(String typed, List<String> candidates) {
    return Suggest.closest(typed, candidates).map(s -> "; did you mean '" + s + "'?").orElse("");
  }

  private static String path(Fields f, String key) {
    return join(f.path(), key);
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static boolean isNull(Node n) {
    return n instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
  }

  private static String describe(Node n) {
    if (n == null) {
      return "nothing";
    }
    if (n instanceof MappingNode) {
      return "a mapping";
    }
    if (n instanceof SequenceNode) {
      return "a list";
    }
    if (isNull(n)) {
      return "no value";
    }
    String v = ((ScalarNode) n).getValue();
    return "'" + (v.length() > 60 ? v.substring(0, 60) + "…" : v).replace("\n", "\\n") + "'";
  }
}
