package io.pvedeploy.examples;

import io.pvedeploy.deploy.AgentGuestShell;
import io.pvedeploy.deploy.DeployException;
import io.pvedeploy.deploy.Deployer;
import io.pvedeploy.deploy.DeploymentResult;
import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.GuestKind;
import io.pvedeploy.deploy.LockHolder;
import io.pvedeploy.deploy.LxcGuestShell;
import io.pvedeploy.deploy.Plan;
import io.pvedeploy.deploy.SpecException;
import io.pvedeploy.deploy.Target;
import io.pvedeploy.docker.DockerEngine;
import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.docker.ServiceState;
import io.pvedeploy.proxmox.ClusterResource;
import io.pvedeploy.proxmox.GuestDeletion;
import io.pvedeploy.proxmox.GuestPower;
import io.pvedeploy.proxmox.Node;
import io.pvedeploy.proxmox.NodeShell;
import io.pvedeploy.proxmox.NotFoundException;
import io.pvedeploy.proxmox.ProxmoxClient;
import io.pvedeploy.proxmox.ProxmoxException;
import io.pvedeploy.secrets.AgeIdentity;
import io.pvedeploy.secrets.SecretStore;
import io.pvedeploy.secrets.SecretsException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;

/**
 * The README's first command: deploys the demo stack (PostgreSQL, Redis, a backend, an nginx
 * frontend) into an unprivileged LXC guest with a static address on the embedded sandbox, the
 * safe way: images built here and shipped layer by layer, the database password generated once
 * into an age-encrypted store and handed over as a file.
 *
 * <pre>
 * pvedeploy-demo [apply]     plan, print the plan, apply it live, print the URL and a curl of it
 * pvedeploy-demo plan        print what apply would change (exit 0; "No changes." when none)
 * pvedeploy-demo status      the sandbox, the guest and the services' health
 * pvedeploy-demo lock [MSG]  take the deploy lock (applies are refused), or show who holds it
 * pvedeploy-demo unlock      release the deploy lock
 * pvedeploy-demo down        stop the sandbox (guests stop; disks and state stay)
 * pvedeploy-demo destroy     delete the guest, stop the sandbox, remove its state
 * options: --guest lxc|vm, --state-dir DIR, --backend-version N
 * </pre>
 *
 * <p>Run it again and it prints {@code No changes.}: the sandbox runs in the background between
 * runs ({@link DemoSandbox}), so the stack keeps answering at {@link DemoStack#url()}.
 */
@Command(name = "pvedeploy-demo", mixinStandardHelpOptions = true, version = "pvedeploy demo 0.1",
    description = "Deploys the pvedeploy demo stack onto the embedded Proxmox VE sandbox.")
public final class Demo implements Callable<Integer> {
  static final int EXIT_FAILED = 1;

  @Option(names = "--state-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
      description = "where the demo keeps its sandbox, secrets and bundle (default: ${DEFAULT-VALUE})")
  Path stateDirectory = DemoState.DEFAULT_DIRECTORY;

  @Option(names = "--guest", scope = ScopeType.INHERIT, paramLabel = "lxc|vm",
      description = "the kind of guest: an LXC container (default) or a VM through its guest agent")
  String guest = "lxc";

  @Option(names = "--backend-version", scope = ScopeType.INHERIT, paramLabel = "N",
      description = "the version the backend reports (change it to see a one-service update; default 1)")
  int backendVersion = 1;

  PrintStream out = System.out;
  boolean live = DemoProgress.terminalCanDrawBars();

  public static void main(String[] args) {
    // The demo shows its own progress; the libraries' INFO lines would interleave with it.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    System.exit(run(System.out, System.err, DemoProgress.terminalCanDrawBars(), args));
  }

  /** Runs the demo's command line; returns the exit code. */
  static int run(PrintStream out, PrintStream err, boolean live, String... args) {
    Demo demo = new Demo();
    demo.out = out;
    demo.live = live;
    CommandLine cl = new CommandLine(demo);
    cl.setOut(new java.io.PrintWriter(out, true));
    cl.setErr(new java.io.PrintWriter(err, true));
    cl.setExecutionExceptionHandler((e, line, parsed) -> {
      // What went wrong, what was expected and what to try are in the message; no stack trace.
      err.println("pvedeploy-demo: " + e.getMessage());
      if (e.getCause() != null && !(e instanceof DeployException) && System.getenv("PVEDEPLOY_DEBUG") != null) {
        e.printStackTrace(err);
      }
      return EXIT_FAILED;
    });
    return cl.execute(args);
  }

  /** No subcommand: apply. */
  @Override
  public Integer call() throws Exception {
    return apply();
  }

  // ------------------------------------------------------------------ commands

