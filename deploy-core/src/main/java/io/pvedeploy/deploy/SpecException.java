package io.pvedeploy.deploy;

import java.util.List;
import java.util.Optional;

/**
 * A {@link DeploymentSpec} that cannot be used: every problem found, reported before anything is
 * changed. The message lists them all, one per line, each with its field and (from YAML) its
 * line and column:
 *
 * <pre>
 * deploy.yaml: 2 problems
 *   deploy.yaml:9:11 guest.memory: 512 MiB is below the 1024 MiB the stack requires (requirements.minMemory)
 *   deploy.yaml:12:5 guest.network.ipv4: '10.0.0.300/24' is not an IPv4 address with prefix (expected like 10.0.0.20/24)
 * </pre>
 */
public class SpecException extends DeployException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final transient List<SpecProblem> problems;

  /**
   * @param source the YAML file's name, or null for a spec built in Java
   * @param problems at least one
   */
  public SpecException(String source, List<SpecProblem> problems) {
    super(message(source, problems), null);
    this.source = source;
    this.problems = List.copyOf(problems);
  }

  /** The problems, in file order when they come from YAML. */
  public List<SpecProblem> problems() {
    return problems;
  }

  /** The YAML file's name, empty for a spec built in Java. */
  public Optional<String> source() {
    return Optional.ofNullable(source);
  }

  private static String message(String source, List<SpecProblem> problems) {
    if (problems == null || problems.isEmpty()) {
      throw new IllegalArgumentException("a SpecException needs at least one problem");
    }
    if (problems.size() == 1) {
      return problems.get(0).format(source);
    }
    StringBuilder out = new StringBuilder();
    out.append(source == null ? "deployment spec" : source).append(": ").append(problems.size())
        .append(" problems");
    for (SpecProblem p : problems) {
      out.append("\n  ").append(p.format(source));
    }
    return out.toString();
  }
}
