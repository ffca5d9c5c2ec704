package io.pvedeploy.deploy.internal;

import com.squareup.moshi.Moshi;
import io.pvedeploy.deploy.DeployException;
import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.SecretSpec;
import io.pvedeploy.docker.ComposeBundle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * The compose file pvedeploy adds to a bundle to hand services their secrets as files: a
 * top-level {@code secrets:} with each secret's file on the guest ({@code <app dir>/secrets/NAME},
 * mode 0400) and, for each service that uses one, its {@code secrets:} list (mounted at {@code
 * /run/secrets/<file name>}) and a label with the secret's version, so a rotated secret gives a
 * new release and recreated containers. Holds paths and versions, never a value.
 *
 * <p>Compose v1 reads file secrets only from compose file format 3.1 on: the override repeats the
 * bundle's {@code version:} (compose v1 refuses to merge files of different versions).
 */
public final class SecretsOverride {
  public static final String FILE = "pvedeploy.secrets.json";
  public static final String VERSION_LABEL_PREFIX = "io.pvedeploy.secret.";

  private SecretsOverride() {}

  /** {@code <app dir>/secrets}: where the secret files live on the guest (mode 0700). */
  public static String directory(String appDirectory) {
    return appDirectory + "/secrets";
  }

  /**
   * The bundle with the override added, or the bundle itself when no service uses a secret. A
   * secret missing from {@code versions} counts as version 1, the version it gets when generated,
   * so a first plan shows the release id the apply will make.
   */
  public static ComposeBundle apply(ComposeBundle bundle, DeploymentSpec spec, String appDirectory,
      Map<String, Integer> versions) throws DeployException {
    if (spec.secrets().stream().allMatch(s -> s.services().isEmpty())) {
      return bundle;
    }
    ComposeFacts facts = facts(bundle);
    List<String> unknown = new ArrayList<>();
    for (SecretSpec s : spec.secrets()) {
      for (String service : s.services()) {
        if (!facts.services().contains(service)) {
          unknown.add("secrets." + s.name() + ".services names '" + service + "'");
        }
      }
    }
    if (!unknown.isEmpty()) {
      throw new DeployException("the compose bundle " + bundle.directory() + " has no such service: "
          + String.join("; ", unknown) + " (its services: " + String.join(", ", facts.services())
          + "). Fix the spec's services: lists or the bundle", null);
    }
    Map<String, Object> root = new LinkedHashMap<>();
    facts.version().ifPresent(v -> root.put("version", v));
    Map<String, Object> services = new TreeMap<>();
    for (SecretSpec s : spec.secrets()) {
      for (String service : s.services()) {
        @SuppressWarnings("unchecked")
        Map<String, Object> svc = (Map<String, Object>) services.computeIfAbsent(service, k -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("secrets", new ArrayList<Object>());
          m.put("labels", new TreeMap<String, String>());
          return m;
        });
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) svc.get("secrets");
        if (s.effectiveFileName().equals(s.name())) {
          list.add(s.name());
        } else {
          Map<String, Object> longForm = new LinkedHashMap<>();
          longForm.put("source", s.name());
          longForm.put("target", s.effectiveFileName());
          list.add(longForm);
        }
        @SuppressWarnings("unchecked")
        Map<String, String> labels = (Map<String, String>) svc.get("labels");
        labels.put(VERSION_LABEL_PREFIX + s.name() + ".version", String.valueOf(versions.getOrDefault(s.name(), 1)));
      }
    }
    root.put("services", services);
    Map<String, Object> secrets = new TreeMap<>();
    for (SecretSpec s : spec.secrets()) {
      if (!s.services().isEmpty()) {
        secrets.put(s.name(), Map.of("file", directory(appDirectory) + "/" + s.name()));
      }
    }
    root.put("secrets", secrets);
    String json = new Moshi.Builder().build().adapter(Object.class).indent("  ").toJson(root) + "\n";
    return bundle.withComposeFile(FILE, json.getBytes(StandardCharsets.UTF_8));
  }

  /** What the override needs from the bundle's compose files. */
  record ComposeFacts(Optional<String> version, Set<String> services) {}

  static ComposeFacts facts(ComposeBundle bundle) throws DeployException {
    String version = null;
    Set<String> services = new LinkedHashSet<>();
    Map<String, ComposeBundle.BundleFile> byPath = new LinkedHashMap<>();
    bundle.files().forEach(f -> byPath.put(f.path(), f));
    for (String file : bundle.composeFiles()) {
      Object doc;
      try {
        doc = new Load(LoadSettings.builder().build())
            .loadFromString(new String(byPath.get(file).content(), StandardCharsets.UTF_8));
      } catch (YamlEngineException e) {
        throw new DeployException("compose file " + file + " of " + bundle.directory() + " is not YAML: "
            + e.getMessage(), e);
      }
      if (doc instanceof Map<?, ?> map) {
        if (version == null && map.get("version") != null) {
          version = String.valueOf(map.get("version"));
        }
        if (map.get("services") instanceof Map<?, ?> s) {
          s.keySet().forEach(k -> services.add(String.valueOf(k)));
        }
      }
    }
    return new ComposeFacts(Optional.ofNullable(version), services);
  }
}
