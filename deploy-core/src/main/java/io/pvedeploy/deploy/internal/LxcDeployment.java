package io.pvedeploy.deploy.internal;

import io.pvedeploy.deploy.Addressing;
import io.pvedeploy.deploy.ApplyEvent;
import io.pvedeploy.deploy.Change;
import io.pvedeploy.deploy.DeployException;
import io.pvedeploy.deploy.DeploymentResult;
import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.GuestKind;
import io.pvedeploy.deploy.GuestSpec;
import io.pvedeploy.deploy.GuestTemplate;
import io.pvedeploy.deploy.ImageSpec;
import io.pvedeploy.deploy.LxcGuestShell;
import io.pvedeploy.deploy.Placement;
import io.pvedeploy.deploy.Plan;
import io.pvedeploy.deploy.PlanStep;
import io.pvedeploy.deploy.SecretSpec;
import io.pvedeploy.deploy.Target;
import io.pvedeploy.docker.ComposeBundle;
import io.pvedeploy.docker.ComposeProject;
import io.pvedeploy.docker.DockerEngine;
import io.pvedeploy.docker.DockerGuestException;
import io.pvedeploy.docker.Exec;
import io.pvedeploy.docker.ExecResult;
import io.pvedeploy.docker.FileOptions;
import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.docker.ImageTransfer;
import io.pvedeploy.docker.Release;
import io.pvedeploy.docker.ServiceState;
import io.pvedeploy.proxmox.ClusterResource;
import io.pvedeploy.proxmox.ConfigUpdate;
import io.pvedeploy.proxmox.GuestDeletion;
import io.pvedeploy.proxmox.GuestInterface;
import io.pvedeploy.proxmox.Lxc;
import io.pvedeploy.proxmox.LxcConfig;
import io.pvedeploy.proxmox.LxcFeatures;
import io.pvedeploy.proxmox.LxcSpec;
import io.pvedeploy.proxmox.MountPoint;
import io.pvedeploy.proxmox.NodeShell;
import io.pvedeploy.proxmox.ProxmoxClient;
import io.pvedeploy.proxmox.ProxmoxException;
import io.pvedeploy.secrets.Secret;
import io.pvedeploy.secrets.SecretFile;
import io.pvedeploy.secrets.SecretFiles;
import io.pvedeploy.secrets.SecretInfo;
import io.pvedeploy.secrets.SecretStore;
import io.pvedeploy.secrets.SecretsException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans and applies a spec whose guest is an LXC container: observes (one {@code
 * /cluster/resources}, one config read, one shell round trip into a running guest), diffs
 * ({@link Differ}) and carries the steps out.
 */
public final class LxcDeployment {
  private static final Logger LOG = LoggerFactory.getLogger(LxcDeployment.class);
  static final Duration TASK_WAIT = Duration.ofMinutes(5);
  static final Duration SURVEY_TIMEOUT = Duration.ofMinutes(1);
  static final Duration EXEC_READY = Duration.ofMinutes(2);
  public static final String DEPLOYED_FILE = "deployed.json";

  private final Target target;
  private final SecretStore store;
  private final GuestShell localDocker;

  public LxcDeployment(Target target, SecretStore store, GuestShell localDocker) {
    this.target = target;
    this.store = store;
    this.localDocker = localDocker;
  }

  /** What a plan was made from, kept for the apply that follows it. */
  public record Observation(Observed observed, Desired desired, ComposeBundle bundle) {}

  // ------------------------------------------------------------------ observe

  /** Checks the spec against the target before anything is read or changed. */
  public static void precheck(DeploymentSpec spec, Target target) throws DeployException {
    if (spec.guest().kind() != GuestKind.LXC) {
      throw new DeployException("guest.kind: vm is not supported by this version of the deployer yet;"
          + " deploy into an LXC container (guest.kind: lxc). Nothing was changed", null);
    }
    if (target.node().isEmpty()) {
      LxcFeatures features = Differ.features(spec);
      throw new DeployException("the guest of " + spec.app() + " is an LXC container with features "
          + features.render() + ", and the Target has no NodeShell. PVE lets only root@pam set "
          + (features.requiresRootPam() ? "keyctl=1 (which Docker needs)" : "these features")
          + " and refuses it to API tokens, and pvedeploy reaches into a container with pct exec on the"
          + " node. Nothing was changed. Give the Target the node's shell"
          + " (Target.of(client).via(NodeShell.builder().host(…).build())), or log in with a root@pam"
          + " ticket instead of an API token (then the API may set keyctl; pct exec still needs the"
          + " NodeShell)", null);
    }
  }

