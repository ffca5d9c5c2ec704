package io.pvedeploy.deploy.internal;

import com.squareup.moshi.JsonAdapter;
import com.squareup.moshi.Moshi;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the last successful apply left on the guest, as {@code <base>/<app>/deployed.json}: the
 * release, the bundle it came from, each image's id, each secret's version (never a value) and
 * the sha256 of {@code daemon.json}. The planner compares it with the desired state.
 *
 * @param releaseId the release brought up (the bundle plus the generated secrets override)
 * @param bundleId the spec's bundle's id
 * @param images image reference to image id
 * @param secrets secret name to the store's version of it
 * @param daemonSha256 hex sha256 of the daemon.json written
 */
public record DeployedState(String releaseId, String bundleId, Map<String, String> images,
    Map<String, Integer> secrets, String daemonSha256) {
  public static final int FORMAT = 1;

  public DeployedState {
    images = Map.copyOf(images);
    secrets = Map.copyOf(secrets);
  }

  /** Canonical JSON: keys sorted, one line per key, so the same state gives the same bytes. */
  public String toJson() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("format", FORMAT);
    root.put("release", releaseId);
    root.put("bundle", bundleId);
    root.put("images", new TreeMap<>(images));
    root.put("secrets", new TreeMap<>(secrets));
    root.put("daemon_json_sha256", daemonSha256);
    return adapter().indent("  ").toJson(root) + "\n";
  }

  /** The state in {@code json}, or empty when it is not one this version wrote. */
  @SuppressWarnings("unchecked")
  public static Optional<DeployedState> parse(String json) {
    try {
      Object value = adapter().fromJson(json);
      if (!(value instanceof Map<?, ?> root) || !(root.get("format") instanceof Number n) || n.intValue() != FORMAT) {
        return Optional.empty();
      }
      Map<String, String> images = new TreeMap<>();
      ((Map<String, Object>) root.get("images")).forEach((k, v) -> images.put(k, String.valueOf(v)));
      Map<String, Integer> secrets = new TreeMap<>();
      ((Map<String, Object>) root.get("secrets")).forEach((k, v) -> secrets.put(k, ((Number) v).intValue()));
      return Optional.of(new DeployedState(String.valueOf(root.get("release")), String.valueOf(root.get("bundle")),
          images, secrets, String.valueOf(root.get("daemon_json_sha256"))));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static JsonAdapter<Object> adapter() {
    return new Moshi.Builder().build().adapter(Object.class);
  }
}
