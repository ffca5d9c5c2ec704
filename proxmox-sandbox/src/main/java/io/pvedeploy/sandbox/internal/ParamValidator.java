package io.pvedeploy.sandbox.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Validates request parameters against an endpoint's schema facts the way pve-common's
 * JSONSchema::check_prop does: same order of checks (type, format, pattern, maxLength, minLength,
 * range, enum), same texts, property strings parsed with the default-key rule.
 *
 * <p>Values are {@code String} or {@code List<String>} (repeated form fields or JSON arrays).
 */
final class ParamValidator {
  private ParamValidator() {}

  /** Thrown by {@link #parsePropertyString}: a parse error, or a map of per-key errors. */
  static final class FormatError extends Exception {
    private static final long serialVersionUID = 1L;
    final Map<String, String> errors;

    FormatError(String message, Map<String, String> errors) {
      super(message, null, false, false);
      this.errors = errors;
    }

    /** How PVE's exception stringifies: message, then "path: error" lines. */
    String render() {
      StringBuilder b = new StringBuilder(getMessage()).append('\n');
      errors.forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
      return b.toString();
    }
  }

  // The schema collapses numbered keys to "net[n]"; these are PVE's index limits.
  private static final Map<String, Integer> INDEX_LIMITS =
      Map.ofEntries(
          Map.entry("net", 32), Map.entry("mp", 256), Map.entry("unused", 256),
          Map.entry("dev", 256), Map.entry("ipconfig", 32), Map.entry("scsi", 31),
          Map.entry("virtio", 16), Map.entry("sata", 6), Map.entry("ide", 4),
          Map.entry("hostpci", 16), Map.entry("usb", 14), Map.entry("serial", 4),
          Map.entry("parallel", 3), Map.entry("numa", 8), Map.entry("virtiofs", 10));
  private static final Pattern INDEXED = Pattern.compile("([a-z_-]*[a-z])(\\d+)");
  private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();
  private static final Pattern ACCEPT_ALL = Pattern.compile("(?s).*");

  /** Hash formats that the schema names but PVE registers as property strings. */
  private static final Map<String, Map<String, Object>> NAMED_HASH_FORMATS =
      Map.of(
          "pve-qm-ipconfig",
          Map.of(
              "ip", Map.of("type", "string", "optional", 1, "format", "pve-ipv4-config"),
              "gw", Map.of("type", "string", "optional", 1, "format", "ipv4"),
              "ip6", Map.of("type", "string", "optional", 1, "format", "pve-ipv6-config"),
              "gw6", Map.of("type", "string", "optional", 1, "format", "ipv6")));

  /**
   * Returns the schema facts for a parameter name, mapping {@code net3} to {@code net[n]} within
   * PVE's index limits; null if the schema does not define it.
   */
  static Map<String, Object> propertySchema(
      Map<String, Map<String, Object>> params, String name) {
    Map<String, Object> s = params.get(name);
    if (s != null) {
      return s;
    }
    Matcher m = INDEXED.matcher(name);
    if (m.matches()) {
      Map<String, Object> indexed = params.get(m.group(1) + "[n]");
      String digits = m.group(2);
      if (indexed != null && digits.length() <= 4 && (digits.length() == 1 || digits.charAt(0) != '0')) {
        int index = Integer.parseInt(digits);
        return index < INDEX_LIMITS.getOrDefault(m.group(1), 256) ? indexed : null;
      }
    }
    return null;
  }

  /**
   * Normalizes (PVE's legacy form handling: a single value for an array parameter becomes a
   * one-element list, a list for a "-list" string is joined with commas) and validates. Returns
   * the per-field errors, empty when valid.
   */
  static Map<String, String> validate(
      Map<String, Map<String, Object>> schema, Map<String, Object> params) {
    for (Map.Entry<String, Object> e : params.entrySet()) {
      Map<String, Object> ps = propertySchema(schema, e.getKey());
      if (ps == null) {
        continue;
      }
      Object v = e.getValue();
      String type = (String) ps.get("type");
      Object format = ps.get("format");
      if (v instanceof String s && "array".equals(type)) {
        e.setValue(List.of(s));
      } else if (v instanceof List<?> l
          && "string".equals(type)
          && format instanceof String f
          && f.endsWith("-list")) {
        e.setValue(String.join(",", castList(l)));
      }
    }
    Map<String, String> errors = new LinkedHashMap<>();
    for (Map.Entry<String, Map<String, Object>> e : schema.entrySet()) {
      if (e.getKey().endsWith("[n]")) {
        continue;
      }
      checkProp(params.get(e.getKey()), e.getValue(), e.getKey(), errors);
    }
    for (Map.Entry<String, Object> e : params.entrySet()) {
      String key = e.getKey();
      Map<String, Object> ps = propertySchema(schema, key);
      if (ps == null) {
        addError(errors, key,
            "property is not defined in schema and the schema does not allow additional properties");
        continue;
      }
      if (!schema.containsKey(key)) {
        checkProp(e.getValue(), ps, key, errors);
      }
      if (ps.get("requires") instanceof String req && !params.containsKey(req)) {
        addError(errors, req, "missing property - '" + key + "' requires this property");
      }
    }
    return errors;
  }

