package io.pvedeploy.docker.internal;

import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** Reads the YAML that {@code docker-compose config} prints (YAML 1.2, SnakeYAML Engine). */
public final class Yaml {
  private Yaml() {}

  /**
   * The document as maps, lists and scalars.
   *
   * @throws IllegalArgumentException if it is not one YAML mapping
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseMapping(String text) {
    LoadSettings settings = LoadSettings.builder().setAllowDuplicateKeys(false)
        .setCodePointLimit(64 * 1024 * 1024).build();
    Object doc;
    try {
      doc = new Load(settings).loadFromString(text);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not YAML: " + e.getMessage(), e);
    }
    if (!(doc instanceof Map)) {
      throw new IllegalArgumentException("the YAML document is not a mapping");
    }
    return (Map<String, Object>) doc;
  }
}