  public Observation observe(DeploymentSpec spec) throws DeployException {
    precheck(spec, target);
    NodeShell node = target.node().orElseThrow();
    ProxmoxClient pve = target.client();
    // Local side first: a bundle or image problem is found before the target is asked anything.
    ComposeBundle bundle;
    try {
      bundle = ComposeBundle.fromDirectory(spec.compose().bundleDirectory());
    } catch (DockerGuestException e) {
      throw new DeployException(e.getMessage(), e);
    }
    BundleChecks.check(spec, bundle, store); // secrets the services read, memory, the store: one SpecException
    Map<String, String> localIds = new LinkedHashMap<>();
    if (!spec.compose().images().isEmpty()) {
      DockerEngine local = DockerEngine.on(localDocker);
      for (ImageSpec image : spec.compose().images()) {
        try {
          Optional<String> id = local.imageId(image.reference());
          if (id.isEmpty()) {
            throw new DeployException("image " + image.reference() + " (compose.images) is not in the local"
                + " Docker (" + localDocker.target() + "); build or pull it there first (docker build -t "
                + image.reference() + " …). Nothing was changed", null);
          }
          localIds.put(image.reference(), id.get());
        } catch (DockerGuestException e) {
          throw new DeployException("cannot read image " + image.reference() + " from the local Docker: "
              + e.getMessage(), e);
        }
      }
    }
    Map<String, Integer> versions = secretVersions(spec);
    String appDir = appDirectory(spec);
    String releaseId = SecretsOverride.apply(bundle, spec, appDir, versions).id();
    String daemonSha = Differ.sha256(spec.docker().daemon().toJson().getBytes(StandardCharsets.UTF_8));
    Desired desired = new Desired(bundle.id(), releaseId, localIds, versions, daemonSha);

    try {
      List<ClusterResource> vms = pve.cluster().resources(ClusterResource.Type.VM);
      Optional<ClusterResource> found = find(spec, vms);
      if (found.isEmpty()) {
        int vmid = spec.guest().vmid().isPresent() ? spec.guest().vmid().getAsInt() : pve.cluster().nextId();
        String nodeName = placement(spec.guest().placement(), pve);
        return new Observation(new Observed(vmid, nodeName, Optional.empty(), Optional.empty()), desired, bundle);
      }
      ClusterResource r = found.get();
      LxcConfig config = pve.nodes().node(r.node()).lxc(r.vmid()).config();
      Observed.GuestState state = new Observed.GuestState(r.status(), tags(r.tags()), config);
      Optional<Survey> survey = Optional.empty();
      if (state.running()) {
        survey = Optional.of(survey(LxcGuestShell.of(node, r.vmid()), appDir, spec));
      }
      return new Observation(new Observed(r.vmid(), r.node(), Optional.of(state), survey), desired, bundle);
    } catch (ProxmoxException e) {
      throw new DeployException("observing the guest of " + spec.app() + " failed: " + e.getMessage(), e);
    }
  }

  private Map<String, Integer> secretVersions(DeploymentSpec spec) throws DeployException {
    Map<String, Integer> versions = new TreeMap<>();
    if (spec.secrets().isEmpty()) {
      return versions;
    }
    if (store == null) {
      throw new IllegalStateException("the spec of " + spec.app() + " declares secrets; give the deployer"
          + " the SecretStore that holds them (Deployer.to(target).secrets(store))");
    }
    try {
      spec.validateAgainst(store.names());
      for (SecretSpec s : spec.secrets()) {
        store.info(s.name()).ifPresent(i -> versions.put(s.name(), i.version()));
      }
    } catch (SecretsException e) {
      throw new DeployException("reading the secret store " + store.file() + " failed: " + e.getMessage(), e);
    }
    return versions;
  }

  private static Optional<ClusterResource> find(DeploymentSpec spec, List<ClusterResource> vms)
      throws DeployException {
    String tag = Differ.tag(spec.app());
    if (spec.guest().vmid().isPresent()) {
      int vmid = spec.guest().vmid().getAsInt();
      Optional<ClusterResource> r = vms.stream().filter(v -> v.vmid() == vmid).findFirst();
      if (r.isPresent() && !r.get().type().equals("lxc")) {
        throw new DeployException("guest.vmid " + vmid + " is a " + r.get().type() + " guest ("
            + r.get().name() + "), not an LXC container; choose a free vmid. Nothing was changed", null);
      }
      if (r.isPresent() && !tags(r.get().tags()).contains(tag)) {
        throw new DeployException("guest.vmid " + vmid + " exists (" + r.get().name() + " on "
            + r.get().node() + ") but is not tagged " + tag + ", so it is not this deployment's; choose a"
            + " free vmid, or adopt it by adding the tag (pct set " + vmid + " --tags " + tag + ")."
            + " Nothing was changed", null);
      }
      return r;
    }
    List<ClusterResource> tagged = vms.stream()
        .filter(v -> v.type().equals("lxc") && tags(v.tags()).contains(tag)).toList();
    if (tagged.size() > 1) {
      throw new DeployException("more than one container is tagged " + tag + " ("
          + tagged.stream().map(v -> String.valueOf(v.vmid())).collect(Collectors.joining(", "))
          + "); set guest.vmid to say which one is this deployment's. Nothing was changed", null);
    }
    return tagged.stream().findFirst();
  }

