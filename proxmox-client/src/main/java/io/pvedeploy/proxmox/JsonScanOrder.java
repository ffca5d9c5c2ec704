package io.pvedeploy.proxmox;

/**
 * The member names of the last object read, in their order, so that in the next object of the
 * same shape each name costs one compare of its bytes instead of a lookup in
 * {@link JsonScanNames}: for {@link JsonScanner#nextName(JsonScanOrder)}.
 *
 * <p>The entries of a long list come from one piece of server code, so their members come in
 * the same order from one entry to the next (PVE's {@code /cluster/resources}: 19 members per
 * guest, four of which this client skips, and the sandbox's copy of it). Nothing depends on
 * that: every guess is checked against the bytes, including the closing quote and the colon, so
 * a name that differs, or comes elsewhere, or is written with an escape or whitespace, is looked
 * up as before and then remembered in its place. Unknown names are remembered too, as -1, so
 * skipping them is as cheap as matching known ones.
 *
 * <p>It learns as it reads, so it is not thread-safe: make one per list read, for the objects of
 * that list (not for objects nested in them, which would overwrite its guesses).
 */
final class JsonScanOrder {
  /** Members after this many are looked up every time. */
  static final int MAX_MEMBERS = 64;
  /** The longest {@code name":} remembered: two words, so names of up to 14 bytes. */
  static final int MAX_PATTERN = 2 * Long.BYTES;

  final JsonScanNames names;
  /**
   * Per member: the bytes {@code name":} as it came last time, in two words with a mask each
   * (four longs a member, so one member's guess is one cache line at most).
   */
  private final long[] patterns = new long[4 * MAX_MEMBERS];
  /** Per member: the length of its {@code name":}, or 0 before one was remembered. */
  private final int[] lengths = new int[MAX_MEMBERS];
  private final int[] indexes = new int[MAX_MEMBERS];
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
   * How many bytes the remembered {@code name":} of {@code member} has when the 16 bytes after
   * an opening quote (the two words) start with it; 0 when they do not, or nothing is
   * remembered.
   */
  int match(int member, long first, long second) {
    if (member >= MAX_MEMBERS) {
      return 0;
    }
    int at = 4 * member;
    long difference =
        ((first ^ patterns[at]) & patterns[at + 1]) | ((second ^ patterns[at + 2]) & patterns[at + 3]);
    return difference == 0 ? lengths[member] : 0;
  }

  /** The index {@link JsonScanNames} gave the name remembered for {@code member}. */
  int index(int member) {
    return indexes[member];
  }

  /**
   * Remembers what {@code in[from, to)} held, when it is a plain name, its closing quote and
   * the colon, read as the name of index {@code index}; anything else is not remembered, so it
   * will be looked up again.
   */
  void learn(int member, byte[] in, int from, int to, int index) {
    int length = to - from;
    if (member >= MAX_MEMBERS || length < 2 || length > MAX_PATTERN
        || in[to - 2] != '"' || in[to - 1] != ':') {
      return;
    }
    long[] words = new long[2];
    for (int i = 0; i < length; i++) {
      byte b = in[from + i];
      if (i < length - 2 && (b == '"' || b == '\\' || (b >= 0 && b < 0x20))) {
        return; // escaped names are rare: looked up each time, never guessed
      }
      words[i / Long.BYTES] |= (b & 0xFFL) << (8 * (i % Long.BYTES));
    }
    int at = 4 * member;
    patterns[at] = words[0];
    patterns[at + 1] = mask(length);
    patterns[at + 2] = words[1];
    patterns[at + 3] = mask(length - Long.BYTES);
    lengths[member] = length;
    indexes[member] = index;
  }

  /** A mask of the lowest {@code length} bytes of a word, none for 0 or less, all for 8 or more. */
  private static long mask(int length) {
    if (length <= 0) {
      return 0;
    }
    return length >= Long.BYTES ? -1L : JsonScanWords.lowBytes(length);
  }
}
