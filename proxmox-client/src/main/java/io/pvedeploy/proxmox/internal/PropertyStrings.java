package io.pvedeploy.proxmox.internal;

import io.pvedeploy.proxmox.MalformedPropertyException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The grammar of Proxmox VE property strings ({@code key=value,key=value}, with an optional default
 * key written without {@code key=}) and the value formats PVE checks inside them. Not API: the
 * property records in {@code io.pvedeploy.proxmox} use it; it is public only because they live in
 * another package.
 *
 * <p>Follows pve-common's {@code PVE::JSONSchema}: {@code parse_property_string} (split on commas,
 * skip blank parts, the first {@code =} separates key and value, a part without {@code =} is the
 * default key, unknown and duplicate keys are errors, booleans per {@code parse_boolean}) and
 * {@code print_property_string} (default key first without {@code key=}, then required keys, then
 * the rest, each group sorted by key; {@code disk-size} values through {@code format_size}).
 */
public final class PropertyStrings {
  private PropertyStrings() {}

  /** The value formats PVE's schema names in property strings, checked the way PVE checks them. */
  public enum Format {
    /** {@code ipv4}: a dotted quad without prefix. */
    IPV4("an IPv4 address like 10.0.0.1"),
    /** {@code ipv6}: an IPv6 address without prefix. */
    IPV6("an IPv6 address like fd00::1"),
    /** {@code pve-ipv4-config}: {@code dhcp}, {@code manual} or an IPv4 CIDR, prefix 8 to 32. */
    IPV4_CONFIG("dhcp, manual or an IPv4 CIDR like 10.0.0.5/24 (prefix 8 to 32)"),
    /** {@code pve-ipv6-config}: {@code auto}, {@code dhcp}, {@code manual} or an IPv6 CIDR. */
    IPV6_CONFIG("auto, dhcp, manual or an IPv6 CIDR like fd00::5/64 (prefix 8 to 128)"),
    /** {@code mac-addr}: a unicast MAC address (I/G bit clear). */
    MAC_ADDR("a unicast MAC address XX:XX:XX:XX:XX:XX whose first octet is even"),
    /** {@code pve-bridge-id}, and the {@code name}/{@code bridge} pattern of LXC nets. */
    BRIDGE_ID("letters, digits, '-', '_' and '.', like vmbr0"),
    /** {@code disk-size}: a number with an optional K, M, G or T suffix (1024-based). */
    DISK_SIZE("a size like 512M, 8G or 1T"),
    /** {@code pve-lxc-mp-string}: no {@code /./} or {@code /../} path components. */
    LXC_MP_STRING(
        "a path or volume without '/./', '/../', a trailing '/.' or '/..', or a leading '../'");

    private final String expected;

    Format(String expected) {
      this.expected = expected;
    }

    /** What a valid value looks like, for error messages. */
    public String expected() {
      return expected;
    }

    /** Whether PVE would accept {@code value} in this format. */
    public boolean accepts(String value) {
      switch (this) {
        case IPV4:
          return IPV4_RE.matcher(value).matches();
        case IPV6:
          return IPV6_RE.matcher(value).matches();
        case IPV4_CONFIG:
          return value.equals("dhcp") || value.equals("manual") || isCidr(value, IPV4_RE, 32);
        case IPV6_CONFIG:
          return value.equals("auto")
              || value.equals("dhcp")
              || value.equals("manual")
              || isCidr(value, IPV6_RE, 128);
        case MAC_ADDR:
          return MAC_RE.matcher(value).matches();
        case BRIDGE_ID:
          return BRIDGE_RE.matcher(value).matches();
        case DISK_SIZE:
          return parseSize(value) != null;
        case LXC_MP_STRING:
          return !(value.contains("/./")
              || value.contains("/../")
              || value.endsWith("/.")
              || value.endsWith("/..")
              || value.startsWith("../"));
        default:
          throw new AssertionError(this);
      }
    }
  }

