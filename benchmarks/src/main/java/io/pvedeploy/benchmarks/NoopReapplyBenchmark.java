package io.pvedeploy.benchmarks;

import io.pvedeploy.deploy.ApplyEvent;
import io.pvedeploy.deploy.Deployer;
import io.pvedeploy.deploy.DeploymentResult;
import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.NetworkSpec;
import io.pvedeploy.deploy.Plan;
import io.pvedeploy.deploy.Target;
import io.pvedeploy.docker.Exec;
import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.docker.GuestShellException;
import io.pvedeploy.docker.LocalShell;
import io.pvedeploy.examples.DemoImages;
import io.pvedeploy.examples.DemoStack;
import io.pvedeploy.proxmox.ClusterResource;
import io.pvedeploy.proxmox.GuestDeletion;
import io.pvedeploy.proxmox.Lxc;
import io.pvedeploy.proxmox.NodeShell;
import io.pvedeploy.proxmox.ProxmoxClient;
import io.pvedeploy.proxmox.TlsPolicy;
import io.pvedeploy.sandbox.Sandbox;
import io.pvedeploy.sandbox.SshEndpoint;
import io.pvedeploy.secrets.AgeIdentity;
import io.pvedeploy.secrets.SecretStore;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * The target: a no-op re-apply of the demo stack costs at most 10 API requests, 2 shell
 * round trips and 1 s of wall time.
 *
 * <p>An in-process sandbox with real LXC guests and the node's sshd, on its own subnet {@value
 * #SUBNET} (the test suite uses 10.99.0.0/24, the demo 10.99.8.0/24, so all three can run at
 * once). The demo stack ({@link DemoStack}: PostgreSQL, Redis, a backend, nginx; images built in
 * the local Docker by {@link DemoImages}) is deployed once at {@value #ADDRESS}, which takes
 * minutes (Docker is installed in the guest, about 670 MB of images are shipped), as CT {@value
 * #VMID}. Then the same spec is re-applied N times in each of two forms:
 *
 * <ul>
 *   <li><b>apply</b>: {@code deployer.apply(spec, listener)}, planning and applying on one
 *       observation of the target;
 *   <li><b>plan + apply</b>: {@code deployer.plan(spec)}, then {@code deployer.apply(spec, plan,
 *       listener)}, which observes again to refuse a stale plan (Terraform's way).
 * </ul>
 *
 * <p>Counted per re-apply: API requests (an OkHttp interceptor on the client, cross-checked with
 * the sandbox's own count), remote commands on the node's SSH shell ({@link
 * NodeShell#commandsRun()}, each one round trip; {@code pct exec} into the guest is one of them),
 * commands run on the local Docker (not round trips, listed for the wall time) and wall time.
 * The first re-apply of each form runs on a cold JVM and is reported apart. A second table splits
 * the wall time into the API calls, the local Docker commands and the rest (the shell round
 * trips and our own work), and a third gives the cost of one bare round trip of each kind on this
 * host, so a miss of the wall-time target can be put where it belongs. Run: {@code bash
 * scripts/bench.sh noop-reapply [N]}; needs root, LXC and a running dockerd.
 */
public final class NoopReapplyBenchmark {
  private NoopReapplyBenchmark() {}

  static final String SUBNET = "10.99.9.0/24";
  static final String ADDRESS = "10.99.9.80";
  static final String GATEWAY = "10.99.9.1";
  static final int VMID = 9980;
  static final int MAX_REQUESTS = 10;
  static final int MAX_ROUND_TRIPS = 2;
  static final Duration MAX_WALL = Duration.ofSeconds(1);
  static final Duration WAIT = Duration.ofMinutes(3);

  @FunctionalInterface
  interface Reapply {
    DeploymentResult run() throws Exception;
  }

  /** One re-apply's costs. */
  record Sample(double wallMs, long requests, long served, long roundTrips, long localCommands,
      double apiMs, double localMs, Map<String, Integer> calls) {}

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
    }
    // The libraries' INFO lines (every step of every re-apply) would bury the table.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    // Set before the sandbox starts: its LXC host reads the subnet once, when it builds the bridge.
    System.setProperty("pvedeploy.sandbox.subnet", SUBNET);
    Path dir = Files.createTempDirectory("pvd-bench-noop-");
    // Unprivileged guests' root (uid 100000 on the host) must reach their rootfs under it.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    try {
      run(dir, iterations);
    } finally {
      new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString()).inheritIO().start().waitFor();
    }
  }

  private static void run(Path dir, int iterations) throws Exception {
    DemoImages.Refs refs = DemoImages.create().ensureBuilt(m -> System.out.println("[images] " + m));
    Path bundle = DemoStack.writeBundle(dir.resolve("bundle"), refs);
    DeploymentSpec demo = DemoStack.spec(bundle, refs);
    // The demo's spec with the guest moved onto this sandbox's subnet, and a vmid of its own: the
    // sandboxes on this host share one network namespace, where a container's host-side interface
    // is named after its vmid (veth<vmid>i0, as on PVE), so the demo's CT 100 would block ours.
    NetworkSpec demoNetwork = demo.guest().network();
    NetworkSpec.Builder network = NetworkSpec.builder().bridge(demoNetwork.bridge()).staticIpv4(ADDRESS + "/24", GATEWAY);
    demoNetwork.vlan().ifPresent(network::vlan);
    DeploymentSpec spec = demo.toBuilder().guest(demo.guest().toBuilder().network(network).vmid(VMID)).build();

    ApiMeter api = new ApiMeter();
    long started = System.nanoTime();
    Path state = Files.createDirectory(dir.resolve("sandbox"));
    Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (Sandbox sandbox = Sandbox.builder().guests(Sandbox.Guests.LXC).nodeSsh(true).stateDir(state)
        .taskDuration(Duration.ofMillis(20)).start();
        ProxmoxClient pve = ProxmoxClient.builder().baseUrl(sandbox.url())
            .apiToken(sandbox.tokenId(), sandbox.tokenSecret())
            .tls(TlsPolicy.pinnedFingerprint(sandbox.fingerprint()))
            .readTimeout(Duration.ofMinutes(2))
            .addInterceptor(api).build();
        NodeShell node = nodeShell(sandbox)) {
      SecretStore store = SecretStore.builder(dir.resolve("secrets.age")).identity(AgeIdentity.generate())
          .actor("bench").openOrCreate();
      System.out.printf("[sandbox] %s, guests on %s, ready after %.1f s%n", sandbox.url(), SUBNET,
          (System.nanoTime() - started) / 1e9);
      CountingShell local = new CountingShell(LocalShell.create());
      Deployer deployer = Deployer.to(Target.of(pve).via(node)).secrets(store).localDocker(local);
      try {
        System.out.println("[deploy] first apply of the demo stack at " + ADDRESS
            + " (installs Docker in the guest, ships the images; minutes)");
        DeploymentResult first = deployer.apply(spec, NoopReapplyBenchmark::progress);
        System.out.printf("[deploy] applied in %.1f s: release %s%n", first.took().toMillis() / 1e3, first.releaseId());
        Plan plan = deployer.plan(spec);
        if (plan.hasChanges()) {
          throw new IllegalStateException("right after the apply the plan still has changes:\n" + plan.render());
        }

        Counters counters = new Counters(api, sandbox, node, local);
        List<Sample> applies = measure(iterations, counters, () -> deployer.apply(spec, e -> { }));
        List<Sample> planned = measure(iterations, counters, () -> {
          Plan p = deployer.plan(spec);
          return deployer.apply(spec, p, e -> { });
        });
        report(iterations, applies, planned);
        baselines(iterations, pve, node, local, refs.postgres());
      } finally {
        tearDown(pve);
      }
    }
  }

  /** The node's shell over the sandbox's sshd, as the deploy tests build it. */
  private static NodeShell nodeShell(Sandbox sandbox) {
    SshEndpoint ssh = sandbox.ssh().orElseThrow();
    return NodeShell.builder().host(ssh.host()).port(ssh.port()).user(ssh.user())
        .identityFile(ssh.identityFile()).knownHostsFile(ssh.knownHostsFile())
        .commandTimeout(Duration.ofMinutes(5)).build();
  }

  private static void progress(ApplyEvent event) {
    if (event instanceof ApplyEvent.StepStarted s) {
      System.out.printf("[deploy]   %d/%d %s %s%n", s.index(), s.total(), s.step().verb(), s.step().address());
    } else if (event instanceof ApplyEvent.StepProgress p) {
      System.out.println("[deploy]     " + p.message());
    } else if (event instanceof ApplyEvent.StepFinished f) {
      System.out.printf("[deploy]   done in %.1f s%n", f.took().toMillis() / 1e3);
    } else if (event instanceof ApplyEvent.StepFailed f) {
      System.out.printf("[deploy]   FAILED: %s%n", f.failure().getMessage());
    }
  }

  /** Everything a sample reads, before and after a re-apply. */
  private record Counters(ApiMeter api, Sandbox sandbox, NodeShell node, CountingShell local) {}

  /** One cold re-apply, then {@code iterations} measured ones; each must change nothing. */
  private static List<Sample> measure(int iterations, Counters c, Reapply reapply) throws Exception {
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i <= iterations; i++) {
      Map<String, Integer> calls = c.api().takeCalls();
      long requests = c.api().requests.get();
      long apiNanos = c.api().nanos.get();
      long served = c.sandbox().requestCount();
      long commands = c.node().commandsRun();
      long local = c.local().commands.get();
      long localNanos = c.local().nanos.get();
      long started = System.nanoTime();
      DeploymentResult result = reapply.run();
      double wallMs = (System.nanoTime() - started) / 1e6;
      if (result.changed()) {
        throw new IllegalStateException("a re-apply of the unchanged spec changed something:\n"
            + result.plan().render());
      }
      calls = c.api().takeCalls();
      samples.add(new Sample(wallMs, c.api().requests.get() - requests, c.sandbox().requestCount() - served,
          c.node().commandsRun() - commands, c.local().commands.get() - local,
          (c.api().nanos.get() - apiNanos) / 1e6, (c.local().nanos.get() - localNanos) / 1e6, calls));
    }
    return samples;
  }

  private static void report(int iterations, List<Sample> applies, List<Sample> planned) {
    System.out.printf("%nNo-op re-apply of the demo stack (4 services, LXC guest on the in-process sandbox with real"
        + " LXC, node shell over SSH on loopback): %d timed re-applies per form after one on a cold JVM;"
        + " one run.%n", iterations);
    System.out.printf("Targets: <= %d API requests, <= %d shell round trips, <= %d ms wall (median).%n%n",
        MAX_REQUESTS, MAX_ROUND_TRIPS, MAX_WALL.toMillis());
    System.out.println("| form | re-applies | median ms | min ms | max ms | API requests (sandbox served) "
        + "| shell round trips | local docker commands | verdict |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    row("apply(spec)", "first (cold JVM)", applies.subList(0, 1));
    row("apply(spec)", String.valueOf(iterations), applies.subList(1, applies.size()));
    row("plan(spec) + apply(spec, plan)", "first (cold JVM)", planned.subList(0, 1));
    row("plan(spec) + apply(spec, plan)", String.valueOf(iterations), planned.subList(1, planned.size()));
    System.out.println();
    System.out.println("JVM warm-up: the first re-apply of each form is on a cold JVM (classes loading, JIT) and is"
        + " not in the timed rows; the first form's cold row also pays the first use of the client's"
        + " connection pool after the long first apply.");
    System.out.println();
    System.out.println("Where the wall time of a timed re-apply goes (medians, ms):");
    System.out.println();
    System.out.println("| form | wall | API calls | local docker commands | shell round trips and the rest |");
    System.out.println("|---|---|---|---|---|");
    split("apply(spec)", applies.subList(1, applies.size()));
    split("plan(spec) + apply(spec, plan)", planned.subList(1, planned.size()));
    System.out.println();
    System.out.println("API requests are the client's (an interceptor); the sandbox's own count, in parentheses, also"
        + " holds the requests of its node CLI: the sandbox's pct, run over SSH, acts through the sandbox's API,"
        + " where PVE's pct reads the node's files.");
    System.out.println("API requests of one timed re-apply:");
    System.out.println("  apply(spec): " + describe(applies.get(applies.size() - 1).calls()));
    System.out.println("  plan(spec) + apply(spec, plan): " + describe(planned.get(planned.size() - 1).calls()));
  }

  private static void split(String form, List<Sample> samples) {
    double wall = median(samples, Sample::wallMs);
    double apiMs = median(samples, Sample::apiMs);
    double localMs = median(samples, Sample::localMs);
    System.out.printf("| %s | %.0f | %.0f | %.0f | %.0f |%n", form, wall, apiMs, localMs,
        median(samples, s -> s.wallMs() - s.apiMs() - s.localMs()));
  }

  private static double median(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> f) {
    return ClusterResourcesBenchmark.median(samples.stream().mapToDouble(f).toArray());
  }

  /** What one bare round trip of each kind costs on this host, against the same sandbox and guest. */
  private static void baselines(int iterations, ProxmoxClient pve, NodeShell node, GuestShell local, String image)
      throws Exception {
    double[] api = new double[iterations];
    double[] ssh = new double[iterations];
    double[] pct = new double[iterations];
    double[] docker = new double[iterations];
    for (int i = 0; i < iterations; i++) {
      long t = System.nanoTime();
      pve.api().get("/cluster/resources");
      api[i] = (System.nanoTime() - t) / 1e6;
      t = System.nanoTime();
      node.run(List.of("true")).orThrow();
      ssh[i] = (System.nanoTime() - t) / 1e6;
      t = System.nanoTime();
      node.pctExec(VMID, List.of("true"), WAIT).orThrow();
      pct[i] = (System.nanoTime() - t) / 1e6;
      t = System.nanoTime();
      local.run("docker", "image", "inspect", "--format", "{{.Id}}", image).orThrow("docker image inspect " + image);
      docker[i] = (System.nanoTime() - t) / 1e6;
    }
    System.out.println();
    System.out.printf("One bare round trip of each kind on this host (median of %d, ms; %d CPUs, load average %s):%n%n",
        iterations, Runtime.getRuntime().availableProcessors(), loadAverage());
    System.out.println("| round trip | median ms |");
    System.out.println("|---|---|");
    System.out.printf("| API request GET /cluster/resources | %.1f |%n", ClusterResourcesBenchmark.median(api));
    System.out.printf("| ssh to the node: true | %.1f |%n", ClusterResourcesBenchmark.median(ssh));
    System.out.printf("| ssh to the node: pct exec %d -- true (the sandbox's pct) | %.1f |%n", VMID,
        ClusterResourcesBenchmark.median(pct));
    System.out.printf("| local docker image inspect | %.1f |%n", ClusterResourcesBenchmark.median(docker));
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  private static void row(String form, String which, List<Sample> samples) {
    double[] wall = samples.stream().mapToDouble(Sample::wallMs).toArray();
    double median = ClusterResourcesBenchmark.median(wall);
    long requests = samples.stream().mapToLong(Sample::requests).max().orElse(0);
    long roundTrips = samples.stream().mapToLong(Sample::roundTrips).max().orElse(0);
    List<String> failed = new ArrayList<>();
    if (requests > MAX_REQUESTS) {
      failed.add("requests");
    }
    if (roundTrips > MAX_ROUND_TRIPS) {
      failed.add("round trips");
    }
    if (median > MAX_WALL.toMillis()) {
      failed.add("wall");
    }
    System.out.printf("| %s | %s | %.0f | %.0f | %.0f | %s (%s) | %s | %s | %s |%n", form, which, median,
        Arrays.stream(wall).min().orElse(0), Arrays.stream(wall).max().orElse(0),
        range(samples, Sample::requests), range(samples, Sample::served), range(samples, Sample::roundTrips),
        range(samples, Sample::localCommands), failed.isEmpty() ? "PASS" : "FAIL (" + String.join(", ", failed) + ")");
  }

  /** {@code 7}, or {@code 7-9} when the samples differ. */
  private static String range(List<Sample> samples, java.util.function.ToLongFunction<Sample> f) {
    long min = samples.stream().mapToLong(f).min().orElse(0);
    long max = samples.stream().mapToLong(f).max().orElse(0);
    return min == max ? String.valueOf(min) : min + "-" + max;
  }

  private static String describe(Map<String, Integer> calls) {
    List<String> parts = new ArrayList<>();
    calls.forEach((call, n) -> parts.add(n == 1 ? call : n + "x " + call));
    return String.join(", ", parts);
  }

  /** Stops and deletes the demo's guest (found by its tag), waiting for both. */
  private static void tearDown(ProxmoxClient pve) {
    try {
      String tag = "pvedeploy-" + DemoStack.APP;
      for (ClusterResource r : pve.cluster().resources(ClusterResource.Type.VM)) {
        if (r.tags() == null || !List.of(r.tags().split("[;, ]+")).contains(tag)) {
          continue;
        }
        Lxc lxc = pve.nodes().node(r.node()).lxc(r.vmid());
        if ("running".equals(r.status())) {
          lxc.status().stop().awaitSuccess(WAIT);
        }
        lxc.delete(GuestDeletion.purgeAll()).awaitSuccess(WAIT);
        System.out.println("[teardown] deleted CT " + r.vmid());
      }
    } catch (Exception e) {
      // Closing the sandbox next stops every guest and removes its bridge either way.
      System.err.println("[teardown] deleting the demo guest failed: " + e);
    }
  }

  /** Counts the client's requests, the time spent in them, and what they were. */
  static final class ApiMeter implements Interceptor {
    final AtomicLong requests = new AtomicLong();
    final AtomicLong nanos = new AtomicLong();
    private final Map<String, Integer> calls = new TreeMap<>();

    @Override
    public Response intercept(Chain chain) throws java.io.IOException {
      requests.incrementAndGet();
      synchronized (calls) {
        calls.merge(chain.request().method() + " " + chain.request().url().encodedPath()
            .replaceFirst("^/api2/json", ""), 1, Integer::sum);
      }
      long started = System.nanoTime();
      try {
        return chain.proceed(chain.request());
      } finally {
        nanos.addAndGet(System.nanoTime() - started);
      }
    }

    /** The calls since the last take, and forgets them. */
    Map<String, Integer> takeCalls() {
      synchronized (calls) {
        Map<String, Integer> taken = new TreeMap<>(calls);
        calls.clear();
        return taken;
      }
    }
  }

  /** The local Docker's shell, counting the commands the deployer runs on it and their time. */
  static final class CountingShell implements GuestShell {
    final AtomicLong commands = new AtomicLong();
    final AtomicLong nanos = new AtomicLong();
    private final GuestShell delegate;

    CountingShell(GuestShell delegate) {
      this.delegate = delegate;
    }

    @Override
    public String target() {
      return delegate.target();
    }

    @Override
    public int exec(Exec exec, OutputStream stdout, OutputStream stderr) throws GuestShellException {
      commands.incrementAndGet();
      long started = System.nanoTime();
      try {
        return delegate.exec(exec, stdout, stderr);
      } finally {
        nanos.addAndGet(System.nanoTime() - started);
      }
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