  static void addError(Map<String, String> errors, String path, String msg) {
    String p = path == null || path.isEmpty() ? "_root" : path;
    // PVE joins with a literal backslash-n here (single-quoted Perl string).
    errors.merge(p, msg, (a, b) -> a + "\\n" + b);
  }

  @SuppressWarnings("unchecked")
  private static List<String> castList(List<?> l) {
    return (List<String>) l;
  }

  static void checkProp(Object value, Map<String, Object> schema, String path, Map<String, String> errors) {
    if (value == null) {
      if (!Schema.truthy(schema.get("optional")) && schema.get("alias") == null) {
        addError(errors, path, "property is missing and it is not optional");
      }
      return;
    }
    String type = (String) schema.get("type");
    if (!checkType(path, type, value, errors)) {
      return;
    }
    if (value instanceof List<?> list) {
      if (schema.get("items") instanceof Map<?, ?> items) {
        @SuppressWarnings("unchecked")
        Map<String, Object> itemSchema = (Map<String, Object>) items;
        int i = 0;
        for (Object el : list) {
          checkProp(el, itemSchema, path + "[" + i++ + "]", errors);
        }
      }
      return;
    }
    String v = (String) value;
    Object format = schema.get("format");
    if (format != null) {
      String err = checkFormat(format, v, path);
      if (err != null) {
        addError(errors, path, "invalid format - " + err);
        return;
      }
    }
    if (schema.get("pattern") instanceof String pattern && !compile(pattern).matcher(v).matches()) {
      addError(errors, path, "value does not match the regex pattern");
      return;
    }
    Double maxLength = number(schema.get("maxLength"));
    if (maxLength != null && v.codePointCount(0, v.length()) > maxLength) {
      addError(errors, path, "value may only be " + perlNumber(schema.get("maxLength")) + " characters long");
      return;
    }
    Double minLength = number(schema.get("minLength"));
    if (minLength != null && v.codePointCount(0, v.length()) < minLength) {
      addError(errors, path, "value must be at least " + perlNumber(schema.get("minLength")) + " characters long");
      return;
    }
    if (isNumber(v)) {
      double d = Double.parseDouble(v);
      Double max = number(schema.get("maximum"));
      if (max != null && d > max) {
        addError(errors, path, "value must have a maximum value of " + perlNumber(schema.get("maximum")));
        return;
      }
      Double min = number(schema.get("minimum"));
      if (min != null && d < min) {
        addError(errors, path, "value must have a minimum value of " + perlNumber(schema.get("minimum")));
        return;
      }
    }
    if (schema.get("enum") instanceof List<?> en) {
      boolean found = false;
      List<String> names = new ArrayList<>();
      for (Object o : en) {
        String s = perlNumber(o);
        names.add(s);
        found |= s.equals(v);
      }
      if (!found) {
        addError(errors, path,
            "value '" + v + "' does not have a value in the enumeration '" + String.join(", ", names) + "'");
      }
    }
  }

  private static boolean checkType(String path, String type, Object value, Map<String, String> errors) {
    if (type == null) {
      return true;
    }
    boolean isList = value instanceof List;
    switch (type) {
      case "array":
        if (!isList) {
          addError(errors, path, "type check ('array') failed");
          return false;
        }
        return true;
      case "object":
        addError(errors, path, "type check ('object') failed");
        return false;
      default:
        break;
    }
    if (isList) {
      addError(errors, path, "type check ('" + type + "') failed - got ARRAY");
      return false;
    }
    String v = (String) value;
    boolean ok =
        switch (type) {
          case "boolean" -> v.equals("0") || v.equals("1");
          case "integer" -> v.matches("[+-]?\\d+");
          case "number" -> isNumber(v);
          default -> true;
        };
    if (!ok) {
      addError(errors, path, "type check ('" + type + "') failed - got '" + v + "'");
    }
    return ok;
  }

  static boolean isNumber(String v) {
    return v.matches("[+-]?(\\d+\\.\\d+|\\d+\\.|\\.\\d+|\\d+)([eE][+-]?\\d+)?");
  }

  private static Double number(Object o) {
    if (o == null) {
      return null;
    }
    if (o instanceof Number n) {
      return n.doubleValue();
    }
    String s = o.toString();
    return isNumber(s) ? Double.parseDouble(s) : null;
  }

  /** Prints a schema number the way Perl interpolates it: 100, not 100.0. */
  static String perlNumber(Object o) {
    if (o instanceof Double d && d == Math.rint(d) && !d.isInfinite()) {
      return Long.toString(d.longValue());
    }
    return String.valueOf(o);
  }

