package io.pvedeploy.docker;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Services of a Compose project did not all become ready (healthy where they have a health
 * check, running otherwise) by the deadline. Each {@link Problem} names the service, says what
 * state it is in, and carries its last health-check output and the tail of its log.
 */
public class ServicesUnhealthyException extends DockerGuestException {
  private static final long serialVersionUID = 1L;

  private final String app;
  private final transient List<Problem> problems;

  public ServicesUnhealthyException(String app, String release, List<Problem> problems, Throwable cause) {
    super(message(app, release, problems), cause);
    this.app = app;
    this.problems = List.copyOf(problems);
  }

  /** Why a service is not ready. */
  public enum Reason {
    /** Its health check reports {@code unhealthy}. */
    UNHEALTHY,
    /** The container exited (with a non-zero code) or keeps restarting. */
    NOT_RUNNING,
    /** The health check still said {@code starting} when the deadline passed. */
    STILL_STARTING,
    /** The project has no container at all. */
    NO_CONTAINERS
  }

  /**
   * One service that is not ready.
   *
   * @param service the Compose service
   * @param reason why it is not ready
   * @param state the container as last inspected (null for {@link Reason#NO_CONTAINERS})
   * @param lastHealthOutput what its latest health check printed
   * @param logTail the last lines of its log (stdout and stderr)
   */
  public record Problem(String service, Reason reason, ServiceState state,
      Optional<String> lastHealthOutput, String logTail) {}

  public String app() {
    return app;
  }

  public List<Problem> problems() {
    return problems;
  }

  /** The services that are not ready. */
  public List<String> services() {
    return problems.stream().map(Problem::service).toList();
  }

  private static String message(String app, String release, List<Problem> problems) {
    String head = "app " + app + (release == null ? "" : " (release " + release + ")") + ": "
        + problems.stream().map(p -> p.service()).distinct().collect(Collectors.joining(", "))
        + (problems.size() == 1 ? " is" : " are") + " not ready.";
    StringBuilder out = new StringBuilder(head);
    for (Problem p : problems) {
      out.append("\n- service ").append(p.service()).append(": ");
      switch (p.reason()) {
        case UNHEALTHY -> out.append("its health check reports unhealthy");
        case NOT_RUNNING -> out.append("its container is ").append(p.state().status())
            .append(" (exit code ").append(p.state().exitCode()).append(')');
        case STILL_STARTING -> out.append("its health check still said 'starting' at the deadline");
        case NO_CONTAINERS -> out.append("the project has no containers; was it started?");
      }
      p.lastHealthOutput().filter(s -> !s.isBlank()).ifPresent(h ->
          out.append("\n  last health check output:\n").append(indent(h.strip())));
      if (!p.logTail().isBlank()) {
        out.append("\n  its log ends with:\n").append(indent(p.logTail().strip()));
      }
    }
    out.append("\nFix the service (or its health check) and deploy again; the containers were left"
        + " as they are for inspection (docker inspect, docker logs).");
    return out.toString();
  }

  private static String indent(String text) {
    return text.lines().map(l -> "    " + l).collect(Collectors.joining("\n"));
  }
}
