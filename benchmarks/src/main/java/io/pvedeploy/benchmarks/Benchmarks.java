package io.pvedeploy.benchmarks;

import java.util.Arrays;
import java.util.Map;

/** Runs one harness by name: {@code java -jar benchmarks/target/pvedeploy-benchmarks.jar NAME [ARGS]}. */
public final class Benchmarks {
  private Benchmarks() {}

  interface Harness {
    void run(String[] args) throws Exception;
  }

  private static final Map<String, Harness> HARNESSES = Map.of(
      "cluster-resources", ClusterResourcesBenchmark::main,
      "image-transfer", ImageTransferBenchmark::main,
      "noop-reapply", NoopReapplyBenchmark::main,
      "secrets", SecretsBenchmark::main);

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !HARNESSES.containsKey(args[0])) {
      System.err.println("usage: benchmarks NAME [ARGS]; NAME is one of " + HARNESSES.keySet());
      System.exit(2);
    }
    HARNESSES.get(args[0]).run(Arrays.copyOfRange(args, 1, args.length));
  }
}
