package io.pvedeploy.deploy.internal;

import io.pvedeploy.deploy.DeployException;
import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.SecretSpec;
import io.pvedeploy.deploy.SpecException;
import io.pvedeploy.deploy.SpecProblem;
import io.pvedeploy.docker.ComposeBundle;
import io.pvedeploy.secrets.SecretStore;
import io.pvedeploy.secrets.SecretsException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * The spec checked against its compose bundle and the secret store, on this machine, before the
 * target is asked anything: every problem at once, as one {@link SpecException} whose problems
 * point into the spec's YAML (line and column 0 for a spec built in Java).
 *
 * <ul>
 *   <li>Each secret a service reads must be declared under {@code secrets:} and list that
 *       service: the service's {@code secrets:} entries (short form and {@code source:}), and
 *       environment values that are, or start with, {@code /run/secrets/NAME} (the {@code *_FILE}
 *       convention). Secrets the bundle declares itself ({@code file:} or {@code environment:}
 *       under its top-level {@code secrets:}) are the bundle's own and not checked.
 *   <li>Each service a secret's {@code services:} names must be in the bundle.
 *   <li>Every {@code generate: never} secret must be in the store.
 *   <li>{@code guest.memory} must hold the services' memory limits plus {@link
 *       #BASE_OVERHEAD_MB}.
 * </ul>
 *
 * <p>Values with compose interpolation ({@code ${VAR}}, {@code ${VAR:-default}}, …) are resolved
 * from the bundle's env file, which is what compose on the guest reads; a value that still has an
 * unset variable is skipped, not guessed at.
 */
public final class BundleChecks {
  /**
   * MiB the guest needs besides the services' limits. An LXC container shares the node's kernel,
   * so this is user space only: Debian 12's init, journald and sshd take about 40 MiB, dockerd
   * and containerd about 100 MiB together, and each container's shim and the page cache that
   * keeps them from thrashing the rest. The same 256 MiB is the smallest guest.memory the rules
   * accept. A VM's kernel needs more, which its limits should leave room for.
   */
  public static final int BASE_OVERHEAD_MB = 256;