  /** Returns the error text (as it follows "invalid format - ") or null. */
  @SuppressWarnings("unchecked")
  private static String checkFormat(Object format, String value, String path) {
    Map<String, Object> hash = null;
    if (format instanceof Map<?, ?> m) {
      hash = (Map<String, Object>) m;
    } else if (format instanceof String name) {
      hash = NAMED_HASH_FORMATS.get(name);
      if (hash == null) {
        String err = Formats.check(name, value);
        return err == null ? null : err + "\n";
      }
    }
    if (hash == null) {
      return null;
    }
    try {
      parsePropertyString(hash, value, path);
      return null;
    } catch (FormatError e) {
      return e.render();
    }
  }

  /**
   * Parses {@code key=value,key=value} with the default-key rule (pve-common's
   * parse_property_string): boolean sub-values accept on/yes/true, unknown keys and duplicate
   * keys are errors, then every key is checked against its own facts.
   */
  @SuppressWarnings("unchecked")
  static Map<String, String> parsePropertyString(Map<String, Object> format, String data, String path)
      throws FormatError {
    Map<String, String> res = new LinkedHashMap<>();
    String defaultKey = null;
    for (String part : data.split(",", -1)) {
      if (part.isBlank()) {
        continue;
      }
      int eq = part.indexOf('=');
      if (eq > 0 && eq < part.length() - 1) {
        String k = part.substring(0, eq);
        String v = part.substring(eq + 1);
        if (res.containsKey(k)) {
          throw new FormatError("duplicate key in comma-separated list property: " + k, Map.of());
        }
        Map<String, Object> ks = (Map<String, Object>) format.get(k);
        if (ks != null && ks.get("alias") instanceof String alias) {
          if (ks.get("keyAlias") instanceof String keyAlias) {
            if (res.containsKey(keyAlias)) {
              throw new FormatError("key alias '" + keyAlias + "' is already defined", Map.of());
            }
            res.put(keyAlias, k);
          }
          k = alias;
          ks = (Map<String, Object>) format.get(k);
        }
        if (ks == null) {
          throw new FormatError("invalid key in comma-separated list property: " + k, Map.of());
        }
        if ("boolean".equals(ks.get("type"))) {
          v = parseBoolean(v);
        }
        res.put(k, v);
      } else if (eq < 0) {
        if (defaultKey != null) {
          throw new FormatError("duplicate key in comma-separated list property: " + defaultKey, Map.of());
        }
        for (Map.Entry<String, Object> e : format.entrySet()) {
          if (Schema.truthy(((Map<String, Object>) e.getValue()).get("default_key"))) {
            defaultKey = e.getKey();
            if (res.containsKey(defaultKey)) {
              throw new FormatError("duplicate key in comma-separated list property: " + defaultKey, Map.of());
            }
            String v = part;
            if ("boolean".equals(((Map<String, Object>) e.getValue()).get("type"))) {
              v = parseBoolean(v);
            }
            res.put(defaultKey, v);
            break;
          }
        }
        if (defaultKey == null) {
          throw new FormatError("value without key, but schema does not define a default key", Map.of());
        }
      } else {
        throw new FormatError("missing key in comma-separated list property", Map.of());
      }
    }
    Map<String, String> errors = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : format.entrySet()) {
      String sub = path == null || path.isEmpty() ? e.getKey() : path + "." + e.getKey();
      checkProp(res.get(e.getKey()), (Map<String, Object>) e.getValue(), sub, errors);
    }
    if (!errors.isEmpty()) {
      throw new FormatError("format error", errors);
    }
    return res;
  }

  private static String parseBoolean(String v) {
    if (v.matches("(?i)1|on|yes|true")) {
      return "1";
    }
    if (v.matches("(?i)0|off|no|false")) {
      return "0";
    }
    return v;
  }

  /** Perl regex to Java: {@code (?^:...)} is Perl's "default flags" group. */
  static Pattern compile(String perl) {
    return PATTERNS.computeIfAbsent(perl, ParamValidator::translate);
  }

  private static Pattern translate(String perl) {
    String j = perl.replace("(?^:", "(?:").replace("(?^i:", "(?i:");
    for (String cls : List.of("alpha", "alnum", "digit", "space", "upper", "lower", "punct", "xdigit", "print", "graph", "cntrl")) {
      String javaName = cls.equals("xdigit") ? "XDigit" : Character.toUpperCase(cls.charAt(0)) + cls.substring(1);
      j = j.replace("[:" + cls + ":]", "\\p{" + javaName + "}");
    }
    try {
      return Pattern.compile(j);
    } catch (PatternSyntaxException e) {
      // A Perl construct Java lacks: accept rather than reject valid input.
      return ACCEPT_ALL;
    }
  }
}