  private static String placement(Placement placement, ProxmoxClient pve) throws ProxmoxException, DeployException {
    if (placement instanceof Placement.OnNode on) {
      return on.node();
    }
    return pve.cluster().resources(ClusterResource.Type.NODE).stream()
        .filter(n -> n.type().equals("node") && n.status().equals("online"))
        .max(Comparator.comparingLong(n -> n.maxMemory() - n.memory()))
        .map(ClusterResource::node)
        .orElseThrow(() -> new DeployException("no online node to place the guest on", null));
  }

  static Set<String> tags(String tags) {
    return tags == null || tags.isBlank() ? Set.of()
        : Arrays.stream(tags.split("[;, ]+")).filter(t -> !t.isEmpty()).collect(Collectors.toSet());
  }

  static String appDirectory(DeploymentSpec spec) {
    return ComposeProject.DEFAULT_BASE + "/" + spec.app();
  }

  private static Survey survey(GuestShell shell, String appDir, DeploymentSpec spec) throws DeployException {
    List<String> refs = spec.compose().images().stream().map(ImageSpec::reference).toList();
    try {
      ExecResult r = shell.run(Exec.builder(Survey.argv(appDir, refs)).timeout(SURVEY_TIMEOUT).build());
      if (!r.succeeded()) {
        throw new DeployException("surveying " + shell.target() + " failed (exit " + r.exitCode() + "): "
            + r.outputTail().strip(), null);
      }
      return Survey.parse(r.stdoutText());
    } catch (DockerGuestException e) {
      throw new DeployException("surveying " + shell.target() + " failed: " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------ apply

  /** Carries out {@code plan}, made from {@code observation}; throws on the first failed step. */
  public DeploymentResult apply(DeploymentSpec spec, Plan plan, Observation observation,
      Consumer<ApplyEvent> listener, long startedNanos) throws DeployException {
    Observed observed = observation.observed();
    NodeShell node = target.node().orElseThrow();
    int vmid = observed.vmid();
    LxcGuestShell shell = LxcGuestShell.of(node, vmid);
    List<PlanStep> changing = plan.steps().stream().filter(s -> !(s instanceof PlanStep.NoOp)).toList();
    String releaseId = observed.survey().flatMap(Survey::deployed).map(DeployedState::releaseId).orElse(null);
    List<ServiceState> services = List.of();
    int index = 0;
    for (PlanStep step : changing) {
      index++;
      listener.accept(new ApplyEvent.StepStarted(step, index, changing.size()));
      long t0 = System.nanoTime();
      try {
        String address = step.address();
        if (address.startsWith("guest.")) {
          guest(spec, step, observed, shell, listener);
        } else if (address.equals("docker.engine")) {
          listener.accept(new ApplyEvent.StepProgress(step, "installing and configuring Docker"));
          DockerEngine.on(shell).setup(spec.docker().daemon());
        } else if (address.startsWith("secret[")) {
          SecretSpec s = spec.secret(address.substring(7, address.length() - 1)).orElseThrow();
          // Generate-once: getOrGenerate returns the stored value whenever there is one.
          Secret value = store.getOrGenerate(s.name(), s.toGenerator().orElseThrow(() -> new DeployException(
              "secret " + s.name() + " is generate: never and not in the store; put it there", null)));
          value.destroy();
        } else if (address.startsWith("image[")) {
          String ref = address.substring(6, address.length() - 1);
          ImageTransfer.from(localDocker).to(shell)
              .transfer(ref, e -> listener.accept(new ApplyEvent.ImageProgress(step, ref, e)));
        } else if (address.equals("release")) {
          Released r = release(spec, observation, shell, step, listener);
          releaseId = r.releaseId;
          services = r.services;
        } else {
          throw new IllegalStateException("no applier for step " + address);
        }
      } catch (DeployException e) {
        listener.accept(new ApplyEvent.StepFailed(step, e));
        throw e;
      } catch (DockerGuestException | ProxmoxException | SecretsException | RuntimeException e) {
        DeployException failure = new DeployException("step " + step.address() + " of " + spec.app()
            + " failed: " + e.getMessage() + (index > 1 ? " (steps before it were carried out)" : ""), e);
        listener.accept(new ApplyEvent.StepFailed(step, failure));
        throw failure;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        DeployException failure = new DeployException("interrupted during step " + step.address(), e);
        listener.accept(new ApplyEvent.StepFailed(step, failure));
        throw failure;
      }
      listener.accept(new ApplyEvent.StepFinished(step, Duration.ofNanos(System.nanoTime() - t0)));
    }
    return new DeploymentResult(plan, releaseId, services, address(spec, observed),
        Duration.ofNanos(System.nanoTime() - startedNanos));
  }

  private Optional<String> address(DeploymentSpec spec, Observed observed) {
    if (spec.guest().network().addressing() instanceof Addressing.Static s) {
      return Optional.of(s.address());
    }
    try {
      List<GuestInterface> ifs = target.client().nodes().node(observed.node()).lxc(observed.vmid()).interfaces();
      return ifs.stream().filter(i -> i.name().equals(Differ.GUEST_NETWORK)).findFirst()
          .flatMap(GuestInterface::firstIpv4).map(a -> a.contains("/") ? a.substring(0, a.indexOf('/')) : a);
    } catch (ProxmoxException e) {
      LOG.warn("could not read the address of CT {}: {}", observed.vmid(), e.getMessage());
      return Optional.empty();
    }
  }

  private void guest(DeploymentSpec spec, PlanStep step, Observed observed, LxcGuestShell shell,
      Consumer<ApplyEvent> listener) throws ProxmoxException, DeployException, InterruptedException {
    NodeShell node = target.node().orElseThrow();
    Lxc lxc = target.client().nodes().node(observed.node()).lxc(observed.vmid());
    LxcFeatures features = Differ.features(spec);
    if (step instanceof PlanStep.Replace) {
      if (observed.guest().map(Observed.GuestState::running).orElse(false)) {
        listener.accept(new ApplyEvent.StepProgress(step, "stopping CT " + observed.vmid()));
        lxc.status().stop().awaitSuccess(TASK_WAIT);
      }
      listener.accept(new ApplyEvent.StepProgress(step, "destroying CT " + observed.vmid()));
      lxc.delete(GuestDeletion.purgeAll()).awaitSuccess(TASK_WAIT);
    }
    boolean start;
    if (step instanceof PlanStep.Create || step instanceof PlanStep.Replace) {
      GuestSpec g = spec.guest();
      LxcSpec.Builder b = LxcSpec.builder(observed.vmid(), ((GuestTemplate.OsTemplate) g.template()).volumeId())
          .hostname(spec.hostname()).memory(g.memoryMb()).cores(g.cores())
          .rootfs(MountPoint.newRootfs(g.storage(), g.diskGb()))
          .network(0, g.network().toLxcNetwork(Differ.GUEST_NETWORK))
          // API tokens may set nesting only; the rest goes through pct set as root below.
          .features(LxcFeatures.none().withNesting(features.nesting()))
          .tags(List.of(Differ.tag(spec.app())))
          .onBoot(g.startOnBoot());
      g.data().ifPresent(d -> b.mountPoint(0, MountPoint.newMountPoint(g.storage(), d.sizeGb(), d.mountPath())));
      g.security().privilegedReason().ifPresent(b::privileged);
      listener.accept(new ApplyEvent.StepProgress(step, "creating CT " + observed.vmid() + " on " + observed.node()));
      target.client().nodes().node(observed.node()).lxc().create(b.build()).awaitSuccess(TASK_WAIT);
      if (features.requiresRootPam()) {
        listener.accept(new ApplyEvent.StepProgress(step, "setting features " + features.render() + " (pct set)"));
        node.pctSet(observed.vmid(), features);
      }
      start = true;
    } else {
      Observed.GuestState now = observed.guest().orElseThrow();
      ConfigUpdate.Builder u = ConfigUpdate.builder().digest(now.config().digest());
      boolean featuresChange = false;
      for (Change c : step.changes()) {
        switch (c.attribute()) {
          case "hostname" -> u.set("hostname", spec.hostname());
          case "cores" -> u.cores(spec.guest().cores());
          case "memory" -> u.memory(spec.guest().memoryMb());
          case "net0" -> u.network(0, spec.guest().network().toLxcNetwork(Differ.GUEST_NETWORK));
          case "tags" -> {
            List<String> tags = new ArrayList<>(now.tags());
            tags.add(Differ.tag(spec.app()));
            u.tags(tags.stream().sorted().toList());
          }
          case "onboot" -> u.onBoot(spec.guest().startOnBoot());
          case "features" -> featuresChange = true;
          default -> { }
        }
      }
      if (featuresChange && !features.requiresRootPam()) {
        u.features(features);
      }
      ConfigUpdate update = u.build();
      if (!update.isEmpty()) {
        listener.accept(new ApplyEvent.StepProgress(step, "updating CT " + observed.vmid() + ": " + update));
        lxc.updateConfig(update);
      }
      if (featuresChange && features.requiresRootPam()) {
        listener.accept(new ApplyEvent.StepProgress(step, "setting features " + features.render() + " (pct set)"));
        node.pctSet(observed.vmid(), features);
      }
      start = !now.running();
    }
    if (start) {
      listener.accept(new ApplyEvent.StepProgress(step, "starting CT " + observed.vmid()));
      lxc.status().start().awaitSuccess(TASK_WAIT);
      awaitExec(shell, step, listener);
    }
  }

  private static void awaitExec(GuestShell shell, PlanStep step, Consumer<ApplyEvent> listener)
      throws DeployException, InterruptedException {
    long deadline = System.nanoTime() + EXEC_READY.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        ExecResult r = shell.run(Exec.builder("true").timeout(Duration.ofSeconds(20)).build());
        if (r.succeeded()) {
          return;
        }
        last = r.outputTail().strip();
      } catch (DockerGuestException e) {
        last = e.getMessage();
      }
      Thread.sleep(1000);
    }
    throw new DeployException(shell.target() + " did not run a command within " + EXEC_READY
        + " of its start (last: " + last + ")", null);
  }

  private record Released(String releaseId, List<ServiceState> services) {}

  private Released release(DeploymentSpec spec, Observation observation, GuestShell shell, PlanStep step,
      Consumer<ApplyEvent> listener) throws DeployException, DockerGuestException, SecretsException {
    String appDir = appDirectory(spec);
    Map<String, Integer> versions = new TreeMap<>();
    List<String> names = spec.secrets().stream().map(SecretSpec::name).toList();
    if (!names.isEmpty()) {
      String dir = SecretsOverride.directory(appDir);
      shell.run(Exec.of("sh", "-c", "mkdir -p -m 0700 -- \"$1\" && chmod 0700 -- \"$1\"", "pvedeploy-secrets", dir))
          .orThrow("making the secrets directory " + dir);
      listener.accept(new ApplyEvent.StepProgress(step, "writing " + names.size() + " secret file(s) (mode 0400)"));
      SecretFiles files = store.files(names.toArray(String[]::new));
      try {
        for (SecretFile f : files.list()) {
          FileOptions options = FileOptions.mode(0400);
          if (f.ownerName().isPresent()) {
            options = options.withOwner(f.ownerName().get(), f.groupName().orElse(null));
          }
          byte[] bytes = f.content().bytes();
          try {
            // Through stdin into a private temp file, renamed into place: never argv or env.
            shell.put(dir + "/" + f.name(), bytes, options);
          } finally {
            Arrays.fill(bytes, (byte) 0);
          }
        }
      } finally {
        files.destroy();
      }
      for (String n : names) {
        store.info(n).map(SecretInfo::version).ifPresent(v -> versions.put(n, v));
      }
    }
    ComposeBundle bundle = SecretsOverride.apply(observation.bundle(), spec, appDir, versions);
    DockerEngine engine = DockerEngine.on(shell);
    ComposeProject project = engine.project(spec.app());
    listener.accept(new ApplyEvent.StepProgress(step, "shipping release " + bundle.id()));
    Release release = project.ship(bundle);
    listener.accept(new ApplyEvent.StepProgress(step, "bringing release " + release.id() + " up; waiting up to "
        + Durations.format(spec.health().deadline()) + " for health"));
    List<ServiceState> services = project.up(release, spec.health().deadline());
    listener.accept(new ApplyEvent.Healthy(services));
    DeployedState state = new DeployedState(release.id(), observation.bundle().id(),
        observation.desired().imageIds(), versions, observation.desired().daemonSha256());
    shell.put(appDir + "/" + DEPLOYED_FILE, state.toJson().getBytes(StandardCharsets.UTF_8), FileOptions.mode(0644));
    project.prune(spec.releasesToKeep());
    return new Released(release.id(), services);
  }
}
