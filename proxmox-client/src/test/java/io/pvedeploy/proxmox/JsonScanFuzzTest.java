package io.pvedeploy.proxmox;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Valid documents with random bytes flipped, inserted, deleted or cut off: whatever the scanner
 * makes of them, the only failure it may throw is {@link JsonScanException}; never an
 * ArrayIndexOutOfBounds, a NumberFormatException, a StackOverflowError or a hang.
 */
class JsonScanFuzzTest {
  private static final int CASES = 60_000;
  /** Bytes that change a document's structure more often than a random byte does. */
  private static final byte[] INTERESTING = "{}[],:\"\\0123456789-+.eEtfnu \t\n\r\u0000\u007f"
      .getBytes(UTF_8);

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void malformedInputOnlyEverThrowsJsonScanException() throws IOException {
    Random random = new Random(424242);
    List<byte[]> seeds = seeds(random);
    int parsed = 0;
    for (int i = 0; i < CASES; i++) {
      byte[] mutant = mutate(seeds.get(random.nextInt(seeds.size())), random);
      parsed += readAllWays(mutant);
    }
    // Sanity: the mutations are not so wild that nothing ever parses.
    if (parsed == 0) {
      fail("no mutant parsed at all");
    }
  }

  /** Reads the mutant generically, by names, and as /cluster/resources; counts successes. */
  private static int readAllWays(byte[] mutant) {
    int parsed = 0;
    for (int way = 0; way < 3; way++) {
      JsonScanner scanner = new JsonScanner(mutant);
      try {
        switch (way) {
          case 0 -> JsonScanDifferentialTest.Generic.read(scanner);
          case 1 -> JsonScanDifferentialTest.Generic.readByNames(scanner);
          default -> JsonScanClusterResourceTest.readAnswer(scanner);
        }
        parsed++;
      } catch (JsonScanException expected) {
        // The one allowed failure.
      } catch (Throwable other) {
        throw new AssertionError("way " + way + " threw " + other + " for "
            + new String(mutant, UTF_8) + " (bytes " + Arrays.toString(mutant) + ")", other);
      }
    }
    return parsed;
  }

  private static List<byte[]> seeds(Random random) {
    List<byte[]> seeds = new ArrayList<>();
    JsonScanDifferentialTest.Documents documents = new JsonScanDifferentialTest.Documents(random);
    for (int i = 0; i < 300; i++) {
      seeds.add(documents.next().getBytes(UTF_8));
    }
    byte[] answer = JsonScanClusterResourceTest.ANSWER.getBytes(UTF_8);
    byte[] compact = JsonScanClusterResourceTest.ANSWER.replace("\n", "").getBytes(UTF_8);
    for (int i = 0; i < 50; i++) {
      seeds.add(answer);
      seeds.add(compact);
    }
    return seeds;
  }

  private static byte[] mutate(byte[] seed, Random random) {
    byte[] out = seed;
    for (int edits = 1 + random.nextInt(3); edits > 0 && out.length > 0; edits--) {
      int at = random.nextInt(out.length);
      byte b = random.nextBoolean()
          ? INTERESTING[random.nextInt(INTERESTING.length)]
          : (byte) random.nextInt(256);
      switch (random.nextInt(4)) {
        case 0 -> {
          out = out.clone();
          out[at] = b;
        }
        case 1 -> {
          byte[] longer = new byte[out.length + 1];
          System.arraycopy(out, 0, longer, 0, at);
          longer[at] = b;
          System.arraycopy(out, at, longer, at + 1, out.length - at);
          out = longer;
        }
        case 2 -> {
          byte[] shorter = new byte[out.length - 1];
          System.arraycopy(out, 0, shorter, 0, at);
          System.arraycopy(out, at + 1, shorter, at, out.length - at - 1);
          out = shorter;
        }
        default -> out = Arrays.copyOf(out, at);
      }
    }
    return out;
  }
}