  // Each subcommand is a method (picocli adds them): the inherited options are this object's fields.

  @Command(name = "plan", description = "Prints what apply would change; changes nothing.")
  int plan() throws Exception {
    try (Session s = session(true)) {
      Plan plan = s.deployer.plan(s.spec);
      out.print(plan.render());
      return 0;
    }
  }

  @Command(name = "apply", description = "Plans, prints the plan and applies it (the default).")
  int apply() throws Exception {
    try (Session s = session(true)) {
      Plan plan = s.deployer.plan(s.spec);
      out.print(plan.render());
      if (!plan.hasChanges()) {
        out.println();
        showSite();
        return 0;
      }
      out.println();
      out.println("Applying " + plan.steps().stream().filter(st -> !(st instanceof io.pvedeploy.deploy.PlanStep.NoOp)).count()
          + " step(s):");
      DemoProgress progress = new DemoProgress(out, live);
      DeploymentResult result;
      try {
        result = s.deployer.apply(s.spec, plan, progress);
      } finally {
        progress.closeBar();
      }
      out.printf("%nApplied in %s: release %s at %s%n", DemoProgress.seconds(result.took()), result.releaseId(),
          result.guestAddress().orElse("(address unknown)"));
      for (ServiceState service : result.services()) {
        out.println("  " + DemoProgress.describe(service));
      }
      out.println();
      showSite();
      return 0;
    }
  }

  @Command(name = "status", description = "Shows the sandbox, the guest and the services.")
  int status() throws Exception {
    DemoState state = DemoState.open(stateDirectory);
    DemoSandbox sandbox = new DemoSandbox(state);
    Optional<DemoSandbox.Connection> c = sandbox.running();
    if (c.isEmpty()) {
      out.println("sandbox: not running (pvedeploy-demo apply starts it); state in " + state.directory());
      return 0;
    }
    out.println("sandbox: running at " + c.get().url() + "; state in " + state.directory());
    try (ProxmoxClient pve = c.get().client(); NodeShell node = c.get().nodeShell()) {
      Optional<ClusterResource> guest = demoGuest(pve);
      if (guest.isEmpty()) {
        out.println("guest:   none yet (pvedeploy-demo apply creates it)");
        return 0;
      }
      ClusterResource g = guest.get();
      out.printf("guest:   %s %d (%s) on %s, %s%n", g.type(), g.vmid(), g.name(), g.node(), g.status());
      if (g.status().equals("running")) {
        GuestShell shell = g.type().equals("qemu") ? AgentGuestShell.of(pve.nodes().node(g.node()).qemu(g.vmid()))
            : LxcGuestShell.of(node, g.vmid());
        for (ServiceState service : DockerEngine.on(shell).project(DemoStack.APP).ps()) {
          out.println("  " + DemoProgress.describe(service));
        }
        showSite();
      }
      return 0;
    }
  }

  @Command(name = "lock", description = "Takes the app's deploy lock with MESSAGE (applies that would change"
      + " anything are refused until unlock), or, without one, shows who holds it.")
  int lock(@Parameters(arity = "0..1", paramLabel = "MESSAGE", description = "why (shown to whoever is refused)")
      String message) throws Exception {
    try (Session s = session(false)) {
      if (message == null) {
        out.println(s.deployer.lockHolder(s.spec).map(h -> "locked by " + h.describe(Instant.now()))
            .orElse("not locked"));
        return 0;
      }
      LockHolder holder = s.deployer.lock(s.spec, message);
      out.println("locked by " + holder.describe(Instant.now()) + "; pvedeploy-demo unlock releases it");
      return 0;
    }
  }

  @Command(name = "unlock", description = "Releases the app's deploy lock, whoever holds it (also after an"
      + " apply that died).")
  int unlock() throws Exception {
    try (Session s = session(false)) {
      out.println(s.deployer.unlock(s.spec).map(h -> "released the lock of " + h.describe(Instant.now()))
          .orElse("not locked"));
      return 0;
    }
  }

  @Command(name = "down", description = "Stops the sandbox; the guest's disk and all state stay.")
  int down() throws Exception {
    DemoSandbox sandbox = new DemoSandbox(DemoState.open(stateDirectory));
    out.println(sandbox.stop() ? "sandbox stopped; its guests' disks and the demo's state stay (apply starts it again)"
        : "sandbox was not running");
    return 0;
  }

