package io.pvedeploy.proxmox;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The word operations against a byte at a time, for every byte value in every lane. */
class JsonScanWordsTest {

  private static long word(byte[] bytes) {
    return JsonScanWords.load(bytes, 0);
  }

  private static int leadingDigitsByBytes(byte[] bytes) {
    int i = 0;
    while (i < Long.BYTES && bytes[i] >= '0' && bytes[i] <= '9') {
      i++;
    }
    return i;
  }

  @Test
  void countsLeadingDigitsWhateverFollowsThem() {
    // Every byte value after every number of digits, and digits after it, which borrows and
    // carries (a byte of 0xFA or more plus 6) must not disturb.
    for (int digits = 0; digits < Long.BYTES; digits++) {
      for (int b = 0; b < 256; b++) {
        byte[] bytes = "12345678".getBytes(ISO_8859_1);
        bytes[digits] = (byte) b;
        assertThat(JsonScanWords.leadingDigits(word(bytes)))
            .as("byte 0x%02X after %d digits", b, digits)
            .isEqualTo(leadingDigitsByBytes(bytes));
      }
    }
    assertThat(JsonScanWords.leadingDigits(word("98765432".getBytes(ISO_8859_1)))).isEqualTo(8);
  }

  @Test
  void randomWordsCountLikeAByteLoop() {
    Random random = new Random(3);
    byte[] alphabet = "0123456789/:.eE-+,}] \u00ff\u00fa\u0000".getBytes(ISO_8859_1);
    for (int i = 0; i < 200_000; i++) {
      byte[] bytes = new byte[Long.BYTES];
      for (int k = 0; k < bytes.length; k++) {
        bytes[k] = random.nextInt(4) == 0
            ? (byte) random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
      }
      assertThat(JsonScanWords.leadingDigits(word(bytes))).isEqualTo(leadingDigitsByBytes(bytes));
    }
  }

  @Test
  void valuesOfOneToEightDigits() {
    Random random = new Random(5);
    for (int i = 0; i < 100_000; i++) {
      int count = 1 + random.nextInt(Long.BYTES);
      String digits = String.format("%08d", random.nextInt(100_000_000)).substring(8 - count);
      byte[] bytes = (digits + ",\"x\":1}").getBytes(ISO_8859_1);
      assertThat(JsonScanWords.digitsValue(word(bytes), count)).as(digits)
          .isEqualTo(Long.parseLong(digits));
    }
    assertThat(JsonScanWords.digitsValue(word("99999999".getBytes(ISO_8859_1)), 8))
        .isEqualTo(99_999_999L);
    assertThat(JsonScanWords.digitsValue(word("00000007".getBytes(ISO_8859_1)), 8)).isEqualTo(7);
  }
}
