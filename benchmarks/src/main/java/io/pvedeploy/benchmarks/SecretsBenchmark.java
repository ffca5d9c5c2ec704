package io.pvedeploy.benchmarks;

import io.pvedeploy.secrets.Age;
import io.pvedeploy.secrets.AgeIdentity;
import io.pvedeploy.secrets.Secret;
import io.pvedeploy.secrets.SecretStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Issue 6's targets, in one run: age encryption and decryption of a 64 MiB file through jagged
 * (our {@link Age}, file channel to file channel) against the {@code age} CLI (Debian's, Go) on
 * the same file, target within 1.5× of the CLI; and opening a store of 10,000 values (parse,
 * decrypt the data key, verify every entry MAC, the chain and the file MAC), target a median of
 * at most 200 ms.
 *
 * <p>Each row: warm-up runs, then timed runs; median, mean and minimum. jagged's and the CLI's
 * runs of one operation alternate, so both meet the same background load. Every output is
 * cross-checked: the CLI decrypts what jagged wrote and jagged what the CLI wrote. Run: {@code
 * bash scripts/bench.sh secrets [MiB] [runs] [values]}.
 */
public final class SecretsBenchmark {
  private SecretsBenchmark() {}

  @FunctionalInterface
  interface Run {
    void run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int mebibytes = args.length > 0 ? Integer.parseInt(args[0]) : 64;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int values = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
    requireAge();

    Path dir = Files.createTempDirectory("pvedeploy-secrets-bench");
    try {
      AgeIdentity identity = AgeIdentity.generate();
      Path key = dir.resolve("key.txt");
      identity.write(key);
      String recipient = identity.recipient().value();
      Path plain = dir.resolve("plain.bin");
      writeRandom(plain, mebibytes * 1024L * 1024L);
      Path ours = dir.resolve("jagged.age");
      Path theirs = dir.resolve("cli.age");
      Path ourOut = dir.resolve("jagged.out");
      Path theirOut = dir.resolve("cli.out");

      double[][] encrypt = interleaved(runs, () -> {
        try (FileChannel in = FileChannel.open(plain); FileChannel o = create(ours)) {
          Age.encrypt(in, o, List.of(identity.recipient()));
        }
      }, () -> cli("age", "-r", recipient, "-o", theirs.toString(), plain.toString()));
      double[] jaggedEncrypt = encrypt[0];
      double[] cliEncrypt = encrypt[1];
      double[][] decrypt = interleaved(runs, () -> {
        try (FileChannel in = FileChannel.open(theirs); FileChannel o = create(ourOut)) {
          Age.decrypt(in, o, identity);
        }
      }, () -> cli("age", "-d", "-i", key.toString(), "-o", theirOut.toString(), ours.toString()));
      double[] jaggedDecrypt = decrypt[0];
      double[] cliDecrypt = decrypt[1];
      check(plain, ourOut, "jagged decrypting the CLI's file");
      check(plain, theirOut, "the CLI decrypting jagged's file");

      Path store = dir.resolve("large.secrets");
      SecretStore created = SecretStore.builder(store).identity(identity).actor("bench").create();
      Map<String, Secret> batch = new TreeMap<>();
      Random random = new Random(1);
      for (int i = 0; i < values; i++) {
        byte[] value = new byte[32];
        random.nextBytes(value);
        batch.put(String.format("secret_%05d", i), Secret.of(value));
      }
      long buildStart = System.nanoTime();
      created.putAll(batch);
      double buildMs = (System.nanoTime() - buildStart) / 1e6;
      long storeBytes = Files.size(store);
      int openRuns = Math.max(20, runs * 4);
      double[] open = timed(openRuns, () -> SecretStore.open(store, identity));
      double[] openGet = timed(openRuns, () -> SecretStore.open(store, identity).get("secret_04242"));

      double mib = mebibytes;
      System.out.printf("age, %d MiB random file, file to file; secrets store of %d values (%d-byte file,"
          + " written in %.0f ms); %d timed runs per age row after %d warm-up runs, %d per store row;"
          + " jagged and CLI runs alternate; one run, %d cores, %s %s%n%n", mebibytes, values, storeBytes,
          buildMs, runs, warmups(runs), openRuns, Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.vm.name"), Runtime.version());
      System.out.println("| what | by | median ms | mean ms | min ms | MiB/s (median) |");
      System.out.println("|---|---|---|---|---|---|");
      row("encrypt " + mebibytes + " MiB", "jagged (pvedeploy Age)", jaggedEncrypt, mib);
      row("encrypt " + mebibytes + " MiB", "age CLI " + version(), cliEncrypt, mib);
      row("decrypt " + mebibytes + " MiB", "jagged (pvedeploy Age)", jaggedDecrypt, mib);
      row("decrypt " + mebibytes + " MiB", "age CLI " + version(), cliDecrypt, mib);
      row("open store, " + values + " values", "SecretStore.open", open, 0);
      row("open store + get one value", "SecretStore.open + get", openGet, 0);
      System.out.printf("%njagged / CLI, medians: encrypt %.2fx, decrypt %.2fx (target <= 1.5x)%n",
          median(jaggedEncrypt) / median(cliEncrypt), median(jaggedDecrypt) / median(cliDecrypt));
      System.out.printf("open %d values: median %.1f ms (target <= 200 ms)%n", values, median(open));
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** The JDK's ChaCha20-Poly1305 reaches C2 only after a few 64 MiB passes (measured: three). */
  private static int warmups(int runs) {
    return Math.max(5, runs);
  }

  /**
   * Both sides' warm-up, then their timed runs in alternation (jagged first on even runs, the CLI
   * first on odd ones), so that a load on the machine that comes and goes falls on both sides
   * alike rather than on whichever block of runs it happens to overlap.
   */
  private static double[][] interleaved(int runs, Run ours, Run theirs) throws Exception {
    for (int i = 0; i < warmups(runs); i++) {
      ours.run();
      theirs.run();
    }
    double[][] samples = new double[2][runs];
    for (int i = 0; i < runs; i++) {
      for (int side : i % 2 == 0 ? new int[] {0, 1} : new int[] {1, 0}) {
        long start = System.nanoTime();
        (side == 0 ? ours : theirs).run();
        samples[side][i] = (System.nanoTime() - start) / 1e6;
      }
    }
    return samples;
  }

  private static double[] timed(int runs, Run run) throws Exception {
    for (int i = 0; i < warmups(runs); i++) {
      run.run();
    }
    double[] samples = new double[runs];
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      run.run();
      samples[i] = (System.nanoTime() - start) / 1e6;
    }
    return samples;
  }

  private static FileChannel create(Path path) throws IOException {
    return FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
  }

  private static void writeRandom(Path path, long size) throws IOException {
    Random random = new Random(42);
    byte[] chunk = new byte[1 << 20];
    try (FileChannel out = create(path)) {
      for (long written = 0; written < size; written += chunk.length) {
        random.nextBytes(chunk);
        ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, size - written));
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
      }
    }
  }

  private static void check(Path expected, Path actual, String what) throws Exception {
    if (!Arrays.equals(digest(expected), digest(actual))) {
      throw new IllegalStateException(what + " gave different bytes");
    }
  }

  private static byte[] digest(Path path) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (FileChannel in = FileChannel.open(path)) {
      ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
      while (in.read(buffer) >= 0) {
        buffer.flip();
        sha.update(buffer);
        buffer.clear();
      }
    }
    return sha.digest();
  }

  private static void cli(String... argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException(argv[0] + " failed (exit " + p.exitValue() + "): " + output.strip());
    }
  }

  private static String version() {
    try {
      Process p = new ProcessBuilder("age", "--version").redirectErrorStream(true).start();
      String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      p.waitFor();
      return v;
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }

  private static void requireAge() {
    try {
      cli("age", "--version");
    } catch (IOException | InterruptedException | IllegalStateException e) {
      throw new IllegalStateException("this benchmark compares with the age CLI: apt-get install age", e);
    }
  }

  private static void row(String what, String by, double[] samples, double mib) {
    double median = median(samples);
    System.out.printf("| %s | %s | %.1f | %.1f | %.1f | %s |%n", what, by, median,
        Arrays.stream(samples).average().orElse(0), Arrays.stream(samples).min().orElse(0),
        mib > 0 ? String.format("%.0f", mib / (median / 1000)) : "");
  }

  private static double median(double[] samples) {
    return ClusterResourcesBenchmark.median(samples);
  }
}