  @Command(name = "destroy", description = "Deletes the demo's guest, stops the sandbox and removes its"
      + " state (the image cache, age identity and secrets stay).")
  int destroy() throws Exception {
    DemoState state = DemoState.open(stateDirectory);
    DemoSandbox sandbox = new DemoSandbox(state);
    Optional<DemoSandbox.Connection> c = sandbox.running();
    if (c.isPresent()) {
      try (ProxmoxClient pve = c.get().client()) {
        Optional<ClusterResource> guest = demoGuest(pve);
        if (guest.isPresent()) {
          ClusterResource g = guest.get();
          Node node = pve.nodes().node(g.node());
          boolean vm = g.type().equals("qemu");
          GuestPower power = vm ? node.qemu(g.vmid()).status() : node.lxc(g.vmid()).status();
          if (g.status().equals("running")) {
            power.stop().awaitSuccess(Duration.ofMinutes(2));
          }
          (vm ? node.qemu(g.vmid()).delete(GuestDeletion.purgeAll()) : node.lxc(g.vmid()).delete(GuestDeletion.purgeAll()))
              .awaitSuccess(Duration.ofMinutes(2));
          out.println("deleted " + (vm ? "VM " : "CT ") + g.vmid());
        }
      } catch (NotFoundException e) {
        // gone already
      }
      sandbox.stop();
      out.println("sandbox stopped");
    }
    new ProcessBuilder("rm", "-rf", "--one-file-system", state.sandboxState().toString()).inheritIO().start().waitFor();
    Files.deleteIfExists(state.spec());
    out.println("removed the sandbox's state in " + state.sandboxState() + " (kept: the image cache, "
        + state.identity().getFileName() + " and the secret store)");
    return 0;
  }

  // ------------------------------------------------------------------ the parts

  /** What a plan or an apply needs, closed together. */
  private final class Session implements AutoCloseable {
    final ProxmoxClient pve;
    final NodeShell node;
    final DeploymentSpec spec;
    final Deployer deployer;

    Session(ProxmoxClient pve, NodeShell node, DeploymentSpec spec, Deployer deployer) {
      this.pve = pve;
      this.node = node;
      this.spec = spec;
      this.deployer = deployer;
    }

    @Override
    public void close() {
      node.close();
      pve.close();
    }
  }

  private Session session(boolean buildImages) throws Exception {
    GuestKind kind = switch (guest) {
      case "lxc" -> GuestKind.LXC;
      case "vm" -> GuestKind.VM;
      default -> throw new CommandLine.ParameterException(new CommandLine(this),
          "--guest is lxc or vm, not '" + guest + "'");
    };
    DemoPrerequisites.check();
    DemoState state = DemoState.open(stateDirectory);
    DemoImages.Refs refs = buildImages ? DemoImages.create().ensureBuilt(out::println) : DemoImages.references();
    DemoStack.writeBundle(state.bundle(), refs, backendVersion);
    Files.writeString(state.spec(), DemoStack.specYaml(refs, kind));
    DeploymentSpec spec;
    try {
      spec = DeploymentSpec.fromYaml(state.spec());
    } catch (SpecException e) {
      throw new DeployException(e.getMessage(), e);
    }
    DemoSandbox.Connection c = new DemoSandbox(state).ensureRunning(m -> out.println("[sandbox] " + m));
    SecretStore store = secretStore(state);
    ProxmoxClient pve = c.client();
    NodeShell node = c.nodeShell();
    return new Session(pve, node, spec, Deployer.to(Target.of(pve).via(node)).secrets(store));
  }

  /** The store, with the demo's age identity (made on first use, 0600, never printed). */
  private static SecretStore secretStore(DemoState state) throws SecretsException, IOException {
    AgeIdentity identity;
    if (Files.exists(state.identity())) {
      identity = AgeIdentity.read(state.identity());
    } else {
      identity = AgeIdentity.generate();
      identity.write(state.identity());
    }
    // The store keeps the identity for as long as it is open (it decrypts each value on demand).
    return SecretStore.builder(state.secrets()).identity(identity).actor("pvedeploy-demo").openOrCreate();
  }

  private static Optional<ClusterResource> demoGuest(ProxmoxClient pve) throws ProxmoxException {
    String tag = "pvedeploy-" + DemoStack.APP;
    List<ClusterResource> guests = pve.cluster().resources(ClusterResource.Type.VM);
    return guests.stream().filter(r -> r.tags() != null && List.of(r.tags().split("[;, ]+")).contains(tag))
        .findFirst();
  }

  /** Prints the URL and what {@code curl} of the API shows, like a user would check it. */
  private void showSite() {
    String api = DemoStack.url() + "api/";
    out.println("The demo answers at " + DemoStack.url() + " (from this machine).");
    out.println("$ curl -s " + api);
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api)).timeout(Duration.ofSeconds(10))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
      out.println(r.body().strip());
      if (r.statusCode() != 200) {
        out.println("(HTTP " + r.statusCode() + ")");
      }
    } catch (IOException e) {
      out.println("(no answer: " + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
