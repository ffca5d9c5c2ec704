package io.pvedeploy.deploy.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one shell round trip into a running guest tells the planner: Docker and Compose, the
 * sha256 of {@code daemon.json}, the ids of the expected images, and {@code deployed.json}.
 *
 * @param dockerInstalled whether the docker CLI is there
 * @param compose {@code v1}, {@code v2}, or empty when neither is installed
 * @param serverVersion the daemon's version, empty when it does not answer
 * @param daemonSha256 hex sha256 of {@code /etc/docker/daemon.json}, empty when there is none
 * @param imageIds expected image reference to the id the guest has under it (absent: none)
 * @param deployed the state the last apply wrote
 * @param dataMounted whether the data volume's path is a mount point, when the survey was asked
 * @param raw the script's output as read, part of the plan's basis
 */
public record Survey(boolean dockerInstalled, Optional<String> compose, Optional<String> serverVersion,
    Optional<String> daemonSha256, Map<String, String> imageIds, Optional<DeployedState> deployed,
    Optional<Boolean> dataMounted, String raw) {
  static final String DEPLOYED_MARKER = "--deployed.json--";

  /**
   * The survey script: constant text, its inputs as positional parameters ({@code $1} the app
   * directory, {@code $2} the data volume's path or empty, then the image references), never
   * interpolated.
   */
  public static final String SCRIPT = String.join("\n",
      "app=$1; data=$2; shift 2",
      "if [ -n \"$data\" ]; then if mountpoint -q \"$data\"; then echo data=mounted; else echo data=unmounted; fi; fi",
      "if command -v docker >/dev/null 2>&1; then echo docker=1; else echo docker=0; fi",
      "v=$(docker version --format '{{.Server.Version}}' 2>/dev/null) && echo \"server=$v\"",
      "if docker compose version >/dev/null 2>&1; then echo compose=v2;"
          + " elif command -v docker-compose >/dev/null 2>&1; then echo compose=v1; fi",
      "if [ -f /etc/docker/daemon.json ]; then echo \"daemon=$(sha256sum < /etc/docker/daemon.json | cut -d' ' -f1)\"; fi",
      "for ref in \"$@\"; do",
      "  id=$(docker image inspect --format '{{.Id}}' \"$ref\" 2>/dev/null) || id=-",
      "  echo \"image $ref ${id:--}\"",
      "done",
      "if [ -f \"$app/deployed.json\" ]; then echo '" + DEPLOYED_MARKER + "'; cat -- \"$app/deployed.json\"; fi",
      "exit 0");

  public Survey {
    imageIds = Map.copyOf(imageIds);
  }

  /**
   * The argv that runs {@link #SCRIPT} in the guest; {@code dataPath} (may be empty) is a data
   * volume the guest itself mounts, whose mount the survey checks.
   */
  public static List<String> argv(String appDirectory, String dataPath, List<String> imageRefs) {
    List<String> argv = new ArrayList<>(List.of("sh", "-c", SCRIPT, "pvedeploy-survey", appDirectory, dataPath));
    argv.addAll(imageRefs);
    return argv;
  }

  /** Reads the script's output. */
  public static Survey parse(String output) {
    boolean docker = false;
    String compose = null;
    String server = null;
    String daemon = null;
    Map<String, String> images = new LinkedHashMap<>();
    Optional<DeployedState> deployed = Optional.empty();
    Boolean dataMounted = null;
    int marker = output.indexOf(DEPLOYED_MARKER + "\n");
    String head = marker < 0 ? output : output.substring(0, marker);
    if (marker >= 0) {
      deployed = DeployedState.parse(output.substring(marker + DEPLOYED_MARKER.length() + 1));
    }
    for (String line : head.split("\n")) {
      if (line.equals("docker=1")) {
        docker = true;
      } else if (line.startsWith("server=")) {
        server = line.substring("server=".length()).strip();
      } else if (line.startsWith("compose=")) {
        compose = line.substring("compose=".length()).strip();
      } else if (line.startsWith("daemon=")) {
        daemon = line.substring("daemon=".length()).strip();
      } else if (line.equals("data=mounted") || line.equals("data=unmounted")) {
        dataMounted = line.equals("data=mounted");
      } else if (line.startsWith("image ")) {
        String[] f = line.split(" ");
        if (f.length == 3 && !f[2].equals("-")) {
          images.put(f[1], f[2]);
        }
      }
    }
    return new Survey(docker, Optional.ofNullable(compose).filter(s -> !s.isEmpty()),
        Optional.ofNullable(server).filter(s -> !s.isEmpty()), Optional.ofNullable(daemon).filter(s -> !s.isEmpty()),
        images, deployed, Optional.ofNullable(dataMounted), output);
  }
}
