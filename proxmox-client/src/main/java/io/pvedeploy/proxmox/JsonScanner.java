package io.pvedeploy.proxmox;

import static io.pvedeploy.proxmox.JsonScanWords.digitsValue;
import static io.pvedeploy.proxmox.JsonScanWords.leadingDigits;
import static io.pvedeploy.proxmox.JsonScanWords.load;
import static io.pvedeploy.proxmox.JsonScanWords.lowBytes;
import static io.pvedeploy.proxmox.JsonScanWords.POWERS_OF_TEN;
import static io.pvedeploy.proxmox.JsonScanWords.specialBytes;

import java.nio.charset.StandardCharsets;

/**
 * A pull scanner over one whole JSON document in UTF-8 bytes, for the one PVE answer whose size
 * grows with the cluster: {@code GET /cluster/resources} (1.4 MB for 5,000 guests).
 *
 * <p>Everything else in this client reads JSON with Moshi, the design card's library. Measured on
 * that answer (2 cores, steady state): Moshi's {@code JsonReader} needs ~9.3 ms to decode it and
 * 4.6 ms merely to skip it, jackson-core's streaming parser ~3.8 ms, CPython's {@code json.loads}
 * (what proxmoxer uses) ~10 ms; issue 3 asks for 5× faster than proxmoxer, ≤ 2 ms. This scanner
 * gets there by doing less: it works on a {@code byte[]} already in memory, matches member names
 * as raw bytes against a precomputed {@link JsonScanNames} (or, in a list of objects of one shape,
 * against the bytes a {@link JsonScanOrder} expects in that place: one compare), builds no
 * {@code String} for numbers, names or skipped values, and parses integers and short decimals
 * straight from the bytes, eight digits at a time ({@link JsonScanWords}).
 *
 * <p>It reads strict RFC 8259 JSON. Typed accessors are as loose as PVE's Perl backend needs
 * (see {@link Json}): {@link #nextLong} takes numbers, numeric strings and booleans. Malformed
 * input, or input of another shape than the caller asks for, throws {@link JsonScanException}
 * with the byte offset; calling methods in an order no JSON could satisfy (a value where a name
 * must come) is the caller's bug and throws {@link IllegalStateException}. Invalid UTF-8 inside
 * strings becomes U+FFFD, as {@code new String(bytes, UTF_8)} does.
 *
 * <p>Not thread-safe; one instance reads one document once. {@link JsonScanArrays} reads a long
 * array's two halves with two instances over the same bytes, which no instance writes.
 */
final class JsonScanner {
  /** What comes next, as {@link #peek()} sees it. */
  enum Kind {
    OBJECT, ARRAY, STRING, NUMBER, BOOLEAN, NULL, NAME, END
  }

  /** Deeper nesting is refused; PVE's answers nest three or four levels. */
  static final int MAX_DEPTH = 512;

  private static final byte EMPTY_DOCUMENT = 0;
  private static final byte NONEMPTY_DOCUMENT = 1;
  private static final byte EMPTY_ARRAY = 2;
  private static final byte NONEMPTY_ARRAY = 3;
  private static final byte EMPTY_OBJECT = 4;
  private static final byte NONEMPTY_OBJECT = 5;
  /** In an object, after a name and its colon: a value must come. */
  private static final byte DANGLING_NAME = 6;

