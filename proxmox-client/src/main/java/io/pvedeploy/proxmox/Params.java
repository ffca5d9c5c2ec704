package io.pvedeploy.proxmox;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of one API call, in PVE's encoding: booleans as {@code 0}/{@code 1}, lists as
 * repeated fields. Never printed: values may be passwords.
 */
final class Params {
  private final Map<String, List<String>> values = new LinkedHashMap<>();

  static Params of() {
    return new Params();
  }

  Params put(String name, String value) {
    if (value != null) {
      values.put(name, List.of(value));
    }
    return this;
  }

  Params put(String name, long value) {
    return put(name, Long.toString(value));
  }

  Params put(String name, Integer value) {
    return value == null ? this : put(name, value.toString());
  }

  Params put(String name, Long value) {
    return value == null ? this : put(name, value.toString());
  }

  Params put(String name, Boolean value) {
    return value == null ? this : put(name, value ? "1" : "0");
  }

  Params putAll(String name, List<String> list) {
    values.put(name, List.copyOf(list));
    return this;
  }

  Params putAll(Map<String, String> map) {
    map.forEach(this::put);
    return this;
  }

  boolean isEmpty() {
    return values.isEmpty();
  }

  Map<String, List<String>> asMap() {
    return Collections.unmodifiableMap(values);
  }

  List<String> names() {
    return new ArrayList<>(values.keySet());
  }

  @Override
  public String toString() {
    return "Params" + values.keySet();
  }
}
