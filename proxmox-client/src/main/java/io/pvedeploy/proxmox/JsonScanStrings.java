package io.pvedeploy.proxmox;

import java.util.Arrays;

/**
 * Remembers the short ASCII strings one scan has built, so each repeat returns the same
 * {@code String}: PVE repeats {@code lxc}, {@code qemu}, {@code running}, {@code stopped} and
 * node names in every entry of {@code /cluster/resources}. With the word the scanner has already
 * loaded as the key, a hit costs a multiply and a compare instead of two allocations, and
 * the answer keeps one copy of each instead of thousands.
 *
 * <p>Direct-mapped: a unique string (a guest's name) just takes the slot over, so a miss costs
 * no more than the allocation it would have made anyway.
 */
final class JsonScanStrings {
  private static final int SLOTS = 256;

  private final long[] words = new long[SLOTS];
  private final String[] strings = new String[SLOTS];

  /**
   * The string of {@code length} (0 to {@link JsonScanNames#MAX_WORD_LENGTH}) ASCII bytes at
   * {@code in[from]}, none of them 0, which {@code word} holds little-endian.
   */
  String ascii(long word, byte[] in, int from, int length) {
    int slot = (int) ((word * 0x9E3779B97F4A7C15L) >>> 56);
    String cached = strings[slot];
    if (cached != null && words[slot] == word) {
      return cached;
    }
    String fresh = latin1(in, from, length);
    words[slot] = word;
    strings[slot] = fresh;
    return fresh;
  }

  /** The longest string {@link #repeated} looks up. */
  static final int MAX_REPEATED = 64;
  private static final int REPEATED_SLOTS = 64;

  /** Where in the input each slot's string was read: the input itself is the key. */
  private final int[] repeatedFrom = new int[REPEATED_SLOTS];
  private final int[] repeatedLength = new int[REPEATED_SLOTS];
  private final String[] repeatedStrings = new String[REPEATED_SLOTS];

  /**
   * The string of the {@code length} (8 to {@link #MAX_REPEATED}) plain ASCII bytes at
   * {@code in[from]}, the same {@code String} as last time when these bytes came before in this
   * input: for members whose values repeat but are too long for {@link #ascii}'s one word, such
   * as PVE's tags. The key is where the bytes were first read, so a miss allocates nothing more
   * than the string.
   */
  String repeated(byte[] in, int from, int length) {
    long first = JsonScanWords.load(in, from);
    long last = JsonScanWords.load(in, from + length - Long.BYTES);
    int slot = (int) (((first + Long.rotateLeft(last, 23) + length) * 0x9E3779B97F4A7C15L) >>> 58);
    String cached = repeatedStrings[slot];
    if (cached != null && repeatedLength[slot] == length) {
      int at = repeatedFrom[slot];
      if (Arrays.equals(in, at, at + length, in, from, from + length)) {
        return cached;
      }
    }
    String fresh = latin1(in, from, length);
    repeatedFrom[slot] = from;
    repeatedLength[slot] = length;
    repeatedStrings[slot] = fresh;
    return fresh;
  }

  /**
   * {@code new String(in, from, length, ISO_8859_1)}, twice as fast: on JDK 17 that constructor
   * is 840 bytes of bytecode, which C2 does not inline, and checks its charset on every call
   * (measured: 10–30 ns against 6–13 ns for a 10–17 byte name; a 5,000-guest answer builds
   * 15,000 of them). The constructor used here, deprecated because it ignores charsets, makes a
   * string of the bytes as Latin-1 chars when {@code hibyte} is 0: the same string.
   */
  @SuppressWarnings("deprecation")
  static String latin1(byte[] in, int from, int length) {
    return new String(in, 0, from, length);
  }
}
