package io.pvedeploy.sandbox.internal;

import com.squareup.moshi.JsonAdapter;
import com.squareup.moshi.Moshi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Untyped JSON (maps, lists, strings, numbers) in and out; the sandbox speaks PVE's loose JSON. */
final class Json {
  private static final JsonAdapter<Object> ADAPTER =
      new Moshi.Builder().build().adapter(Object.class).serializeNulls();

  private Json() {}

  static String write(Object value) {
    return ADAPTER.toJson(value);
  }

  static byte[] bytes(Object value) {
    return write(value).getBytes(StandardCharsets.UTF_8);
  }

  static Object read(String text) {
    try {
      return ADAPTER.fromJson(text);
    } catch (IOException e) {
      throw new UncheckedIOException("malformed JSON", e);
    }
  }
}
