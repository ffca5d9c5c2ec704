package io.pvedeploy.proxmox;

import com.squareup.moshi.JsonReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okio.BufferedSource;

/**
 * Reads PVE's JSON into plain Java values and out of them into typed fields.
 *
 * <p>PVE's Perl backend is loose with types: integers arrive as numbers or strings, booleans as
 * {@code 0}/{@code 1}, numbers as strings. Every typed accessor here accepts all of those, so the
 * records built from them do not break when a PVE version changes its mind.
 */
final class Json {
  private Json() {}

  /** Reads one JSON value: objects become insertion-ordered maps, integral numbers longs. */
  static Object read(BufferedSource source) throws IOException {
    JsonReader reader = JsonReader.of(source);
    reader.setLenient(true);
    return readValue(reader);
  }

  static Object readValue(JsonReader reader) throws IOException {
    switch (reader.peek()) {
      case BEGIN_OBJECT: {
        Map<String, Object> map = new LinkedHashMap<>();
        reader.beginObject();
        while (reader.hasNext()) {
          map.put(reader.nextName(), readValue(reader));
        }
        reader.endObject();
        return map;
      }
      case BEGIN_ARRAY: {
        List<Object> list = new ArrayList<>();
        reader.beginArray();
        while (reader.hasNext()) {
          list.add(readValue(reader));
        }
        reader.endArray();
        return list;
      }
      case STRING:
        return reader.nextString();
      case NUMBER: {
        String text = reader.nextString();
        if (text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0) {
          try {
            return Long.parseLong(text);
          } catch (NumberFormatException tooBig) {
            return Double.parseDouble(text);
          }
        }
        return Double.parseDouble(text);
      }
      case BOOLEAN:
        return reader.nextBoolean();
      case NULL:
        return reader.nextNull();
      default:
        throw new IOException("unexpected JSON token " + reader.peek() + " at " + reader.getPath());
    }
  }

  /** The next value as a string, whatever its JSON type; null for null. */
  static String nextString(JsonReader reader) throws IOException {
    switch (reader.peek()) {
      case NULL:
        return reader.nextNull();
      case BOOLEAN:
        return reader.nextBoolean() ? "1" : "0";
      case STRING:
      case NUMBER:
        return reader.nextString();
      default:
        reader.skipValue();
        return null;
    }
  }

  /** The next value as a long: numbers, numeric strings, booleans; {@code fallback} otherwise. */
  static long nextLong(JsonReader reader, long fallback) throws IOException {
    String text = nextString(reader);
    if (text == null || text.isEmpty()) {
      return fallback;
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException notIntegral) {
      try {
        return (long) Double.parseDouble(text);
      } catch (NumberFormatException notANumber) {
        return fallback;
      }
    }
  }

  static double nextDouble(JsonReader reader, double fallback) throws IOException {
    String text = nextString(reader);
    if (text == null || text.isEmpty()) {
      return fallback;
    }
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException notANumber) {
      return fallback;
    }
  }

  static boolean nextBoolean(JsonReader reader) throws IOException {
    String text = nextString(reader);
    return text != null && (text.equals("1") || text.equalsIgnoreCase("true"));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> object(Object value, String what) throws UnexpectedResponseException {
    if (value instanceof Map) {
      return (Map<String, Object>) value;
    }
    throw new UnexpectedResponseException(
        what + ": expected a JSON object from PVE, got " + describe(value));
  }

  @SuppressWarnings("unchecked")
  static List<Object> array(Object value, String what) throws UnexpectedResponseException {
    if (value == null) {
      return List.of();
    }
    if (value instanceof List) {
      return (List<Object>) value;
    }
    throw new UnexpectedResponseException(
        what + ": expected a JSON array from PVE, got " + describe(value));
  }

  static List<Map<String, Object>> objects(Object value, String what)
      throws UnexpectedResponseException {
    List<Object> items = array(value, what);
    List<Map<String, Object>> out = new ArrayList<>(items.size());
    for (Object item : items) {
      out.add(object(item, what));
    }
    return out;
  }

  private static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    return value.getClass().getSimpleName();
  }

  static String string(Map<String, Object> map, String key) {
    Object value = map.get(key);
    if (value == null) {
      return null;
    }
    if (value instanceof Double) {
      double d = (Double) value;
      if (d == Math.rint(d) && !Double.isInfinite(d)) {
        return Long.toString((long) d);
      }
    }
    return value.toString();
  }

  static String string(Map<String, Object> map, String key, String fallback) {
    String value = string(map, key);
    return value == null ? fallback : value;
  }

  static long longValue(Map<String, Object> map, String key, long fallback) {
    Object value = map.get(key);
    if (value instanceof Number) {
      return ((Number) value).longValue();
    }
    if (value instanceof String && !((String) value).isEmpty()) {
      try {
        return (long) Double.parseDouble((String) value);
      } catch (NumberFormatException notANumber) {
        return fallback;
      }
    }
    if (value instanceof Boolean) {
      return ((Boolean) value) ? 1 : 0;
    }
    return fallback;
  }

  static int intValue(Map<String, Object> map, String key, int fallback) {
    return (int) longValue(map, key, fallback);
  }

  static double doubleValue(Map<String, Object> map, String key, double fallback) {
    Object value = map.get(key);
    if (value instanceof Number) {
      return ((Number) value).doubleValue();
    }
    if (value instanceof String && !((String) value).isEmpty()) {
      try {
        return Double.parseDouble((String) value);
      } catch (NumberFormatException notANumber) {
        return fallback;
      }
    }
    return fallback;
  }

  static boolean bool(Map<String, Object> map, String key, boolean fallback) {
    Object value = map.get(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Boolean) {
      return (Boolean) value;
    }
    if (value instanceof Number) {
      return ((Number) value).longValue() != 0;
    }
    String text = value.toString().trim().toLowerCase(java.util.Locale.ROOT);
    return text.equals("1") || text.equals("true") || text.equals("yes") || text.equals("on");
  }

  /** A flat string view of a config-like object: what PVE stores as {@code key: value} lines. */
  static Map<String, String> stringMap(Map<String, Object> map) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : map.entrySet()) {
      if (entry.getValue() != null) {
        out.put(entry.getKey(), string(map, entry.getKey()));
      }
    }
    return Collections.unmodifiableMap(out);
  }
}