  private static final String OCTET = "(?:25[0-5]|(?:2[0-4]|1[0-9]|[1-9])?[0-9])";
  private static final String IPV4 =
      "(?:" + OCTET + "\\." + OCTET + "\\." + OCTET + "\\." + OCTET + ")";
  private static final Pattern IPV4_RE = Pattern.compile(IPV4);
  // RFC 3986's IPv6address grammar, which is also what PVE's $IPV6RE spells out.
  private static final String H16 = "[0-9a-fA-F]{1,4}";
  private static final String LS32 = "(?:" + H16 + ":" + H16 + "|" + IPV4 + ")";
  private static final Pattern IPV6_RE =
      Pattern.compile(
          String.join(
              "|",
              "(?:" + H16 + ":){6}" + LS32,
              "::(?:" + H16 + ":){5}" + LS32,
              "(?:" + H16 + ")?::(?:" + H16 + ":){4}" + LS32,
              "(?:(?:" + H16 + ":){0,1}" + H16 + ")?::(?:" + H16 + ":){3}" + LS32,
              "(?:(?:" + H16 + ":){0,2}" + H16 + ")?::(?:" + H16 + ":){2}" + LS32,
              "(?:(?:" + H16 + ":){0,3}" + H16 + ")?::" + H16 + ":" + LS32,
              "(?:(?:" + H16 + ":){0,4}" + H16 + ")?::" + LS32,
              "(?:(?:" + H16 + ":){0,5}" + H16 + ")?::" + H16,
              "(?:(?:" + H16 + ":){0,6}" + H16 + ")?::"));
  private static final Pattern MAC_RE =
      Pattern.compile("[a-fA-F0-9][02468aceACE](?::[a-fA-F0-9]{2}){5}");
  private static final Pattern BRIDGE_RE = Pattern.compile("[-_.\\w\\d]+");
  private static final Pattern SIZE_RE = Pattern.compile("(\\d+(?:\\.\\d+)?)([KMGT](?:iB)?)?");
  private static final Pattern INTEGER_RE = Pattern.compile("[+-]?\\d+");
  private static final Pattern NUMBER_RE =
      Pattern.compile("[+-]?(?:\\d+\\.\\d+|\\d+\\.|\\.\\d+|\\d+)(?:[eE][+-]?\\d+)?");

  private static boolean isCidr(String value, Pattern address, int maxPrefix) {
    int slash = value.lastIndexOf('/');
    if (slash < 0 || !address.matcher(value.substring(0, slash)).matches()) {
      return false;
    }
    String prefix = value.substring(slash + 1);
    if (prefix.isEmpty() || prefix.length() > 3 || !prefix.chars().allMatch(Character::isDigit)) {
      return false;
    }
    int bits = Integer.parseInt(prefix);
    return bits >= 8 && bits <= maxPrefix; // PVE: "($1 > 7) && ($1 <= 32)"
  }

  // ---------------------------------------------------------------- checks for record components

