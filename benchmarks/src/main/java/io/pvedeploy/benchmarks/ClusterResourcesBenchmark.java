package io.pvedeploy.benchmarks;

import io.pvedeploy.proxmox.ClusterResource;
import io.pvedeploy.proxmox.ProxmoxClient;
import io.pvedeploy.proxmox.TlsPolicy;
import io.pvedeploy.sandbox.Sandbox;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 3's target: {@code GET /cluster/resources} with 5,000 guests, read into typed records by
 * our client, against the same call through Debian's proxmoxer (which returns plain dicts), on
 * the same sandbox, in one run. Target: our client at least 5× faster.
 *
 * <p>Each sample is one whole call: HTTPS request, the sandbox serving it, and parsing. Both
 * clients keep their connection alive between calls. Run: {@code bash scripts/bench.sh
 * cluster-resources [guests] [iterations]}.
 */
public final class ClusterResourcesBenchmark {
  private ClusterResourcesBenchmark() {}

  public static void main(String[] args) throws Exception {
    int guests = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int warmup = Math.max(20, iterations / 2);

    try (Sandbox sandbox = Sandbox.builder().nodes("pve1", "pve2", "pve3").simulatedGuests(guests).start();
        ProxmoxClient pve = ProxmoxClient.builder().baseUrl(sandbox.url())
            .apiToken(sandbox.tokenId(), sandbox.tokenSecret())
            .tls(TlsPolicy.pinnedFingerprint(sandbox.fingerprint())).build()) {

      int items = 0;
      for (int i = 0; i < warmup; i++) {
        items = pve.cluster().resources().size();
      }
      double[] ours = new double[iterations];
      for (int i = 0; i < iterations; i++) {
        long start = System.nanoTime();
        List<ClusterResource> resources = pve.cluster().resources();
        ours[i] = (System.nanoTime() - start) / 1e6;
        items = resources.size();
      }

      Path pem = Files.createTempFile("sandbox-ca", ".pem");
      Files.writeString(pem, sandbox.certificatePem());
      URI url = URI.create(sandbox.url());
      String script;
      try (InputStream in = ClusterResourcesBenchmark.class.getResourceAsStream("proxmoxer_cluster_resources.py")) {
        script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      List<String> command = List.of("/usr/bin/python3", "-c", script, url.getHost(),
          String.valueOf(url.getPort()), sandbox.tokenId(), sandbox.tokenSecret(), pem.toString(),
          String.valueOf(Math.max(5, warmup / 4)), String.valueOf(iterations));
      String output = run(command);
      Files.deleteIfExists(pem);
      double[] theirs = samples(output);
      int theirItems = Integer.parseInt(field(output, "items"));

      System.out.printf("GET /cluster/resources, %d guests (%d entries), %d calls each, one run%n%n",
          guests, items, iterations);
      System.out.println("| client | result type | entries | median ms | mean ms | p95 ms |");
      System.out.println("|---|---|---|---|---|---|");
      row("pvedeploy proxmox-client", "List<ClusterResource> (records)", items, ours);
      row("proxmoxer " + field(output, "proxmoxer") + " (python3)", "list of dict", theirItems, theirs);
      System.out.printf("%nratio (proxmoxer median / pvedeploy median): %.1fx  (target: >= 5x)%n",
          median(theirs) / median(ours));
    }
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IllegalStateException("proxmoxer run failed (exit " + process.exitValue()
          + "); is python3-proxmoxer installed? (apt-get install python3-proxmoxer)");
    }
    return out;
  }

  private static double[] samples(String json) {
    Matcher m = Pattern.compile("\"samples_ms\": \\[([^\\]]*)\\]").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("unexpected proxmoxer output: " + json);
    }
    return Arrays.stream(m.group(1).split(",")).map(String::strip).mapToDouble(Double::parseDouble).toArray();
  }

  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\": \"?([^\",}]*)").matcher(json);
    return m.find() ? m.group(1) : "?";
  }

  private static void row(String client, String type, int entries, double[] samples) {
    System.out.printf("| %s | %s | %d | %.2f | %.2f | %.2f |%n", client, type, entries,
        median(samples), Arrays.stream(samples).average().orElse(0), percentile(samples, 0.95));
  }

  static double median(double[] samples) {
    return percentile(samples, 0.5);
  }

  static double percentile(double[] samples, double p) {
    double[] sorted = samples.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * (sorted.length - 1) + 0.5))];
  }
}
