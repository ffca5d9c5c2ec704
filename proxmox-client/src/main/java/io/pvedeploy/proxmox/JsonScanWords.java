package io.pvedeploy.proxmox;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Eight bytes at a time: the word operations {@link JsonScanner} uses to find the end of a string
 * or of a run of digits, and to turn digits into a number, with a few arithmetic steps instead of
 * a loop with a branch per byte (whose exit the CPU mispredicts for every value whose length
 * differs from the last).
 *
 * <p>Words are little-endian: the first byte of the input is the lowest byte of the word.
 */
final class JsonScanWords {
  private JsonScanWords() {}

  private static final VarHandle WORDS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGH_BITS = 0x8080808080808080L;
  private static final long HIGH_NIBBLES = 0xF0F0F0F0F0F0F0F0L;
  private static final long LOW_NIBBLES = 0x0F0F0F0F0F0F0F0FL;

  /** Powers of ten a {@code long} holds, for joining runs of digits. */
  static final long[] POWERS_OF_TEN = {
    1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L
  };

  /** The eight bytes at {@code in[from]}; the caller checks there are eight. */
  static long load(byte[] in, int from) {
    return (long) WORDS.get(in, from);
  }

  /** A mask of the lowest {@code length} bytes, 0 to 7. */
  static long lowBytes(int length) {
    return (1L << (8 * length)) - 1;
  }

  /**
   * Marks, with bit 7 of the byte, each byte of {@code word} that ends a plain string run: a
   * quote, a backslash, a control character, or any non-ASCII byte. Subtraction borrows can
   * mark bytes above a marked one too, so only the lowest mark is exact, and that is the only
   * one the callers use.
   */
  static long specialBytes(long word) {
    long quote = (word ^ 0x2222222222222222L) - ONES;
    long backslash = (word ^ 0x5C5C5C5C5C5C5C5CL) - ONES;
    long control = word - 0x2020202020202020L;
    return (quote | backslash | control | word) & HIGH_BITS;
  }

  /** How many of the word's bytes, from the lowest, are ASCII digits: 0 to 8. */
  static int leadingDigits(long word) {
    // '0'..'9' are 0x30..0x39: the bytes whose high nibble is 3 and stays 3 when 6 is added.
    // Adding 6 to a byte of 0xFA or more carries into the byte above, but only above a byte
    // that is no digit anyway, and only the lowest non-digit counts.
    long nibbles = (word & HIGH_NIBBLES) | (((word + 6 * ONES) & HIGH_NIBBLES) >>> 4);
    long notDigits = nibbles ^ 0x3333333333333333L;
    // Bit 7 set in each byte that is not 0, without carries between bytes.
    long marks = (((notDigits & ~HIGH_BITS) + ~HIGH_BITS) | notDigits) & HIGH_BITS;
    return Long.numberOfTrailingZeros(marks) >>> 3;
  }

  /**
   * The value of the lowest {@code count} (1 to 8) bytes of {@code word}, all ASCII digits, the
   * first byte the most significant digit.
   */
  static long digitsValue(long word, int count) {
    // Shifted up so the digits are the top bytes: the zero bytes below act as leading zeros.
    // Then pairs, quads and the octet are combined by three multiplications, each of which
    // adds ten (a hundred, ten thousand) times one lane to its neighbour.
    long digits = (word << (8 * (Long.BYTES - count))) & LOW_NIBBLES;
    long pairs = ((digits * (10 << 8 | 1)) >>> 8) & 0x00FF00FF00FF00FFL;
    long quads = ((pairs * (100 << 16 | 1)) >>> 16) & 0x0000FFFF0000FFFFL;
    return (quads * (10_000L << 32 | 1)) >>> 32;
  }
}
