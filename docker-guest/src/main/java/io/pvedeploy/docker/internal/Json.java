package io.pvedeploy.docker.internal;

import com.squareup.moshi.JsonAdapter;
import com.squareup.moshi.Moshi;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Docker's JSON ({@code docker inspect}, {@code docker info --format '{{json .}}'}) read with
 * Moshi into plain maps and lists, and small typed getters over them. Docker adds fields between
 * versions; reading only what we need keeps us working across them.
 */
public final class Json {
  private Json() {}

  private static final JsonAdapter<Object> ADAPTER = new Moshi.Builder().build().adapter(Object.class).lenient();

  /** Parses a JSON document. */
  public static Object parse(String json) throws IOException {
    try {
      return ADAPTER.fromJson(json);
    } catch (RuntimeException e) {
      throw new IOException("not JSON: " + e.getMessage(), e);
    }
  }

  /** Writes plain maps, lists, strings, numbers and booleans as compact JSON. */
  public static String write(Object value) {
    return ADAPTER.toJson(value);
  }

  /** Parses a JSON array of objects ({@code docker inspect}'s shape). */
  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> parseArray(String json) throws IOException {
    Object value = parse(json);
    if (!(value instanceof List<?> list)) {
      throw new IOException("expected a JSON array");
    }
    for (Object o : list) {
      if (!(o instanceof Map)) {
        throw new IOException("expected an array of objects");
      }
    }
    return (List<Map<String, Object>>) value;
  }

  /** Parses a JSON object. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String json) throws IOException {
    Object value = parse(json);
    if (!(value instanceof Map)) {
      throw new IOException("expected a JSON object");
    }
    return (Map<String, Object>) value;
  }

  /** The value at a path of object keys, if every step is an object holding the key. */
  public static Optional<Object> at(Object root, String... path) {
    Object cur = root;
    for (String key : path) {
      if (!(cur instanceof Map<?, ?> map) || !map.containsKey(key)) {
        return Optional.empty();
      }
      cur = map.get(key);
    }
    return Optional.ofNullable(cur);
  }

  public static Optional<String> string(Object root, String... path) {
    return at(root, path).filter(String.class::isInstance).map(String.class::cast);
  }

  public static boolean bool(Object root, boolean fallback, String... path) {
    return at(root, path).filter(Boolean.class::isInstance).map(Boolean.class::cast).orElse(fallback);
  }

  public static Optional<Integer> integer(Object root, String... path) {
    return at(root, path).filter(Number.class::isInstance).map(n -> ((Number) n).intValue());
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> object(Object root, String... path) {
    return at(root, path).filter(Map.class::isInstance).map(m -> (Map<String, Object>) m).orElse(Map.of());
  }

  public static List<?> array(Object root, String... path) {
    return at(root, path).filter(List.class::isInstance).map(l -> (List<?>) l).orElse(List.of());
  }
}
