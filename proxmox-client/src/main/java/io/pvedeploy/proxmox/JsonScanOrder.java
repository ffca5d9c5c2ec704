package io.pvedeploy.proxmox;

/**
 * The member names of the last object read, in their order, so that in the next object of the
 * same shape each name costs one compare of its bytes instead of a lookup in
 * {@link JsonScanNames}: for {@link JsonScanner#nextMember(JsonScanOrder)}.
 *
 * <p>The entries of a long list come from one piece of server code, so their members come in
 * the same order from one entry to the next (PVE's {@code /cluster/resources}: 19 members per
 * guest, four of which this client skips, and the sandbox's copy of it). Nothing depends on
 * that: every guess is checked against the bytes, from the comma before the name (or, first in
 * an object, its opening quote) through the colon after it, so a name that differs, or comes
 * elsewhere, or is written with an escape or whitespace, is looked up as before and then
 * remembered in its place. Unknown names are remembered too, as -1, so
 * skipping them is as cheap as matching known ones.
 *
 * <p>It learns as it reads, so it is not thread-safe: make one per list read, for the objects of
 * that list (not for objects nested in them, which would overwrite its guesses).
 */
final class JsonScanOrder {
  /** Members after this many are looked up every time. */
  static final int MAX_MEMBERS = 64;
  /**
   * The longest {@code ,"name":} remembered: two words, so names of up to 12 bytes (13 for the
   * first, which has no comma).
   */
  static final int MAX_PATTERN = 2 * Long.BYTES;

  final JsonScanNames names;
  /**
   * Per member, five longs: the bytes {@code ,"name":} ({@code "name":} for the first) as they
   * came last time, in two words with a mask each, then {@link #match}'s answer for them: the
   * name's index in {@link #names} shifted up a byte, with the length in the low byte; or 0
   * before anything was remembered. One array, so a guess costs one bounds check.
   */
  private final long[] patterns = new long[STRIDE * MAX_MEMBERS];
  private static final int STRIDE = 5;
  /** The place in its object of the name read last. */
  private int member;

  JsonScanOrder(JsonScanNames names) {
    this.names = names;
  }

  /** The place of the name about to be read: the first of an object or the one after the last. */
  int advance(boolean firstInObject) {
    member = firstInObject ? 0 : member + 1;
    return member;
  }

  /**
   * When the 16 bytes at hand (the two words) start with the remembered {@code ,"name":} of
   * {@code member}: its name's index shifted up by 8, or'ed with its length (so never 0); 0 when
   * they do not, or nothing is remembered. {@link #index} and {@link #length} take it apart.
   */
  int match(int member, long first, long second) {
    if (member >= MAX_MEMBERS) {
      return 0;
    }
    int at = STRIDE * member;
    long difference =
        ((first ^ patterns[at]) & patterns[at + 1]) | ((second ^ patterns[at + 2]) & patterns[at + 3]);
    return difference == 0 ? (int) patterns[at + 4] : 0;
  }

  /** The name's index in a non-zero answer of {@link #match}. */
  static int index(int match) {
    return match >> 8;
  }

  /** The length of the {@code ,"name":} in a non-zero answer of {@link #match}. */
  static int length(int match) {
    return match & 0xFF;
  }

  /**
   * Remembers what {@code in[from, to)} held, when it is, compact, the separator, a plain name,
   * its quotes and the colon ({@code "name":} for member 0, {@code ,"name":} for the others),
   * read as the name of index {@code index}; anything else is not remembered, so it will be
   * looked up again. That member 0's bytes start with a quote and the others' with a comma
   * keeps a guess from matching where the syntax wants the other.
   */
  void learn(int member, byte[] in, int from, int to, int index) {
    int length = to - from;
    int nameFrom = member == 0 ? from + 1 : from + 2;
    if (member >= MAX_MEMBERS || length > MAX_PATTERN || to - nameFrom < 2
        || in[from] != (member == 0 ? '"' : ',') || in[nameFrom - 1] != '"'
        || in[to - 2] != '"' || in[to - 1] != ':') {
      return;
    }
    for (int i = nameFrom; i < to - 2; i++) {
      byte b = in[i];
      if (b == '"' || b == '\\' || (b >= 0 && b < 0x20)) {
        return; // escaped names are rare: looked up each time, never guessed
      }
    }
    long[] words = new long[2];
    for (int i = 0; i < length; i++) {
      words[i / Long.BYTES] |= (in[from + i] & 0xFFL) << (8 * (i % Long.BYTES));
    }
    int at = STRIDE * member;
    patterns[at] = words[0];
    patterns[at + 1] = mask(length);
    patterns[at + 2] = words[1];
    patterns[at + 3] = mask(length - Long.BYTES);
    patterns[at + 4] = index << 8 | length;
  }

  /** A mask of the lowest {@code length} bytes of a word, none for 0 or less, all for 8 or more. */
  private static long mask(int length) {
    if (length <= 0) {
      return 0;
    }
    return length >= Long.BYTES ? -1L : JsonScanWords.lowBytes(length);
  }
}