  static final String SECRETS_DIR = "/run/secrets/";
  private static final long MIB = 1024L * 1024;
  private static final Pattern VAR_EXPR = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?",
      Pattern.DOTALL);
  private static final Pattern VAR_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  /** Docker's memory sizes (go-units RAMInBytes): binary units, an optional b or ib. */
  private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([kmgtp])?(?:i?b)?");

  private BundleChecks() {}

  /**
   * Checks {@code spec} against {@code bundle} and, when given, the names in {@code store}.
   *
   * @param store null when the deployer has none (then a spec with secrets fails later, saying so)
   * @throws SpecException with every problem found
   * @throws DeployException if a compose file is not YAML or the store cannot be read
   */
  public static void check(DeploymentSpec spec, ComposeBundle bundle, SecretStore store)
      throws DeployException {
    Set<String> names = null;
    if (store != null) {
      try {
        names = store.names();
      } catch (SecretsException e) {
        throw new DeployException("reading the secret store " + store.file() + " failed: " + e.getMessage(), e);
      }
    }
    check(spec, bundle, names);
  }

  /**
   * As {@link #check(DeploymentSpec, ComposeBundle, SecretStore)}, with the store's names.
   *
   * @param storeNames the names the store holds, or null to leave the store out
   */
  public static void check(DeploymentSpec spec, ComposeBundle bundle, Set<String> storeNames)
      throws DeployException {
    ComposeModel compose = ComposeModel.read(bundle);
    List<SpecProblem> problems = new ArrayList<>();
    if (storeNames != null) {
      try {
        spec.validateAgainst(storeNames);
      } catch (SpecException e) {
        problems.addAll(e.problems());
      }
    }
    problems.addAll(secretReferences(spec, compose, storeNames));
    problems.addAll(unknownServices(spec, compose));
    memory(spec, compose).ifPresent(problems::add);
    if (!problems.isEmpty()) {
      throw SpecSource.of(spec).exception(problems);
    }
  }

  // ------------------------------------------------------------------ secrets

  /** Where a service reads a secret, for messages: {@code compose.yaml:16 environment X_FILE}. */
  record Use(String service, String how, String file, int line) {
    @Override
    public String toString() {
      return file + ":" + line + " " + how;
    }
  }

  static List<SpecProblem> secretReferences(DeploymentSpec spec, ComposeModel compose, Set<String> storeNames) {
    // secret name → service → where it reads it (first use), in the bundle's order
    Map<String, Map<String, Use>> uses = new TreeMap<>();
    for (Service s : compose.services().values()) {
      for (Map.Entry<String, Use> e : referencedSecrets(s, spec, compose).entrySet()) {
        uses.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>()).putIfAbsent(s.name, e.getValue());
      }
    }
    List<SpecProblem> problems = new ArrayList<>();
    for (Map.Entry<String, Map<String, Use>> e : uses.entrySet()) {
      String name = e.getKey();
      Map<String, Use> byService = e.getValue();
      Optional<SecretSpec> declared = spec.secret(name);
      if (declared.isEmpty()) {
        String services = String.join(", ", byService.keySet());
        String readers = readers(byService);
        String fix = storeNames != null && storeNames.contains(name)
            ? "the store has a value for it: declare it as " + name + ": { generate: never, services: ["
                + services + "] }"
            : "declare it with a generator (" + name + ": { generate: password, services: [" + services
                + "] }), or as " + name + ": { generate: never, services: [" + services + "] } and put its"
                + " value in the store (store.put(\"" + name + "\", …))";
        problems.add(SpecProblem.of("secrets." + name, readers + " secret '" + name + "', which secrets: does"
            + " not declare, so no file would be mounted; " + fix));
        continue;
      }
      Map<String, Use> missing = new LinkedHashMap<>(byService);
      missing.keySet().removeAll(declared.get().services());
      if (!missing.isEmpty()) {
        List<String> all = new ArrayList<>(declared.get().services());
        all.addAll(missing.keySet());
        problems.add(SpecProblem.of("secrets." + name + ".services", readers(missing) + " secret '" + name
            + "' but " + (missing.size() == 1 ? "is" : "are") + " not in its services: list, so no file"
            + " would be mounted; write services: [" + String.join(", ", all) + "]"));
      }
    }
    return problems;
  }

  /** "service 'db' (compose.yaml:16 environment X_FILE) reads", or the plural. */
  private static String readers(Map<String, Use> byService) {
    String list = byService.values().stream().map(u -> "'" + u.service() + "' (" + u + ")")
        .collect(Collectors.joining(" and "));
    return (byService.size() == 1 ? "service " : "services ") + list + (byService.size() == 1 ? " reads" : " read");
  }

  /** The spec's secrets service {@code s} reads, each with its first use. */
  private static Map<String, Use> referencedSecrets(Service s, DeploymentSpec spec, ComposeModel compose) {
    Map<String, Use> out = new LinkedHashMap<>();
    // what the service's own secrets: entries mount, by file name under /run/secrets
    Map<String, String> mountedAs = new HashMap<>();
    for (SecretEntry entry : s.secrets) {
      mountedAs.put(entry.target(), entry.source());
      if (!compose.ownSecrets().contains(entry.source())) {
        out.putIfAbsent(entry.source(), new Use(s.name, "secrets: " + entry.source(), entry.file(), entry.line()));
      }
    }
    for (EnvValue env : s.environment.values()) {
      if (!env.value().startsWith(SECRETS_DIR)) {
        continue;
      }
      String rest = env.value().substring(SECRETS_DIR.length());
      String fileName = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
      if (fileName.isEmpty()) {
        continue;
      }
      String name = mountedAs.get(fileName);
      if (name == null) {
        // pvedeploy mounts a secret at its file: name (its own name by default)
        name = spec.secrets().stream().filter(x -> x.effectiveFileName().equals(fileName))
            .map(SecretSpec::name).findFirst().orElse(fileName);
      }
      if (!compose.ownSecrets().contains(name)) {
        out.putIfAbsent(name, new Use(s.name, "environment " + env.key() + "=" + env.value(), env.file(),
            env.line()));
      }
    }
    return out;
  }

  /** Services a secret's services: names that the bundle does not have (a typo gives no file). */
  static List<SpecProblem> unknownServices(DeploymentSpec spec, ComposeModel compose) {
    List<SpecProblem> problems = new ArrayList<>();
    Set<String> known = compose.services().keySet();
    if (known.isEmpty()) {
      return problems; // nothing to compare against; compose itself will refuse such a bundle
    }
    for (SecretSpec s : spec.secrets()) {
      for (int i = 0; i < s.services().size(); i++) {
        String svc = s.services().get(i);
        if (!known.contains(svc)) {
          String hint = Suggest.closest(svc, known).map(c -> "; did you mean '" + c + "'?").orElse("");
          problems.add(SpecProblem.of("secrets." + s.name() + ".services[" + i + "]", "'" + svc + "' is not a"
              + " service of the compose bundle (" + String.join(", ", compose.files()) + " has "
              + String.join(", ", known) + ")" + hint));
        }
      }
    }
    return problems;
  }

  // ------------------------------------------------------------------ memory

  static Optional<SpecProblem> memory(DeploymentSpec spec, ComposeModel compose) {
    long totalMb = 0;
    List<String> parts = new ArrayList<>();
    for (Service s : compose.services().values()) {
      Amount a = s.limit != null ? s.limit : s.reservation;
      if (a == null || a.bytes() <= 0) {
        continue; // no limit: it counts 0 (docs/spec.md says so)
      }
      long mb = (a.bytes() + MIB - 1) / MIB;
      totalMb += mb * s.replicas;
      parts.add(s.name + " " + (s.replicas > 1 ? s.replicas + "×" : "") + mb
          + (s.limit == null ? " (reservation)" : ""));
    }
    long needed = totalMb + BASE_OVERHEAD_MB;
    int memory = spec.guest().memoryMb();
    if (totalMb == 0 || memory >= needed) {
      return Optional.empty();
    }
    return Optional.of(SpecProblem.of("guest.memory", memory + " MiB is below the " + needed + " MiB the"
        + " stack needs: services' memory limits " + totalMb + " MiB (" + String.join(", ", parts) + ") + "
        + BASE_OVERHEAD_MB + " MiB for the guest's OS and Docker; raise guest.memory or lower the limits"));
  }

  /** Bytes from a compose memory size: {@code 268435456}, {@code 256m}, {@code 1g}, {@code 1.5GiB}. */
  static OptionalLong bytes(String size) {
    Matcher m = SIZE.matcher(size.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      return OptionalLong.empty();
    }
    int shift = m.group(2) == null ? 0 : 10 * ("kmgtp".indexOf(m.group(2)) + 1);
    double v = Double.parseDouble(m.group(1)) * Math.pow(2, shift);
    return v > Long.MAX_VALUE / 2 ? OptionalLong.empty() : OptionalLong.of((long) v);
  }

  // ------------------------------------------------------------------ the compose files

  record SecretEntry(String source, String target, String file, int line) {}

  record EnvValue(String key, String value, String file, int line) {}

  record Amount(long bytes) {}

  /** One service, merged over the compose files: a later file's value replaces an earlier one's. */
  static final class Service {
    final String name;
    final Map<String, EnvValue> environment = new LinkedHashMap<>();
    final List<SecretEntry> secrets = new ArrayList<>();
    Amount limit;
    Amount reservation;
    int replicas = 1;

    Service(String name) {
      this.name = name;
    }
  }

  /**
   * What the checks need from the bundle's compose files, merged in compose's order.
   *
   * @param ownSecrets secrets the bundle declares with {@code file:} or {@code environment:}
   */
  record ComposeModel(List<String> files, Map<String, Service> services, Set<String> ownSecrets) {

    static ComposeModel read(ComposeBundle bundle) throws DeployException {
      Map<String, byte[]> contents = new HashMap<>();
      bundle.files().forEach(f -> contents.put(f.path(), f.content()));
      Map<String, String> vars = bundle.envFile().map(contents::get).map(BundleChecks::envFile).orElse(Map.of());
      Map<String, Service> services = new LinkedHashMap<>();
      Set<String> own = new LinkedHashSet<>();
      for (String file : bundle.composeFiles()) {
        byte[] content = contents.get(file);
        if (content == null) {
          continue;
        }
        Node root;
        try {
          LoadSettings settings = LoadSettings.builder().setLabel(file).setSchema(new CoreSchema())
              .setAllowRecursiveKeys(false).setMaxAliasesForCollections(50).build();
          root = new Compose(settings).composeString(new String(content, StandardCharsets.UTF_8)).orElse(null);
        } catch (YamlEngineException e) {
          throw new DeployException("compose file " + file + " of " + bundle.directory() + " is not YAML: "
              + e.getMessage() + ". Nothing was changed", e);
        }
        new FileReader(file, vars).read(root, services, own);
      }
      return new ComposeModel(List.copyOf(bundle.composeFiles()), services, own);
    }
  }

  /** Reads one compose file's node graph into the merged model. */
  private static final class FileReader {
    private final String file;
    private final Map<String, String> vars;

    FileReader(String file, Map<String, String> vars) {
      this.file = file;
      this.vars = vars;
    }

    void read(Node root, Map<String, Service> services, Set<String> own) {
      Map<String, Node> top = mapping(root);
      mapping(top.get("secrets")).forEach((name, decl) -> {
        Map<String, Node> d = mapping(decl);
        if (d.containsKey("file") || d.containsKey("environment")) {
          own.add(name);
        } else {
          own.remove(name);
        }
      });
      mapping(top.get("services")).forEach((name, node) -> {
        Service s = services.computeIfAbsent(name, Service::new);
        service(s, mapping(node));
      });
    }

    private void service(Service s, Map<String, Node> svc) {
      Node env = svc.get("environment");
      if (env instanceof MappingNode) {
        mapping(env).forEach((key, node) -> {
          String value = value(node);
          if (value != null) {
            s.environment.put(key, new EnvValue(key, value, file, line(node)));
          }
        });
      } else if (env instanceof SequenceNode seq) {
        for (Node item : seq.getValue()) {
          String kv = value(item);
          int eq = kv == null ? -1 : kv.indexOf('=');
          if (eq > 0) {
            String key = kv.substring(0, eq);
            s.environment.put(key, new EnvValue(key, kv.substring(eq + 1), file, line(item)));
          }
        }
      }
      if (svc.get("secrets") instanceof SequenceNode seq) {
        for (Node item : seq.getValue()) {
          String source;
          String target;
          if (item instanceof MappingNode) {
            Map<String, Node> m = mapping(item);
            source = value(m.get("source"));
            target = m.containsKey("target") ? value(m.get("target")) : source;
            if (target != null && target.startsWith(SECRETS_DIR)) {
              target = target.substring(SECRETS_DIR.length());
            }
          } else {
            source = value(item);
            target = source;
          }
          if (source != null && target != null) {
            s.secrets.add(new SecretEntry(source, target, file, line(item)));
          }
        }
      }
      Map<String, Node> resources = mapping(mapping(svc.get("deploy")).get("resources"));
      Amount limit = amount(svc.get("mem_limit"), mapping(resources.get("limits")).get("memory"));
      Amount reservation = amount(svc.get("mem_reservation"), mapping(resources.get("reservations")).get("memory"));
      s.limit = limit != null ? limit : s.limit;
      s.reservation = reservation != null ? reservation : s.reservation;
      String replicas = value(mapping(svc.get("deploy")).get("replicas"));
      if (replicas == null) {
        replicas = value(svc.get("scale"));
      }
      if (replicas != null && replicas.matches("[0-9]{1,4}")) {
        s.replicas = Integer.parseInt(replicas);
      }
    }

    /** The first of the two that is given and a size; null if neither is. */
    private Amount amount(Node first, Node second) {
      for (Node n : new Node[] {first, second}) {
        String v = value(n);
        OptionalLong b = v == null ? OptionalLong.empty() : bytes(v);
        if (b.isPresent()) {
          return new Amount(b.getAsLong());
        }
      }
      return null;
    }

    /** A scalar's value with interpolation resolved; null if absent, not a scalar or unresolvable. */
    private String value(Node n) {
      String raw = scalar(n);
      return raw == null ? null : interpolate(raw, vars).orElse(null);
    }

    private static String scalar(Node n) {
      return n instanceof ScalarNode s && !s.getTag().equals(Tag.NULL) ? s.getValue() : null;
    }

    private static int line(Node n) {
      return n.getStartMark().map(m -> m.getLine() + 1).orElse(0);
    }

    /**
     * A mapping's entries by scalar key, with YAML merge keys ({@code <<: *defaults}, which compose
     * files use for shared service settings) filled in under the explicit ones; empty for anything
     * but a mapping.
     */
    private static Map<String, Node> mapping(Node n) {
      return mapping(n, 0);
    }

    private static Map<String, Node> mapping(Node n, int depth) {
      Map<String, Node> out = new LinkedHashMap<>();
      if (n instanceof MappingNode m) {
        List<Node> merged = new ArrayList<>();
        for (NodeTuple t : m.getValue()) {
          String key = scalar(t.getKeyNode());
          if ("<<".equals(key)) {
            Node v = t.getValueNode();
            if (v instanceof SequenceNode seq) {
              merged.addAll(seq.getValue());
            } else {
              merged.add(v);
            }
          } else if (key != null) {
            out.put(key, t.getValueNode());
          }
        }
        for (Node source : merged) {
          if (source != n && depth < 8) { // an anchor merged into itself would recurse forever
            mapping(source, depth + 1).forEach(out::putIfAbsent);
          }
        }
      }
      return out;
    }
  }

  /**
   * {@code value} with compose's {@code $VAR}, {@code ${VAR}}, {@code ${VAR:-default}}, {@code
   * ${VAR-default}}, {@code ${VAR:?error}}, {@code ${VAR?error}}, {@code ${VAR:+alt}}, {@code
   * ${VAR+alt}} and {@code $$} resolved from {@code vars}; empty when a variable is unset and has no
   * default (compose would fail, or read the guest's environment, which is not known here).
   */
  static Optional<String> interpolate(String value, Map<String, String> vars) {
    if (value.indexOf('$') < 0) {
      return Optional.of(value);
    }
    StringBuilder out = new StringBuilder();
    int i = 0;
    int n = value.length();
    while (i < n) {
      char c = value.charAt(i);
      if (c != '$' || i + 1 == n) {
        out.append(c);
        i++;
      } else if (value.charAt(i + 1) == '$') {
        out.append('$');
        i += 2;
      } else if (value.charAt(i + 1) == '{') {
        int close = value.indexOf('}', i + 2);
        String expr = close < 0 ? "" : value.substring(i + 2, close);
        Matcher m = VAR_EXPR.matcher(expr);
        if (close < 0 || expr.contains("$") || !m.matches()) {
          return Optional.empty(); // unterminated, nested or not a variable: not ours to guess
        }
        String v = vars.get(m.group(1));
        String arg = m.group(3);
        boolean set = v != null;
        boolean nonEmpty = set && !v.isEmpty();
        String r = m.group(2) == null ? v : switch (m.group(2)) {
          case ":-" -> nonEmpty ? v : arg;
          case "-" -> set ? v : arg;
          case ":?" -> nonEmpty ? v : null;
          case "?" -> v;
          case ":+" -> nonEmpty ? arg : "";
          default -> set ? arg : ""; // "+"
        };
        if (r == null) {
          return Optional.empty();
        }
        out.append(r);
        i = close + 1;
      } else {
        Matcher m = VAR_NAME.matcher(value).region(i + 1, n);
        if (!m.lookingAt()) {
          out.append(c);
          i++;
          continue;
        }
        String v = vars.get(m.group());
        if (v == null) {
          return Optional.empty();
        }
        out.append(v);
        i = m.end();
      }
    }
    return Optional.of(out.toString());
  }

  /** An env file's variables: {@code KEY=VALUE} lines, {@code #} comments, quotes stripped. */
  static Map<String, String> envFile(byte[] content) {
    Map<String, String> vars = new HashMap<>();
    for (String line : new String(content, StandardCharsets.UTF_8).split("\r?\n")) {
      String l = line.strip();
      if (l.startsWith("export ")) {
        l = l.substring("export ".length()).strip();
      }
      int eq = l.indexOf('=');
      if (l.isEmpty() || l.startsWith("#") || eq <= 0) {
        continue;
      }
      String key = l.substring(0, eq).strip();
      String v = l.substring(eq + 1).strip();
      if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'') && v.endsWith(v.substring(0, 1))) {
        v = v.substring(1, v.length() - 1);
      } else if (v.contains(" #")) {
        v = v.substring(0, v.indexOf(" #")).strip();
      }
      vars.put(key, v);
    }
    return vars;
  }
}
