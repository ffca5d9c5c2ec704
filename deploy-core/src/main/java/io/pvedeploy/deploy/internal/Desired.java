package io.pvedeploy.deploy.internal;

import java.util.Map;
import java.util.TreeMap;

/**
 * The local half of a plan's inputs: what the spec resolves to on this machine.
 *
 * @param bundleId the spec's compose bundle's id
 * @param releaseId the id of the release to ship: the bundle plus the generated secrets override
 * @param imageIds image reference to the local image id
 * @param secretVersions secret name to the store's version; a secret the store lacks is absent
 * @param daemonSha256 hex sha256 of the daemon.json the spec asks for
 */
public record Desired(String bundleId, String releaseId, Map<String, String> imageIds,
    Map<String, Integer> secretVersions, String daemonSha256) {
  public Desired {
    imageIds = Map.copyOf(imageIds);
    secretVersions = Map.copyOf(secretVersions);
  }

  String canonical() {
    StringBuilder out = new StringBuilder();
    out.append("bundle=").append(bundleId).append('\n').append("release=").append(releaseId).append('\n');
    new TreeMap<>(imageIds).forEach((k, v) -> out.append("local.image ").append(k).append(' ').append(v).append('\n'));
    new TreeMap<>(secretVersions).forEach((k, v) -> out.append("store.secret ").append(k).append(' ').append(v).append('\n'));
    out.append("daemon=").append(daemonSha256).append('\n');
    return out.toString();
  }
}