  /**
   * Checks that {@code value} can stand as a value in a property string: not empty, no comma, no
   * control character (a newline would end the config line).
   */
  public static String checkValue(String property, String key, String value) {
    Objects.requireNonNull(value, key);
    if (value.isEmpty()) {
      throw new MalformedPropertyException(property, key, "'" + key + "' is empty", "a value");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == ',') {
        throw new MalformedPropertyException(
            property,
            key,
            "'" + key + "' must not contain a comma, got '" + value + "'",
            "a value without ',' (a comma would start another key)");
      }
      if (c < 0x20 || c == 0x7f) {
        throw new MalformedPropertyException(
            property,
            key,
            "'" + key + "' contains a control character (U+" + String.format("%04X", (int) c) + ")",
            "printable characters only");
      }
    }
    return value;
  }

  /** {@link #checkValue} for the default key, which additionally must not contain {@code =}. */
  public static String checkDefaultKeyValue(String property, String key, String value) {
    checkValue(property, key, value);
    if (value.indexOf('=') >= 0) {
      throw new MalformedPropertyException(
          property,
          key,
          "'" + key + "' must not contain '=', got '" + value + "'",
          "a value without '=' (PVE would read it as key=value)");
    }
    return value;
  }

  /** Checks {@code value} (which may be null: absent) against a PVE format. */
  public static String check(String property, String key, String value, Format format) {
    if (value == null) {
      return null;
    }
    checkValue(property, key, value);
    if (!format.accepts(value)) {
      throw new MalformedPropertyException(
          property, key, "'" + key + "' is not valid: '" + value + "'", format.expected());
    }
    return value;
  }

  /** Checks {@code value} (which may be null: absent) against a pattern that must match whole. */
  public static String check(
      String property, String key, String value, Pattern pattern, String expected) {
    if (value == null) {
      return null;
    }
    checkValue(property, key, value);
    if (!pattern.matcher(value).matches()) {
      throw new MalformedPropertyException(
          property, key, "'" + key + "' is not valid: '" + value + "'", expected);
    }
    return value;
  }

  /** Checks {@code value} (which may be null: absent) is one of {@code allowed}. */
  public static String checkOneOf(
      String property, String key, String value, Collection<String> allowed) {
    if (value != null && !allowed.contains(value)) {
      throw new MalformedPropertyException(
          property,
          key,
          "'" + key + "' is not valid: '" + value + "'",
          "one of " + String.join(", ", new TreeSet<>(allowed)));
    }
    return value;
  }

  /** Checks {@code value} (which may be null: absent) lies in {@code [min, max]}. */
  public static Integer checkRange(String property, String key, Integer value, long min, long max) {
    if (value != null && (value < min || value > max)) {
      throw new MalformedPropertyException(
          property,
          key,
          "'" + key + "' is out of range: " + value,
          "an integer from " + min + " to " + max);
    }
    return value;
  }

  /** Checks {@code value} (which may be null: absent) is a finite number at least {@code min}. */
  public static Double checkNumber(String property, String key, Double value, double min) {
    if (value != null && (!Double.isFinite(value) || value < min)) {
      throw new MalformedPropertyException(
          property,
          key,
          "'" + key + "' is out of range: " + value,
          "a number of at least " + formatNumber(min));
    }
    return value;
  }

  /** An immutable copy of {@code list}, empty for null, with each element checked. */
  public static <T> List<T> checkList(
      String property, String key, List<T> list, java.util.function.Consumer<T> elementCheck) {
    if (list == null) {
      return List.of();
    }
    List<T> copy = List.copyOf(list);
    copy.forEach(elementCheck);
    return copy;
  }

  // -------------------------------------------------------------------------------- sizes, numbers

  /**
   * Bytes for a PVE {@code disk-size} ({@code 8G}, {@code 512M}, {@code 1.5G}, {@code 1024}, {@code
   * 8GiB}), truncated to whole bytes as PVE's {@code parse_size} does; null if malformed or larger
   * than a long.
   */
  public static Long parseSize(String text) {
    Matcher m = SIZE_RE.matcher(text);
    if (!m.matches()) {
      return null;
    }
    BigDecimal size = new BigDecimal(m.group(1));
    int shift = m.group(2) == null ? 0 : "KMGT".indexOf(m.group(2).charAt(0)) + 1;
    BigInteger bytes = size.multiply(BigDecimal.valueOf(2).pow(10 * shift)).toBigInteger();
    return bytes.bitLength() < 64 ? bytes.longValue() : null;
  }

  /**
   * PVE's {@code format_size}: the largest of T, G, M, K that divides {@code bytes}, else bytes.
   */
  public static String formatSize(long bytes) {
    String[] units = {"", "K", "M", "G", "T"};
    long value = bytes;
    int unit = 0;
    while (unit < units.length - 1 && value % 1024 == 0) { // so 0 becomes "0T", as in PVE
      value /= 1024;
      unit++;
    }
    return value + units[unit];
  }

  /** A number as PVE prints it: no exponent, no trailing zeros, integers without a point. */
  public static String formatNumber(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  // ------------------------------------------------------------------------------------- parsing

  /**
   * Splits a property string as PVE's {@code parse_property_string} does and returns its fields.
   *
   * @param defaultKey the key a value without {@code key=} belongs to, or null if there is none
   * @param keys every key the format knows (including {@code defaultKey})
   */
  public static Fields parse(String property, String text, String defaultKey, Set<String> keys) {
    Objects.requireNonNull(text, property);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new MalformedPropertyException(
            property,
            null,
            "contains a control character (U+" + String.format("%04X", (int) c) + ")",
            "a single line");
      }
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (String part : text.split(",", -1)) {
      if (part.isBlank()) {
        continue;
      }
      int eq = part.indexOf('=');
      String key;
      String value;
      if (eq < 0) {
        if (defaultKey == null) {
          throw new MalformedPropertyException(
              property,
              null,
              "'" + part + "' has no key",
              "key=value with a key from " + String.join(", ", new TreeSet<>(keys)));
        }
        key = defaultKey;
        value = part;
      } else {
        key = part.substring(0, eq);
        value = part.substring(eq + 1);
        if (key.isEmpty() || value.isEmpty()) {
          throw new MalformedPropertyException(
              property,
              key.isEmpty() ? null : key,
              "'" + part + "' has an empty " + (key.isEmpty() ? "key" : "value"),
              "key=value");
        }
        if (!keys.contains(key)) {
          throw new MalformedPropertyException(
              property,
              key,
              "unknown key '" + key + "'",
              "one of " + String.join(", ", new TreeSet<>(keys)));
        }
      }
      if (values.putIfAbsent(key, value) != null) {
        throw new MalformedPropertyException(
            property, key, "duplicate key '" + key + "'", "each key at most once");
      }
    }
    return new Fields(property, values);
  }

  /** The fields of one parsed property string, read with PVE's type rules. */
  public static final class Fields {
    private final String property;
    private final Map<String, String> values;

    private Fields(String property, Map<String, String> values) {
      this.property = property;
      this.values = values;
    }

    /** The raw value of {@code key}, or null if absent. */
    public String string(String key) {
      return values.get(key);
    }

    /** The raw value of {@code key}, which must be present. */
    public String required(String key) {
      String value = values.get(key);
      if (value == null) {
        throw new MalformedPropertyException(
            property, key, "missing required key '" + key + "'", key + "=…");
      }
      return value;
    }

    /** A boolean per PVE's {@code parse_boolean}; null if absent. */
    public Boolean optionalFlag(String key) {
      String value = values.get(key);
      if (value == null) {
        return null;
      }
      switch (value.toLowerCase(java.util.Locale.ROOT)) {
        case "1":
        case "on":
        case "yes":
        case "true":
          return true;
        case "0":
        case "off":
        case "no":
        case "false":
          return false;
        default:
          throw new MalformedPropertyException(
              property,
              key,
              "'" + key + "' must be 0 or 1, got '" + value + "'",
              "1 or 0; PVE also reads on/off, yes/no, true/false");
      }
    }

    /** A boolean per PVE's {@code parse_boolean}; {@code absent} if the key is absent. */
    public boolean flag(String key, boolean absent) {
      Boolean value = optionalFlag(key);
      return value == null ? absent : value;
    }

    /** An integer in {@code [min, max]}; null if absent. */
    public Integer integer(String key, long min, long max) {
      String value = values.get(key);
      if (value == null) {
        return null;
      }
      String expected = "an integer from " + min + " to " + max;
      if (!INTEGER_RE.matcher(value).matches()) {
        throw new MalformedPropertyException(
            property, key, "'" + key + "' must be an integer, got '" + value + "'", expected);
      }
      BigInteger number = new BigInteger(value.startsWith("+") ? value.substring(1) : value);
      if (number.compareTo(BigInteger.valueOf(min)) < 0
          || number.compareTo(BigInteger.valueOf(max)) > 0) {
        throw new MalformedPropertyException(
            property, key, "'" + key + "' is out of range: " + value, expected);
      }
      return number.intValueExact();
    }

    /** A number (PVE's {@code is_number}) at least {@code min}; null if absent. */
    public Double number(String key, double min) {
      String value = values.get(key);
      if (value == null) {
        return null;
      }
      String expected = "a number of at least " + formatNumber(min);
      double number;
      if (!NUMBER_RE.matcher(value).matches()
          || !Double.isFinite(number = Double.parseDouble(value))) {
        throw new MalformedPropertyException(
            property, key, "'" + key + "' must be a number, got '" + value + "'", expected);
      }
      if (number < min) {
        throw new MalformedPropertyException(
            property, key, "'" + key + "' is out of range: " + value, expected);
      }
      return number;
    }

    /** A {@code disk-size} in bytes; null if absent. */
    public Long size(String key) {
      String value = values.get(key);
      if (value == null) {
        return null;
      }
      Long bytes = parseSize(value);
      if (bytes == null) {
        throw new MalformedPropertyException(
            property,
            key,
            "'" + key + "' is not a disk size: '" + value + "'",
            Format.DISK_SIZE.expected());
      }
      return bytes;
    }

    /** A {@code ;}-separated list, blank entries dropped; empty if absent. */
    public List<String> list(String key) {
      String value = values.get(key);
      List<String> result = new ArrayList<>();
      if (value != null) {
        for (String entry : value.split(";", -1)) {
          if (!entry.isBlank()) {
            result.add(entry.strip());
          }
        }
      }
      return result;
    }
  }

  // ----------------------------------------------------------------------------------- rendering

  /** A writer producing the canonical form of {@code print_property_string}. */
  public static Writer writer() {
    return new Writer();
  }

  /**
   * Collects a property string's keys and renders them in PVE's order: the default key's value,
   * then the {@link #first} keys in call order (PVE's required keys, or a fixed order), then all
   * {@link #put} keys sorted.
   */
  public static final class Writer {
    private final List<String> leading = new ArrayList<>();
    private final Map<String, String> sorted = new TreeMap<>();

    private Writer() {}

    /** The default key's value, written without {@code key=}; must be called first. */
    public Writer positional(String value) {
      if (value != null) {
        leading.add(value);
      }
      return this;
    }

    /** A key written after the default key, in call order; skipped if {@code value} is null. */
    public Writer first(String key, Object value) {
      if (value != null) {
        leading.add(key + "=" + format(value));
      }
      return this;
    }

    /** A key written in sorted position; skipped if {@code value} is null or an empty list. */
    public Writer put(String key, Object value) {
      if (value != null && !(value instanceof List && ((List<?>) value).isEmpty())) {
        sorted.put(key, format(value));
      }
      return this;
    }

    /** A boolean key, written only when it differs from what PVE assumes when it is absent. */
    public Writer flag(String key, boolean value, boolean absent) {
      return value == absent ? this : put(key, value);
    }

    /** The property string. */
    public String render() {
      List<String> parts = new ArrayList<>(leading);
      sorted.forEach((key, value) -> parts.add(key + "=" + value));
      return String.join(",", parts);
    }

    private static String format(Object value) {
      if (value instanceof Boolean) {
        return (Boolean) value ? "1" : "0";
      }
      if (value instanceof Double) {
        return formatNumber((Double) value);
      }
      if (value instanceof List) {
        List<String> items = new ArrayList<>();
        ((List<?>) value).forEach(item -> items.add(String.valueOf(item)));
        return String.join(";", items);
      }
      return value.toString();
    }
  }
}
