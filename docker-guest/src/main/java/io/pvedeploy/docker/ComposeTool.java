package io.pvedeploy.docker;

import java.util.List;

/**
 * The Compose found on a guest and how to call it.
 *
 * @param flavor the v2 CLI plugin ({@code docker compose}) or a standalone {@code docker-compose}
 * @param version as the tool reports it, without a leading {@code v}: {@code 2.24.5}, {@code 1.29.2}
 * @param command the argv prefix that runs it: {@code [docker, compose]} or {@code [docker-compose]}
 */
public record ComposeTool(Flavor flavor, String version, List<String> command) {
  public enum Flavor {
    /** {@code docker compose}, the Compose v2 CLI plugin; preferred when present. */
    PLUGIN,
    /** A standalone {@code docker-compose}: Compose v1 (Python) or a v2 binary under that name. */
    STANDALONE
  }

  public ComposeTool {
    command = List.copyOf(command);
  }

  /** The major version: 1 for the Python Compose, 2 (or more) for the Go rewrite. */
  public int majorVersion() {
    try {
      return Integer.parseInt(version.split("[.+-]", 2)[0]);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Whether this is Compose v1 (no {@code --wait}, no {@code ps --format json}). */
  public boolean isV1() {
    return majorVersion() == 1;
  }
}
