package io.pvedeploy.benchmarks;

import io.pvedeploy.proxmox.ClusterResource;
import io.pvedeploy.proxmox.ProxmoxClient;
import io.pvedeploy.proxmox.ProxmoxException;
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
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Issue 3's target: {@code GET /cluster/resources} with 5,000 guests through our client (typed
 * records) and through Debian's proxmoxer (plain dicts), on the same sandbox, in one run. Target:
 * our client at least 5× faster at its own work.
 *
 * <p>Two rows per client. <b>call</b>: the whole HTTPS call to the sandbox; both clients wait
 * the same time for the server and TLS, so this ratio is bounded by that shared cost.
 * <b>decode</b>: each client's whole call path (request building, interceptors or session,
 * reading the body, decoding it into its result) with the network replaced by the same recorded
 * answer: an OkHttp interceptor for ours, a requests transport adapter for proxmoxer. That is the
 * parsing the target is about. Run: {@code bash scripts/bench.sh cluster-resources [guests]
 * [iterations]}.
 */
public final class ClusterResourcesBenchmark {
  private ClusterResourcesBenchmark() {}

  @FunctionalInterface
  interface Call {
    int run() throws ProxmoxException;
  }

  public static void main(String[] args) throws Exception {
    int guests = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    // 500: our client reads a large answer on two threads, and both threads' code must be
    // compiled before a sample means anything; after 100 warm-up calls it is still being compiled.
    int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    int warmup = Math.max(50, iterations);

    try (Sandbox sandbox = Sandbox.builder().nodes("pve1", "pve2", "pve3").simulatedGuests(guests).start();
        ProxmoxClient pve = ProxmoxClient.builder().baseUrl(sandbox.url())
            .apiToken(sandbox.tokenId(), sandbox.tokenSecret())
            .tls(TlsPolicy.pinnedFingerprint(sandbox.fingerprint())).build()) {

      Path pem = Files.createTempFile("sandbox-ca", ".pem");
      Files.writeString(pem, sandbox.certificatePem());
      URI url = URI.create(sandbox.url());
      String script;
      try (InputStream in = ClusterResourcesBenchmark.class.getResourceAsStream("proxmoxer_cluster_resources.py")) {
        script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      String python = run(List.of("/usr/bin/python3", "-c", script, url.getHost(),
          String.valueOf(url.getPort()), sandbox.tokenId(), sandbox.tokenSecret(), pem.toString(),
          String.valueOf(warmup / 2), String.valueOf(iterations)));
      Files.deleteIfExists(pem);

      double[] ourCalls = timed(() -> pve.cluster().resources().size(), warmup, iterations);
      byte[] recorded = recordedAnswer(pve);
      try (ProxmoxClient offline = pve.newBuilder().addInterceptor(chain -> answer(chain.request(), recorded)).build()) {
        double[] ourDecodes = timed(() -> offline.cluster().resources().size(), warmup, iterations);
        int items = pve.cluster().resources().size();

        System.out.printf("GET /cluster/resources: %d guests, %d entries, %d-byte answer; %d timed"
            + " calls per row after %d warm-up calls; one run%n%n", guests, items, recorded.length,
            iterations, warmup);
        System.out.println("| client | measured | result | median ms | mean ms | p95 ms |");
        System.out.println("|---|---|---|---|---|---|");
        String theirs = "proxmoxer " + field(python, "proxmoxer");
        row("pvedeploy", "call over HTTPS", "List<ClusterResource>", ourCalls);
        row(theirs, "call over HTTPS", "list of dict", samples(python, "call_ms"));
        row("pvedeploy", "decode (no network)", "List<ClusterResource>", ourDecodes);
        row(theirs, "decode (no network)", "list of dict", samples(python, "decode_ms"));
        System.out.printf("%nproxmoxer / pvedeploy, medians: decode %.1fx (target >= 5x), whole call %.1fx%n",
            median(samples(python, "decode_ms")) / median(ourDecodes),
            median(samples(python, "call_ms")) / median(ourCalls));
      }
    }
  }

  /** The body the sandbox answers, recorded once through an interceptor of the real client. */
  private static byte[] recordedAnswer(ProxmoxClient pve) throws ProxmoxException {
    byte[][] body = new byte[1][];
    try (ProxmoxClient recorder = pve.newBuilder().addInterceptor(chain -> {
      Response response = chain.proceed(chain.request());
      body[0] = response.body().bytes();
      return answer(chain.request(), body[0]);
    }).build()) {
      recorder.cluster().resources();
    }
    return body[0];
  }

  private static Response answer(Request request, byte[] body) {
    return new Response.Builder().request(request).protocol(Protocol.HTTP_1_1).code(200).message("OK")
        .body(ResponseBody.create(body, MediaType.get("application/json;charset=UTF-8"))).build();
  }

  private static double[] timed(Call call, int warmup, int iterations) throws ProxmoxException {
    for (int i = 0; i < warmup; i++) {
      call.run();
    }
    double[] samples = new double[iterations];
    for (int i = 0; i < iterations; i++) {
      long start = System.nanoTime();
      call.run();
      samples[i] = (System.nanoTime() - start) / 1e6;
    }
    return samples;
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

  private static double[] samples(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\": \\[([^\\]]*)\\]").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + name + " in proxmoxer output: " + json);
    }
    return Arrays.stream(m.group(1).split(",")).map(String::strip).mapToDouble(Double::parseDouble).toArray();
  }

  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\": \"?([^\",}]*)").matcher(json);
    return m.find() ? m.group(1) : "?";
  }

  private static void row(String client, String measured, String result, double[] samples) {
    System.out.printf("| %s | %s | %s | %.2f | %.2f | %.2f |%n", client, measured, result,
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
