package io.pvedeploy.proxmox;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The member names a decoder wants, prepared once so that {@link JsonScanner#nextName(JsonScanNames)}
 * matches raw UTF-8 bytes without building a {@code String} per member.
 *
 * <p>A name is looked up by its first eight bytes as one little-endian {@code long}, which the
 * scanner has loaded anyway to find the closing quote. Names of up to 7 bytes (all but one of
 * PVE's {@code /cluster/resources} fields) are then settled by that word alone: the byte after
 * the last is 0, which a plain name cannot contain, so the word says the length too. Names
 * written with escapes or in non-ASCII go through a map of strings.
 */
final class JsonScanNames {
  /** Longest name that a word holds with a 0 byte after it. */
  static final int MAX_WORD_LENGTH = 7;

  /** Open addressing over the names' first words: a power-of-two size, at most a quarter full. */
  private final long[] words;
  private final byte[][] names;
  private final int[] indexes;
  private final int shift;
  private final Map<String, Integer> byString = new HashMap<>();

  private JsonScanNames(String[] wanted) {
    int size = Integer.highestOneBit(Math.max(wanted.length, 1) * 4 - 1) << 1;
    words = new long[size];
    names = new byte[size][];
    indexes = new int[size];
    Arrays.fill(indexes, -1);
    shift = 64 - Integer.numberOfTrailingZeros(size);
    for (int i = 0; i < wanted.length; i++) {
      if (byString.putIfAbsent(wanted[i], i) != null) {
        throw new IllegalArgumentException("duplicate name " + wanted[i]);
      }
      byte[] bytes = wanted[i].getBytes(StandardCharsets.UTF_8);
      if (bytes.length > 0 && isPlainAscii(bytes)) {
        insert(bytes, i);
      }
    }
  }

  /** The names in the order whose indexes {@code nextName} returns. */
  static JsonScanNames of(String... names) {
    return new JsonScanNames(names.clone());
  }

  /**
   * The index of the name of 1 to 7 bytes that {@code word} holds little-endian, the bytes
   * above it 0; or -1.
   */
  int indexOfWord(long word) {
    for (int slot = slot(word); ; slot = next(slot)) {
      int index = indexes[slot];
      if (index < 0 || words[slot] == word) {
        return index;
      }
    }
  }

  /**
   * The index of the plain ASCII name {@code in[from, from + length)}, at least 8 bytes long,
   * whose first 8 bytes {@code word} holds; or -1.
   */
  int indexOfLong(long word, byte[] in, int from, int length) {
    for (int slot = slot(word); ; slot = next(slot)) {
      int index = indexes[slot];
      if (index < 0) {
        return -1;
      }
      byte[] name = names[slot];
      if (words[slot] == word && name.length == length
          && Arrays.equals(name, Long.BYTES, length, in, from + Long.BYTES, from + length)) {
        return index;
      }
    }
  }

  /** The index of a name read some other way: escaped, not ASCII, or at the very end; or -1. */
  int indexOf(String name) {
    return byString.getOrDefault(name, -1);
  }

  private void insert(byte[] name, int index) {
    long word = firstWord(name);
    int slot = slot(word);
    while (indexes[slot] >= 0) {
      slot = next(slot);
    }
    words[slot] = word;
    names[slot] = name;
    indexes[slot] = index;
  }

  private int slot(long word) {
    // Fibonacci hashing: the multiply spreads every byte of the name into the top bits.
    return (int) ((word * 0x9E3779B97F4A7C15L) >>> shift);
  }

  private int next(int slot) {
    return (slot + 1) & (indexes.length - 1);
  }

  private static long firstWord(byte[] bytes) {
    long word = 0;
    for (int i = Math.min(bytes.length, Long.BYTES) - 1; i >= 0; i--) {
      word = word << 8 | (bytes[i] & 0xFF);
    }
    return word;
  }

  /** What the scanner's fast path can see: printable ASCII without quote or backslash. */
  private static boolean isPlainAscii(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0x20 || b == '"' || b == '\\') {
        return false;
      }
    }
    return true;
  }
}