  private static final int END_OF_INPUT = -1;
  /** Up to 18 decimal digits always fit a long; more take the slow, exact path. */
  private static final int MAX_FAST_DIGITS = 18;
  /** Powers of ten that a double holds exactly: the bound of the exact fast path for decimals. */
  private static final double[] EXACT_POWERS_OF_TEN = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22
  };
  private static final long MAX_EXACT_MANTISSA = 1L << 53;
  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
  private static final byte[] NULL = {'n', 'u', 'l', 'l'};

  private final byte[] in;
  /** The document is {@code in[0, limit)}; the bytes after it, if any, are not read. */
  private final int limit;
  private int pos;
  /** The scope being read: a field of its own, not the top of the stack, for the hot paths. */
  private byte scope = EMPTY_DOCUMENT;
  /** The enclosing scopes, outermost first: {@code scopes[d]} for each depth below this one. */
  private final byte[] scopes = new byte[MAX_DEPTH];
  private int depth;
  private final JsonScanStrings strings = new JsonScanStrings();

  // The number scanNumber() read last; fields rather than an object so the hot path allocates
  // nothing.
  private int numberStart;
  private long mantissa;
  private int exponent10;
  private boolean negative;
  private boolean integral;
  private boolean fast;

  JsonScanner(byte[] utf8) {
    this(utf8, utf8.length);
  }

  /** A scanner of the document in the first {@code length} bytes of {@code buffer}. */
  JsonScanner(byte[] buffer, int length) {
    if (length < 0 || length > buffer.length) {
      throw new IndexOutOfBoundsException("length " + length + " of a " + buffer.length + "-byte buffer");
    }
    this.in = buffer;
    this.limit = length;
  }

  // ---- structure ----

  void beginObject() throws JsonScanException {
    int b = beforeValue();
    if (b != '{') {
      throw unexpected(b, "'{'");
    }
    open(EMPTY_OBJECT);
  }

  void endObject() throws JsonScanException {
    byte scope = this.scope;
    if (scope != EMPTY_OBJECT && scope != NONEMPTY_OBJECT) {
      throw new IllegalStateException("endObject() outside an object, or after a name");
    }
    if (pos < limit && in[pos] == '}') {
      pos++;
      this.scope = scopes[--depth];
      return;
    }
    close('}', "',' or '}'");
  }

  void beginArray() throws JsonScanException {
    int b = beforeValue();
    if (b != '[') {
      throw unexpected(b, "'['");
    }
    open(EMPTY_ARRAY);
  }

  void endArray() throws JsonScanException {
    byte scope = this.scope;
    if (scope != EMPTY_ARRAY && scope != NONEMPTY_ARRAY) {
      throw new IllegalStateException("endArray() outside an array");
    }
    close(']', "',' or ']'");
  }

  /** Whether the current array or object has another element; does not consume it. */
  boolean hasNext() throws JsonScanException {
    // Compact JSON's common case first: a comma right after an element means another one.
    if (pos < limit && in[pos] == ',') {
      byte scope = this.scope;
      if (scope == NONEMPTY_OBJECT || scope == NONEMPTY_ARRAY) {
        return true;
      }
    }
    int b = skipWhitespace();
    return switch (this.scope) {
      case EMPTY_ARRAY, NONEMPTY_ARRAY -> b != ']' && !atEnd(b, "a value or ']'");
      case EMPTY_OBJECT, NONEMPTY_OBJECT -> b != '}' && !atEnd(b, "a name or '}'");
      default -> throw new IllegalStateException("hasNext() outside an array or object");
    };
  }

  /** Checks that nothing but whitespace follows the top value. */
  void endDocument() throws JsonScanException {
    if (depth != 0 || scope != NONEMPTY_DOCUMENT) {
      throw new IllegalStateException("endDocument() before the top value was read");
    }
    int b = skipWhitespace();
    if (b != END_OF_INPUT) {
      throw unexpected(b, "the end of input after the top value");
    }
  }

  /** What comes next, without consuming it; {@code END} at the end of an array or object. */
  Kind peek() throws JsonScanException {
    int b = skipWhitespace();
    int at = pos;
    switch (this.scope) {
      case EMPTY_OBJECT, NONEMPTY_OBJECT -> {
        if (b == '}') {
          return Kind.END;
        }
        atEnd(b, "a name or '}'");
        return Kind.NAME;
      }
      case EMPTY_ARRAY -> {
        if (b == ']') {
          return Kind.END;
        }
      }
      case NONEMPTY_ARRAY -> {
        if (b == ']') {
          return Kind.END;
        }
        if (b != ',') {
          throw unexpected(b, "',' or ']'");
        }
        at = skipWhitespaceFrom(at + 1);
        b = at < limit ? in[at] & 0xFF : END_OF_INPUT;
      }
      case NONEMPTY_DOCUMENT -> {
        return Kind.END;
      }
      default -> { } // after a name, or at the start: a value comes
    }
    return kindOf(b, at);
  }

  private Kind kindOf(int b, int at) throws JsonScanException {
    switch (b) {
      case '{':
        return Kind.OBJECT;
      case '[':
        return Kind.ARRAY;
      case '"':
        return Kind.STRING;
      case 't':
      case 'f':
        return Kind.BOOLEAN;
      case 'n':
        return Kind.NULL;
      default:
        if (b == '-' || isDigit(b)) {
          return Kind.NUMBER;
        }
        throw new JsonScanException("expected a value, found " + describe(b), at);
    }
  }

  // ---- names ----

  /**
   * Reads a member name and its colon; returns its index in {@code names}, or -1 when the caller
   * does not want it (then it must read or skip the value).
   */
  int nextName(JsonScanNames names) throws JsonScanException {
    int fast = compactNameStart();
    if (fast >= 0) {
      int index = plainName(names, fast);
      if (index != NOT_PLAIN) {
        if (pos < limit && in[pos] == ':') {
          pos++;
          this.scope = DANGLING_NAME;
        } else {
          afterName();
        }
        return index;
      }
    }
    int start = beforeName();
    int index = start <= limit - Long.BYTES ? plainName(names, start) : NOT_PLAIN;
    if (index == NOT_PLAIN) {
      index = names.indexOf(readStringBody(start));
    }
    afterName();
    return index;
  }

  /** What {@link #nextMember} returns at the end of an object, which it has then closed. */
  static final int END_OF_OBJECT = -2;

  /**
   * The next member of the current object, for a loop over a list of objects of one shape:
   * reads the separator before it ({@code ,} unless it is the first), its name and its colon,
   * and returns the name's index in {@code order}'s names, or -1 when the caller does not want
   * it (then it must read or skip the value); or, at the object's end, consumes the closing
   * brace and returns {@link #END_OF_OBJECT}. One call per member instead of {@link #hasNext()},
   * {@link #nextName(JsonScanNames)} and {@link #endObject()}.
   *
   * <p>It first compares the bytes at hand, separator to colon, with those that came in the
   * same place of the last object {@code order} saw: in compact JSON of one shape, one compare
   * of two words settles the member. Anything else (another name, whitespace, an escape, the
   * end) takes the general path, which checks the syntax as {@code hasNext}/{@code nextName}
   * do and teaches {@code order} what it found.
   */
  int nextMember(JsonScanOrder order) throws JsonScanException {
    byte scope = this.scope;
    boolean first = scope == EMPTY_OBJECT;
    int member = order.advance(first);
    int p = pos;
    if ((first || scope == NONEMPTY_OBJECT) && p <= limit - JsonScanOrder.MAX_PATTERN) {
      int match = order.match(member, load(in, p), load(in, p + Long.BYTES));
      if (match != 0) {
        pos = p + JsonScanOrder.length(match);
        this.scope = DANGLING_NAME;
        return JsonScanOrder.index(match);
      }
      if (in[p] == '}') {
        pos = p + 1;
        this.scope = scopes[--depth];
        return END_OF_OBJECT;
      }
    }
    return nextMemberInGeneral(order, member);
  }

  private int nextMemberInGeneral(JsonScanOrder order, int member) throws JsonScanException {
    byte scope = this.scope;
    if (scope != EMPTY_OBJECT && scope != NONEMPTY_OBJECT) {
      throw new IllegalStateException("nextMember() outside an object, or after a name");
    }
    int from = pos;
    int b = skipWhitespace();
    if (b == '}') {
      pos++;
      this.scope = scopes[--depth];
      return END_OF_OBJECT;
    }
    int index = nextName(order.names);
    order.learn(member, in, from, pos, index);
    return index;
  }

  private static final int NOT_PLAIN = -2;

  /**
   * Where a name's content starts when compact JSON has {@code ,"} (or, first in an object,
   * {@code "}) right at {@code pos}, with room for a word load; -1 for everything else, which
   * {@link #beforeName} handles.
   */
  private int compactNameStart() {
    int p = pos;
    byte scope = this.scope;
    if (scope == NONEMPTY_OBJECT && p < limit && in[p] == ',') {
      p++;
    } else if (scope != EMPTY_OBJECT) {
      return -1;
    }
    return p < limit - Long.BYTES && in[p] == '"' ? p + 1 : -1;
  }

  /**
   * Matches a name of printable ASCII by the word loaded at its start, and moves past it; or
   * returns NOT_PLAIN for the rest (escapes, non-ASCII), which need decoding.
   */
  private int plainName(JsonScanNames names, int start) throws JsonScanException {
    long word = load(in, start);
    long special = specialBytes(word);
    if (special == 0) {
      int end = plainStringEnd(start + Long.BYTES);
      if (end < 0) {
        return NOT_PLAIN;
      }
      pos = end + 1;
      return names.indexOfLong(word, in, start, end - start);
    }
    int length = Long.numberOfTrailingZeros(special) >>> 3;
    if (in[start + length] != '"') {
      return NOT_PLAIN;
    }
    pos = start + length + 1;
    return length == 0 ? names.indexOf("") : names.indexOfWord(word & lowBytes(length));
  }

  /** Reads a member name and its colon, decoded: for generic readers, not hot paths. */
  String nextName() throws JsonScanException {
    int start = beforeName();
    String name = readStringBody(start);
    afterName();
    return name;
  }

  private int beforeName() throws JsonScanException {
    byte scope = this.scope;
    int b = skipWhitespace();
    if (scope == NONEMPTY_OBJECT) {
      if (b != ',') {
        throw unexpected(b, "',' or '}'");
      }
      pos++;
      b = skipWhitespace();
    } else if (scope != EMPTY_OBJECT) {
      throw new IllegalStateException("a name is read only in an object, before its value");
    }
    if (b != '"') {
      throw unexpected(b, "a member name in quotes");
    }
    return ++pos;
  }

  private void afterName() throws JsonScanException {
    int b = skipWhitespace();
    if (b != ':') {
      throw unexpected(b, "':' after a member name");
    }
    pos++;
    this.scope = DANGLING_NAME;
  }

  // ---- values ----

  /**
   * The next value as a string, whatever its JSON type, as {@link Json#nextString} gives it:
   * a number's literal text, {@code "1"}/{@code "0"} for booleans; null for null, and for an
   * object or array (which is skipped).
   */
  String nextStringOrNull() throws JsonScanException {
    int b = beforeValue();
    if (b == '"') {
      return readStringBody(++pos);
    }
    return nextStringOrNullAt(b);
  }

  /**
   * {@link #nextStringOrNull()} for a member whose values repeat from entry to entry (a type, a
   * node, a status, tags): a plain ASCII string of up to {@link JsonScanStrings#MAX_REPEATED}
   * bytes that this scan has built before is returned again, not built anew. For values that
   * are unique per entry (ids, names), {@link #nextStringOrNull()} does not look them up.
   */
  String nextRepeatedStringOrNull() throws JsonScanException {
    int b = beforeValue();
    if (b != '"') {
      return nextStringOrNullAt(b);
    }
    int from = ++pos;
    long word = shortPlainString(from);
    if (word != NOT_SHORT) {
      int length = length(word);
      pos = from + length + 1;
      return strings.ascii(word, in, from, length);
    }
    int end = plainStringEnd(from);
    if (end < 0) {
      return decodeString(from, -end - 1);
    }
    pos = end + 1;
    int length = end - from;
    // Shorter ones come here only at the very end of the input, where a word does not fit.
    return length >= Long.BYTES && length <= JsonScanStrings.MAX_REPEATED
        ? strings.repeated(in, from, length)
        : ascii(from, end);
  }

  /** {@link #nextStringOrNull()} for a value that is not a string, which starts with {@code b}. */
  private String nextStringOrNullAt(int b) throws JsonScanException {
    if (b == '-' || isDigit(b)) {
      scanNumber();
      return ascii(numberStart, pos);
    }
    return switch (b) {
      case 't' -> literal(TRUE, "1");
      case 'f' -> literal(FALSE, "0");
      case 'n' -> literal(NULL, null);
      default -> skipContainerAt(b, null);
    };
  }

  /**
   * The next value as a long: an integer, a number's integral part, a numeric string, 1/0 for
   * booleans; {@code fallback} for null, an empty or non-numeric string, an object or array.
   */
  long nextLong(long fallback) throws JsonScanException {
    int b = beforeValue();
    if (b == '-' || isDigit(b)) {
      long value = plainIntegerLiteral();
      if (value != NOT_PLAIN_INTEGER) {
        return value;
      }
      scanNumber();
      return numberAsLong();
    }
    if (b == '"') {
      return stringAsLong(++pos, fallback);
    }
    return nonNumber(b, fallback);
  }

  /** The next value as a double, accepting what {@link #nextLong} accepts. */
  double nextDouble(double fallback) throws JsonScanException {
    int b = beforeValue();
    if (b == '-' || isDigit(b)) {
      double value = plainDecimalLiteral();
      if (!Double.isNaN(value)) {
        return value;
      }
      scanNumber();
      return numberAsDouble();
    }
    if (b == '"') {
      return stringAsDouble(++pos, fallback);
    }
    return switch (b) {
      case 't' -> literal(TRUE, 1.0);
      case 'f' -> literal(FALSE, 0.0);
      case 'n' -> literal(NULL, fallback);
      default -> skipContainerAt(b, fallback);
    };
  }

  /** True for {@code true}, {@code 1}, {@code "1"} and {@code "true"} in any case, as PVE means it. */
  boolean nextBooleanish() throws JsonScanException {
    int b = beforeValue();
    if (b == '-' || isDigit(b)) {
      long value = plainIntegerLiteral();
      if (value != NOT_PLAIN_INTEGER) {
        return value == 1; // only the text "1" is 1: no leading zeros in JSON
      }
      scanNumber();
      return false; // "1.0", "1e0": PVE's booleans are never written so
    }
    if (b == 't') {
      return literal(TRUE, true);
    }
    if (b == 'f') {
      return literal(FALSE, false);
    }
    String text = b == '"' ? readStringBody(++pos) : nullOrSkippedContainer(b);
    return text != null && (text.equals("1") || text.equalsIgnoreCase("true"));
  }

  /** Skips the next value, however deeply nested. */
  void skipValue() throws JsonScanException {
    int b = beforeValue();
    if (b == '{' || b == '[') {
      skipContainerAt(b, null);
    } else {
      skipScalarAt(b);
    }
  }

  private String nullOrSkippedContainer(int b) throws JsonScanException {
    return switch (b) {
      case 'n' -> literal(NULL, null);
      default -> skipContainerAt(b, null);
    };
  }

  private long nonNumber(int b, long fallback) throws JsonScanException {
    return switch (b) {
      case 't' -> literal(TRUE, 1L);
      case 'f' -> literal(FALSE, 0L);
      case 'n' -> literal(NULL, fallback);
      default -> skipContainerAt(b, fallback);
    };
  }

  // ---- one array read by two threads (JsonScanArrays) ----

  /** The offset of the next byte to read. */
  int position() {
    return pos;
  }

  /** The bytes of the document not read yet. */
  int remaining() {
    return limit - pos;
  }

  /**
   * The offset of the first comma at or after {@code from} that compact JSON writes between two
   * objects ({@code },{}), or -1. A guess where the current array's elements could be split: the
   * bytes may as well lie inside a string or a nested array, which only a scan of the array from
   * its start can tell.
   */
  int guessObjectBoundary(int from) {
    for (int i = Math.max(from, pos + 1); i < limit - 1; i++) {
      if (in[i] == ',' && in[i - 1] == '}' && in[i + 1] == '{') {
        return i;
      }
    }
    return -1;
  }

  /**
   * A scanner of the same bytes that reads the current array on from the comma at {@code comma},
   * as if everything before it were read: its elements, its end and whatever follows. It is right
   * only if this scanner, reading on, stops at {@code comma} after an element; then {@link
   * #resumeFrom} takes its place over.
   */
  JsonScanner continuationAt(int comma) {
    if (scope != EMPTY_ARRAY && scope != NONEMPTY_ARRAY) {
      throw new IllegalStateException("continuationAt() outside an array");
    }
    if (comma <= pos || comma >= limit || in[comma] != ',') {
      throw new IllegalArgumentException("no comma at " + comma + " after " + pos);
    }
    JsonScanner next = new JsonScanner(in, limit);
    next.pos = comma;
    next.scope = NONEMPTY_ARRAY;
    next.depth = depth;
    System.arraycopy(scopes, 0, next.scopes, 0, depth);
    return next;
  }

  /** Takes over where {@code continuation}, made at this scanner's position, has read to. */
  void resumeFrom(JsonScanner continuation) {
    if (continuation.in != in || continuation.depth != depth || scope != NONEMPTY_ARRAY) {
      throw new IllegalStateException("resumeFrom() with a continuation of another array");
    }
    pos = continuation.pos;
    scope = continuation.scope;
  }

  // ---- the separators and nesting around values ----

  /**
   * Consumes what must precede a value in the current scope (a comma between array elements)
   * and returns the value's first byte, not consumed.
   */
  private int beforeValue() throws JsonScanException {
    // Compact JSON's common cases first: a value right after a name's colon, or after a comma.
    int p = pos;
    if (p < limit - 1) {
      byte scope = this.scope;
      int b = in[p] & 0xFF;
      if (scope == DANGLING_NAME && b > ' ') {
        this.scope = NONEMPTY_OBJECT;
        return b;
      }
      int after = in[p + 1] & 0xFF;
      if (scope == NONEMPTY_ARRAY && b == ',' && after > ' ') {
        pos = p + 1;
        return after;
      }
    }
    return beforeValueInGeneral();
  }

  private int beforeValueInGeneral() throws JsonScanException {
    int b = skipWhitespace();
    switch (this.scope) {
      case DANGLING_NAME -> this.scope = NONEMPTY_OBJECT;
      case NONEMPTY_ARRAY -> {
        if (b != ',') {
          throw unexpected(b, "',' or ']'");
        }
        pos++;
        b = skipWhitespace();
      }
      case EMPTY_ARRAY -> this.scope = NONEMPTY_ARRAY;
      case EMPTY_DOCUMENT -> this.scope = NONEMPTY_DOCUMENT;
      case NONEMPTY_DOCUMENT -> throw new IllegalStateException("the document has one top value");
      default -> throw new IllegalStateException("in an object, a name comes before each value");
    }
    if (b == END_OF_INPUT) {
      throw unexpected(b, "a value");
    }
    return b;
  }

  private void open(byte scope) throws JsonScanException {
    if (depth == MAX_DEPTH) {
      throw new JsonScanException("nesting deeper than " + MAX_DEPTH + " levels", pos);
    }
    pos++;
    scopes[depth++] = this.scope;
    this.scope = scope;
  }

  private void close(char closing, String expected) throws JsonScanException {
    int b = skipWhitespace();
    if (b != closing) {
      throw unexpected(b, expected);
    }
    pos++;
    this.scope = scopes[--depth];
  }

  /**
   * Skips the object or array starting at {@code b} without recursion (so hostile nesting
   * cannot overflow the stack) and returns {@code result}; for any other byte, throws.
   */
  private <T> T skipContainerAt(int b, T result) throws JsonScanException {
    if (b != '{' && b != '[') {
      throw unexpected(b, "a value");
    }
    int floor = depth;
    open(b == '{' ? EMPTY_OBJECT : EMPTY_ARRAY);
    while (depth > floor) {
      boolean inObject = this.scope == EMPTY_OBJECT || this.scope == NONEMPTY_OBJECT;
      if (!hasNext()) {
        close(inObject ? '}' : ']', inObject ? "',' or '}'" : "',' or ']'");
        continue;
      }
      if (inObject) {
        skipName();
      }
      int v = beforeValue();
      if (v == '{' || v == '[') {
        open(v == '{' ? EMPTY_OBJECT : EMPTY_ARRAY);
      } else {
        skipScalarAt(v);
      }
    }
    return result;
  }

  private void skipName() throws JsonScanException {
    int start = beforeName();
    skipStringBody(start);
    afterName();
  }

  private void skipScalarAt(int b) throws JsonScanException {
    switch (b) {
      case '"' -> skipStringBody(++pos);
      case 't' -> literal(TRUE, null);
      case 'f' -> literal(FALSE, null);
      case 'n' -> literal(NULL, null);
      default -> {
        if (b != '-' && !isDigit(b)) {
          throw unexpected(b, "a value");
        }
        if (!skipShortInteger() && plainIntegerLiteral() == NOT_PLAIN_INTEGER) {
          scanNumber();
        }
      }
    }
  }

  /**
   * Moves past the number at {@code pos} when it is a non-negative integer of 1 to 7 digits
   * (PVE's counters of stopped guests, flags, CPU counts), without computing its value: one
   * word load. False, without moving, for anything else, which the caller validates in full.
   */
  private boolean skipShortInteger() {
    int start = pos;
    if (start > limit - Long.BYTES - 1) {
      return false;
    }
    int count = leadingDigits(load(in, start));
    if (count == 0 || count == Long.BYTES || count > 1 && in[start] == '0') {
      return false;
    }
    byte after = in[start + count];
    if (after == '.' || after == 'e' || after == 'E') {
      return false;
    }
    pos = start + count;
    return true;
  }

  private <T> T literal(byte[] word, T result) throws JsonScanException {
    for (int k = 0; k < word.length; k++) {
      int i = pos + k;
      if (i >= limit || in[i] != word[k]) {
        throw new JsonScanException("expected '" + new String(word, StandardCharsets.US_ASCII)
            + "', found " + describe(i < limit ? in[i] & 0xFF : END_OF_INPUT), i);
      }
    }
    pos += word.length;
    return result;
  }

  // ---- strings ----

  /**
   * From just after an opening quote: the index of the closing quote if every byte before it is
   * printable ASCII, the common case PVE sends; otherwise {@code -1 - i} for the first byte
   * {@code i} that needs more care (an escape, a control character, a non-ASCII byte).
   */
  private int plainStringEnd(int from) throws JsonScanException {
    byte[] in = this.in;
    int i = from;
    for (; i <= limit - Long.BYTES; i += Long.BYTES) {
      long special = specialBytes(load(in, i));
      if (special != 0) {
        i += Long.numberOfTrailingZeros(special) >>> 3;
        return in[i] == '"' ? i : -1 - i;
      }
    }
    for (; i < limit; i++) {
      byte b = in[i];
      if (b == '"') {
        return i;
      }
      if (b < 0x20 || b == '\\') {
        return -1 - i;
      }
    }
    throw new JsonScanException("unterminated string starting", from - 1);
  }

  /** Reads a string's content from just after its opening quote, through the closing quote. */
  private String readStringBody(int from) throws JsonScanException {
    long word = shortPlainString(from);
    if (word != NOT_SHORT) {
      int length = length(word);
      pos = from + length + 1;
      return strings.ascii(word, in, from, length);
    }
    int end = plainStringEnd(from);
    if (end >= 0) {
      pos = end + 1;
      return ascii(from, end);
    }
    return decodeString(from, -end - 1);
  }

  /** The slow paths of {@link #readStringBody}: UTF-8, then escapes. */
  private String decodeString(int from, int firstSpecial) throws JsonScanException {
    for (int i = firstSpecial; i < limit; i++) {
      byte b = in[i];
      if (b == '"') {
        pos = i + 1;
        return new String(in, from, i - from, StandardCharsets.UTF_8);
      }
      if (b == '\\' || (b >= 0 && b < 0x20)) {
        return unescape(from, i);
      }
    }
    throw new JsonScanException("unterminated string starting", from - 1);
  }

  /** Decodes a string with escapes; bytes before {@code firstEscape} are already known plain. */
  private String unescape(int from, int firstEscape) throws JsonScanException {
    StringBuilder out = new StringBuilder(firstEscape - from + 16);
    int run = from;
    int i = firstEscape;
    while (i < limit) {
      byte b = in[i];
      if (b == '"') {
        appendUtf8(out, run, i);
        pos = i + 1;
        return out.toString();
      }
      if (b == '\\') {
        appendUtf8(out, run, i);
        i = appendEscape(out, i + 1);
        run = i;
      } else if (b >= 0 && b < 0x20) {
        throw new JsonScanException("control character " + describe(b) + " in a string", i);
      } else {
        i++;
      }
    }
    throw new JsonScanException("unterminated string starting", from - 1);
  }

  private void appendUtf8(StringBuilder out, int from, int to) {
    if (to > from) {
      out.append(new String(in, from, to - from, StandardCharsets.UTF_8));
    }
  }

  /** Appends the escape whose letter is at {@code i}; returns the index after it. */
  private int appendEscape(StringBuilder out, int i) throws JsonScanException {
    if (i >= limit) {
      throw new JsonScanException("unterminated escape", i - 1);
    }
    switch (in[i]) {
      case '"' -> out.append('"');
      case '\\' -> out.append('\\');
      case '/' -> out.append('/');
      case 'b' -> out.append('\b');
      case 'f' -> out.append('\f');
      case 'n' -> out.append('\n');
      case 'r' -> out.append('\r');
      case 't' -> out.append('\t');
      case 'u' -> {
        // A surrogate pair is two escapes; appending each half rebuilds it, and a lone half
        // stays as it came, as other JSON readers (Moshi) keep it.
        out.append((char) hex4(i + 1));
        return i + 5;
      }
      default -> throw badEscape(i);
    }
    return i + 1;
  }

  private int hex4(int from) throws JsonScanException {
    int value = 0;
    for (int i = from; i < from + 4; i++) {
      int digit = i < limit ? Character.digit(in[i], 16) : -1;
      if (digit < 0) {
        throw new JsonScanException("expected four hex digits after \\u, found "
            + describe(i < limit ? in[i] & 0xFF : END_OF_INPUT), i);
      }
      value = value << 4 | digit;
    }
    return value;
  }

  /** Validates a string without building it. */
  private void skipStringBody(int from) throws JsonScanException {
    int i = from;
    while (i < limit) {
      if (i <= limit - Long.BYTES) {
        long special = specialBytes(load(in, i));
        if (special == 0) {
          i += Long.BYTES;
          continue;
        }
        i += Long.numberOfTrailingZeros(special) >>> 3;
      }
      byte b = in[i];
      if (b == '"') {
        pos = i + 1;
        return;
      }
      if (b == '\\') {
        i = skipEscape(i + 1);
      } else if (b >= 0 && b < 0x20) {
        throw new JsonScanException("control character " + describe(b) + " in a string", i);
      } else {
        i++;
      }
    }
    throw new JsonScanException("unterminated string starting", from - 1);
  }

  private int skipEscape(int i) throws JsonScanException {
    if (i >= limit) {
      throw new JsonScanException("unterminated escape", i - 1);
    }
    switch (in[i]) {
      case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
        return i + 1;
      }
      case 'u' -> {
        hex4(i + 1);
        return i + 5;
      }
      default -> throw badEscape(i);
    }
  }

  private JsonScanException badEscape(int i) {
    return new JsonScanException(
        "expected an escape (one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX), found \\"
            + describe(in[i] & 0xFF), i - 1);
  }

  /** What {@link #shortPlainString} returns for a string that is not short and plain. */
  private static final long NOT_SHORT = -1;

  /**
   * For a string from just after its opening quote: when its content is at most 7 printable
   * ASCII bytes, those bytes little-endian (none is 0, so the word also tells the length);
   * otherwise {@link #NOT_SHORT}. One load and a few word operations instead of a byte loop.
   */
  private long shortPlainString(int from) {
    if (from > limit - Long.BYTES) {
      return NOT_SHORT;
    }
    long word = load(in, from);
    long special = specialBytes(word);
    if (special == 0) {
      return NOT_SHORT;
    }
    int length = Long.numberOfTrailingZeros(special) >>> 3;
    if (in[from + length] != '"') {
      return NOT_SHORT;
    }
    return word & lowBytes(length);
  }

  /** The number of bytes in a word from {@link #shortPlainString}. */
  private static int length(long word) {
    return (71 - Long.numberOfLeadingZeros(word)) >>> 3;
  }

  // ---- numbers ----

  /** What {@link #plainIntegerLiteral} returns for other numbers; no 18-digit integer is it. */
  private static final long NOT_PLAIN_INTEGER = Long.MIN_VALUE;

  /**
   * The common case, read with nothing but locals: a number at {@code pos} that is an integer
   * of at most 18 digits, not {@code -0}, which it moves past and returns. For any other number,
   * or malformed input, returns NOT_PLAIN_INTEGER and leaves {@code pos} for {@link #scanNumber}.
   */
  private long plainIntegerLiteral() {
    int start = in[pos] == '-' ? pos + 1 : pos;
    // Two words hold up to 15 digits and the byte after them: every size, id and counter PVE
    // sends (a 1 PB disk has 16 digits). Longer ones, and the end of the input, go byte by byte.
    if (start > limit - 2 * Long.BYTES - 1) {
      return plainIntegerLiteralByBytes(start);
    }
    long first = load(in, start);
    int count = leadingDigits(first);
    long value;
    if (count < Long.BYTES) {
      if (count == 0) {
        return NOT_PLAIN_INTEGER;
      }
      value = digitsValue(first, count);
    } else {
      long second = load(in, start + Long.BYTES);
      int more = leadingDigits(second);
      if (more == Long.BYTES) {
        return plainIntegerLiteralByBytes(start);
      }
      value = digitsValue(first, Long.BYTES);
      if (more > 0) {
        value = value * POWERS_OF_TEN[more] + digitsValue(second, more);
      }
      count += more;
    }
    return plainInteger(start, start + count, value);
  }

  /** {@link #plainIntegerLiteral} a digit at a time, for where the word loads do not fit. */
  private long plainIntegerLiteralByBytes(int start) {
    byte[] in = this.in;
    int i = start;
    long value = 0;
    for (; i < limit && i - start <= MAX_FAST_DIGITS; i++) {
      int digit = in[i] - '0';
      if (digit < 0 || digit > 9) {
        break;
      }
      value = value * 10 + digit;
    }
    return i - start > MAX_FAST_DIGITS ? NOT_PLAIN_INTEGER : plainInteger(start, i, value);
  }

  /**
   * Accepts the digits {@code in[start, end)} after {@code pos} (and a minus sign, if there is
   * one between) as an integer literal whose {@code value} they are, and moves past them; or
   * returns NOT_PLAIN_INTEGER for what JSON forbids (no digits, a leading zero) or what is
   * not an integer ({@code -0}, a fraction or exponent following).
   */
  private long plainInteger(int start, int end, long value) {
    boolean minus = start > pos;
    if (end == start || end - start > 1 && in[start] == '0' || minus && value == 0
        || end < limit && (in[end] == '.' || in[end] == 'e' || in[end] == 'E')) {
      return NOT_PLAIN_INTEGER;
    }
    pos = end;
    return minus ? -value : value;
  }

  /**
   * The common case of a double, such as PVE's {@code "cpu":0.0123}: up to 7 digits, and
   * perhaps a fraction of up to 7 digits, without exponent; read with two word loads, moved past
   * and returned. NaN, which no literal is, for any other number, or malformed input.
   */
  private double plainDecimalLiteral() {
    int start = in[pos] == '-' ? pos + 1 : pos;
    if (start > limit - 2 * Long.BYTES - 1) {
      return Double.NaN;
    }
    long whole = load(in, start);
    int count = leadingDigits(whole);
    if (count == 0 || count == Long.BYTES || count > 1 && in[start] == '0') {
      return Double.NaN;
    }
    int end = start + count;
    long mantissa = digitsValue(whole, count);
    int fractionDigits = 0;
    if (in[end] == '.') {
      long fraction = load(in, end + 1);
      fractionDigits = leadingDigits(fraction);
      if (fractionDigits == 0 || fractionDigits == Long.BYTES) {
        return Double.NaN;
      }
      mantissa = mantissa * POWERS_OF_TEN[fractionDigits] + digitsValue(fraction, fractionDigits);
      end += 1 + fractionDigits;
    }
    if (in[end] == 'e' || in[end] == 'E') {
      return Double.NaN;
    }
    // At most 14 digits, so the mantissa is an exact double, and so is the power of ten: one
    // division rounds once, to the double Double.parseDouble gives.
    double value = fractionDigits == 0 ? mantissa : mantissa / EXACT_POWERS_OF_TEN[fractionDigits];
    boolean minus = start > pos;
    pos = end;
    return minus ? -value : value;
  }

  /**
   * Validates the JSON number at {@code pos} and moves past it, leaving its sign, up to 18
   * significant digits as {@code mantissa} and its power of ten in the fields; {@code fast} is
   * false when more digits make that inexact.
   */
  private void scanNumber() throws JsonScanException {
    byte[] in = this.in;
    numberStart = pos;
    int i = pos;
    negative = in[i] == '-';
    if (negative) {
      i++;
    }
    long digits = 0;
    int count = 0;
    if (i < limit && in[i] == '0') {
      i++;
      count = 1;
    } else {
      int start = i;
      for (; i < limit && isDigit(in[i]); i++) {
        digits = digits * 10 + (in[i] - '0');
      }
      count = i - start;
      if (count == 0) {
        throw expectedDigit(i);
      }
    }
    int fractionDigits = 0;
    if (i < limit && in[i] == '.') {
      int start = ++i;
      for (; i < limit && isDigit(in[i]); i++) {
        digits = digits * 10 + (in[i] - '0');
      }
      fractionDigits = i - start;
      if (fractionDigits == 0) {
        throw expectedDigit(i);
      }
    }
    exponent10 = 0;
    boolean hasExponent = i < limit && (in[i] == 'e' || in[i] == 'E');
    if (hasExponent) {
      i = scanExponent(i + 1);
    }
    pos = i;
    mantissa = digits;
    exponent10 -= fractionDigits;
    integral = fractionDigits == 0 && !hasExponent;
    // The digits above may have overflowed; then only the text is exact.
    fast = count + fractionDigits <= MAX_FAST_DIGITS;
  }

  /** Reads an exponent's sign and digits from {@code i} into {@code exponent10}, capped. */
  private int scanExponent(int i) throws JsonScanException {
    boolean minus = false;
    if (i < limit && (in[i] == '+' || in[i] == '-')) {
      minus = in[i] == '-';
      i++;
    }
    int start = i;
    int value = 0;
    for (; i < limit && isDigit(in[i]); i++) {
      // Capped: anything this large is out of a double's range and takes the text path anyway.
      value = Math.min(value * 10 + (in[i] - '0'), 100_000);
    }
    if (i == start) {
      throw expectedDigit(i);
    }
    exponent10 = minus ? -value : value;
    return i;
  }

  private JsonScanException expectedDigit(int at) {
    return new JsonScanException("expected a digit in a number, found "
        + describe(at < limit ? in[at] & 0xFF : END_OF_INPUT), at);
  }

  private long numberAsLong() {
    if (!integral) {
      return (long) numberAsDouble();
    }
    if (fast) {
      return negative ? -mantissa : mantissa;
    }
    return textAsLong(ascii(numberStart, pos), 0);
  }

  private double numberAsDouble() {
    if (fast) {
      double value;
      if (exponent10 == 0) {
        value = mantissa;
      } else if (mantissa <= MAX_EXACT_MANTISSA && exponent10 >= -22 && exponent10 <= 22) {
        // Both operands are exact doubles, so IEEE's one rounding gives the correctly rounded
        // result, the same double Double.parseDouble returns.
        value = exponent10 < 0
            ? mantissa / EXACT_POWERS_OF_TEN[-exponent10]
            : mantissa * EXACT_POWERS_OF_TEN[exponent10];
      } else {
        return Double.parseDouble(ascii(numberStart, pos));
      }
      return negative ? -value : value;
    }
    return Double.parseDouble(ascii(numberStart, pos));
  }

  private long stringAsLong(int from, long fallback) throws JsonScanException {
    int end = plainStringEnd(from);
    if (end < 0) {
      return textAsLong(decodeString(from, -end - 1), fallback);
    }
    pos = end + 1;
    long value = plainInteger(from, end);
    return value != Long.MIN_VALUE ? value : textAsLong(ascii(from, end), fallback);
  }

  private double stringAsDouble(int from, double fallback) throws JsonScanException {
    int end = plainStringEnd(from);
    if (end < 0) {
      return textAsDouble(decodeString(from, -end - 1), fallback);
    }
    pos = end + 1;
    long value = plainInteger(from, end);
    return value != Long.MIN_VALUE ? value : textAsDouble(ascii(from, end), fallback);
  }

  /** {@code -?[0-9]{1,18}} exactly filling the range, or Long.MIN_VALUE (which it cannot be). */
  private long plainInteger(int from, int to) {
    boolean minus = from < to && in[from] == '-';
    int start = minus ? from + 1 : from;
    if (start == to || to - start > MAX_FAST_DIGITS) {
      return Long.MIN_VALUE;
    }
    long value = 0;
    for (int i = start; i < to; i++) {
      if (!isDigit(in[i])) {
        return Long.MIN_VALUE;
      }
      value = value * 10 + (in[i] - '0');
    }
    return minus ? -value : value;
  }

  /** What {@link Json#nextLong} makes of a text: the slow path, for what is not plain. */
  private static long textAsLong(String text, long fallback) {
    if (text.isEmpty()) {
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

  private static double textAsDouble(String text, double fallback) {
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException notANumber) {
      return fallback;
    }
  }

  // ---- bytes ----

  /** Moves past whitespace; returns the byte there (0–255), not consumed, or END_OF_INPUT. */
  private int skipWhitespace() {
    pos = skipWhitespaceFrom(pos);
    return pos < limit ? in[pos] & 0xFF : END_OF_INPUT;
  }

  private int skipWhitespaceFrom(int i) {
    byte[] in = this.in;
    // PVE sends compact JSON: one compare settles the common case of no whitespace.
    while (i < limit && in[i] <= ' ' && isWhitespace(in[i])) {
      i++;
    }
    return i;
  }

  private static boolean isWhitespace(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }

  private boolean atEnd(int b, String expected) throws JsonScanException {
    if (b == END_OF_INPUT) {
      throw unexpected(b, expected);
    }
    return false;
  }

  private String ascii(int from, int to) {
    return JsonScanStrings.latin1(in, from, to - from);
  }

  private static boolean isDigit(int b) {
    return b >= '0' && b <= '9';
  }

  private JsonScanException unexpected(int b, String expected) {
    return new JsonScanException("expected " + expected + ", found " + describe(b), pos);
  }

  private static String describe(int b) {
    if (b == END_OF_INPUT) {
      return "the end of input";
    }
    if (b >= 0x20 && b < 0x7F) {
      return "'" + (char) b + "'";
    }
    return String.format("byte 0x%02X", b & 0xFF);
  }
}
