package io.pvedeploy.deploy.internal;

import io.pvedeploy.deploy.Addressing;
import io.pvedeploy.deploy.ApplyEvent;
import io.pvedeploy.deploy.DataVolume;
import io.pvedeploy.deploy.DeployException;
import io.pvedeploy.deploy.DeploymentResult;
import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.GuestKind;
import io.pvedeploy.deploy.ImageSpec;
import io.pvedeploy.deploy.Placement;
import io.pvedeploy.deploy.Plan;
import io.pvedeploy.deploy.PlanStep;
import io.pvedeploy.deploy.ReleaseRolledBackException;
import io.pvedeploy.deploy.SecretSpec;
import io.pvedeploy.deploy.StalePlanException;
import io.pvedeploy.deploy.Target;
import io.pvedeploy.docker.CommandFailedException;
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
import io.pvedeploy.docker.ServicesUnhealthyException;
import io.pvedeploy.proxmox.ClusterResource;
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
 * Plans and applies a spec: observes (one {@code /cluster/resources}, one config read, one shell
 * round trip into a running guest), diffs ({@link Differ}) and carries the steps out. What is
 * inside the guest (Docker, secrets, images, the release, {@code deployed.json}) is the same for
 * every kind of guest; the guest itself, and the shell into it, are its {@link GuestDriver}'s.
 */
public final class Deployment {
  private static final Logger LOG = LoggerFactory.getLogger(Deployment.class);
  static final Duration TASK_WAIT = Duration.ofMinutes(5);
  static final Duration SURVEY_TIMEOUT = Duration.ofMinutes(1);
  static final Duration EXEC_READY = Duration.ofMinutes(2);
  public static final String DEPLOYED_FILE = "deployed.json";

  private final Target target;
  private final SecretStore store;
  private final GuestShell localDocker;
  private final GuestDriver driver;

  private Deployment(Target target, SecretStore store, GuestShell localDocker, GuestDriver driver) {
    this.target = target;
    this.store = store;
    this.localDocker = localDocker;
    this.driver = driver;
  }

  /** The deployment of {@code spec}'s kind of guest onto {@code target}. */
  public static Deployment of(DeploymentSpec spec, Target target, SecretStore store, GuestShell localDocker) {
    return new Deployment(target, store, localDocker, GuestDriver.of(spec, target));
  }

  /** What a plan was made from, kept for the apply that follows it. */
  public record Observation(Observed observed, Desired desired, ComposeBundle bundle) {}

  // ------------------------------------------------------------------ observe

  /** Checks the spec against the target before anything is read or changed. */
  public void precheck(DeploymentSpec spec) throws DeployException {
    driver.precheck(spec);
  }

  public Observation observe(DeploymentSpec spec) throws DeployException {
    precheck(spec);
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
      List<String> refs = spec.compose().images().stream().map(ImageSpec::reference).toList();
      try {
        localIds.putAll(DockerEngine.on(localDocker).imageIds(refs));
      } catch (DockerGuestException e) {
        throw new DeployException("cannot read the images " + refs + " from the local Docker: " + e.getMessage(), e);
      }
      for (String ref : refs) {
        if (!localIds.containsKey(ref)) {
          throw new DeployException("image " + ref + " (compose.images) is not in the local Docker ("
              + localDocker.target() + "); build or pull it there first (docker build -t " + ref + " …)."
              + " Nothing was changed", null);
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
        driver.checkCreate(spec, vms);
        int vmid = spec.guest().vmid().isPresent() ? spec.guest().vmid().getAsInt() : pve.cluster().nextId();
        String nodeName = placement(spec.guest().placement(), pve);
        return new Observation(new Observed(vmid, nodeName, Optional.empty(), Optional.empty()), desired, bundle);
      }
      ClusterResource r = found.get();
      Observed.GuestState state = driver.read(r);
      DataVolumes.check(spec, state, r.vmid());
      Optional<Survey> survey = Optional.empty();
      if (state.running()) {
        try (GuestShell shell = shellInto(spec, r.node(), r.vmid())) {
          survey = Optional.of(survey(shell, appDir, spec));
        }
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

  private Optional<ClusterResource> find(DeploymentSpec spec, List<ClusterResource> vms)
      throws DeployException {
    String type = driver.resourceType();
    String tag = Differ.tag(spec.app());
    List<ClusterResource> otherKind = vms.stream()
        .filter(v -> !v.type().equals(type) && !v.template() && tags(v.tags()).contains(tag)).toList();
    if (!otherKind.isEmpty()) {
      // Without this, a switched guest.kind would create a second guest beside the first, with
      // the same static address.
      ClusterResource other = otherKind.get(0);
      throw new DeployException(spec.app() + " runs in " + (other.type().equals("lxc") ? "LXC container " : "VM ")
          + other.vmid() + " on " + other.node() + " (tagged " + tag + "), but guest.kind asks for " + driver.noun()
          + ". Switching kinds means a new guest, and the old one's disks (and data) go with it: destroy guest "
          + other.vmid() + " first, then apply; or keep guest.kind as it was. Nothing was changed", null);
    }
    if (spec.guest().vmid().isPresent()) {
      int vmid = spec.guest().vmid().getAsInt();
      Optional<ClusterResource> r = vms.stream().filter(v -> v.vmid() == vmid).findFirst();
      if (r.isPresent() && !r.get().type().equals(type)) {
        throw new DeployException("guest.vmid " + vmid + " is a " + r.get().type() + " guest ("
            + r.get().name() + "), not " + driver.noun() + " (guest.kind); choose a free vmid. Nothing was"
            + " changed", null);
      }
      if (r.isPresent() && !tags(r.get().tags()).contains(tag)) {
        throw new DeployException("guest.vmid " + vmid + " exists (" + r.get().name() + " on "
            + r.get().node() + ") but is not tagged " + tag + ", so it is not this deployment's; choose a"
            + " free vmid, or adopt it by adding the tag (" + driver.tagCommand(vmid, tag) + ")."
            + " Nothing was changed", null);
      }
      return r;
    }
    List<ClusterResource> tagged = vms.stream()
        .filter(v -> v.type().equals(type) && tags(v.tags()).contains(tag)).toList();
    if (tagged.size() > 1) {
      throw new DeployException("more than one " + (type.equals("lxc") ? "container" : "VM") + " is tagged " + tag + " ("
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

  /** {@code tags} with the app's tag added, sorted as PVE shows them. */
  static List<String> withTag(Set<String> tags, String app) {
    Set<String> all = new java.util.TreeSet<>(tags);
    all.add(Differ.tag(app));
    return List.copyOf(all);
  }

  static String withoutPrefix(String cidr) {
    return cidr.contains("/") ? cidr.substring(0, cidr.indexOf('/')) : cidr;
  }

  static String appDirectory(DeploymentSpec spec) {
    return ComposeProject.DEFAULT_BASE + "/" + spec.app();
  }

  private static Survey survey(GuestShell shell, String appDir, DeploymentSpec spec) throws DeployException {
    List<String> refs = spec.compose().images().stream().map(ImageSpec::reference).toList();
    try {
      // A container's mp0 is PVE's to mount; a VM's data disk is the guest's, so its mount is checked.
      String dataPath = spec.guest().kind() == GuestKind.VM
          ? spec.guest().data().map(DataVolume::mountPath).orElse("") : "";
      ExecResult r = shell.run(Exec.builder(Survey.argv(appDir, dataPath, refs)).timeout(SURVEY_TIMEOUT).build());
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
    GuestShell shell = shellInto(spec, observed.node(), observed.vmid());
    try {
      return carryOut(spec, plan, observation, shell, listener, startedNanos);
    } finally {
      GuestSshAccess.closeQuietly(shell);
    }
  }

  private DeploymentResult carryOut(DeploymentSpec spec, Plan plan, Observation observation, GuestShell shell,
      Consumer<ApplyEvent> listener, long startedNanos) throws DeployException {
    Observed observed = observation.observed();
    List<PlanStep> changing = plan.steps().stream().filter(s -> !(s instanceof PlanStep.NoOp)).toList();
    String releaseId = observed.survey().flatMap(Survey::deployed).map(DeployedState::releaseId).orElse(null);
    List<ServiceState> services = List.of();
    GuestLock lock = new GuestLock(shell, appDirectory(spec), spec.app());
    String lockToken = null;
    int index = 0;
    try {
      for (PlanStep step : changing) {
        index++;
        if (lockToken == null && !step.address().startsWith("guest.")) {
          // Everything inside the guest is done under its deploy lock; the guest itself is guarded
          // by PVE (the config digest, "already exists").
          lockToken = takeLock(lock, spec, changing.size(), observed);
        }
        listener.accept(new ApplyEvent.StepStarted(step, index, changing.size()));
        long t0 = System.nanoTime();
        try {
          String address = step.address();
          if (address.startsWith("guest.")) {
            boolean restarted = driver.apply(spec, step, observed, shell, listener);
            Optional<String> running = observed.survey().flatMap(Survey::deployed).map(DeployedState::releaseId);
            boolean releaseFollows = changing.stream().anyMatch(s -> s.address().equals("release"));
            if (restarted && running.isPresent() && !releaseFollows) {
              // Containers without a restart policy stay down after the guest's restart.
              lockToken = lockToken != null ? lockToken : takeLock(lock, spec, changing.size(), observed);
              services = upAgain(spec, shell, running.get(), step, listener);
            }
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
    } finally {
      if (lockToken != null) {
        try {
          lock.release(lockToken);
        } catch (DockerGuestException e) {
          LOG.warn("could not release the deploy lock of {} on {}: {}; release it with Deployer.unlock(spec)",
              spec.app(), shell.target(), e.getMessage());
        }
      }
    }
    return new DeploymentResult(plan, releaseId, services, address(spec, observed),
        Duration.ofNanos(System.nanoTime() - startedNanos));
  }

  private static String takeLock(GuestLock lock, DeploymentSpec spec, int steps, Observed observed)
      throws DeployException {
    try {
      GuestLock.Acquired acquired = lock.acquire("apply of " + spec.app() + ": " + steps + " step(s)");
      Optional<DeployedState> planned = observed.survey().flatMap(Survey::deployed);
      if (observed.survey().isPresent() && !acquired.deployed().equals(planned)) {
        // Another apply finished between our observation and the lock: our plan may undo it. (A
        // guest observed stopped or absent had no survey; its deployed.json was not read.)
        lock.release(acquired.token());
        throw new StalePlanException(spec.app(), "release " + planned.map(DeployedState::releaseId).orElse("(none)"),
            "release " + acquired.deployed().map(DeployedState::releaseId).orElse("(none)"));
      }
      return acquired.token();
    } catch (DockerGuestException e) {
      throw new DeployException("taking the deploy lock of " + spec.app() + " failed: " + e.getMessage()
          + ". Nothing in the guest was changed", e);
    }
  }

  // ------------------------------------------------------------------ the deploy lock, by hand

  /** Who holds the app's deploy lock, if anyone. */
  public Optional<io.pvedeploy.deploy.LockHolder> lockHolder(DeploymentSpec spec) throws DeployException {
    return withLock(spec, "reading", GuestLock::holder);
  }

  /** Takes the app's deploy lock for a person ({@code message} says why); applies fail until it is released. */
  public io.pvedeploy.deploy.LockHolder lock(DeploymentSpec spec, String message) throws DeployException {
    return withLock(spec, "taking", lock -> {
      lock.acquire(message);
      return lock.holder().orElseThrow(() -> new DeployException("the deploy lock of " + spec.app()
          + " was released right after it was taken", null));
    });
  }

  /** Releases the app's deploy lock whoever holds it; returns who did. */
  public Optional<io.pvedeploy.deploy.LockHolder> unlock(DeploymentSpec spec) throws DeployException {
    return withLock(spec, "releasing", GuestLock::breakLock);
  }

  @FunctionalInterface
  private interface LockAction<T> {
    T run(GuestLock lock) throws DeployException, DockerGuestException;
  }

  private <T> T withLock(DeploymentSpec spec, String doing, LockAction<T> action) throws DeployException {
    ClusterResource guest;
    try {
      Optional<ClusterResource> found = find(spec, target.client().cluster().resources(ClusterResource.Type.VM));
      if (found.isEmpty() || !found.get().status().equals("running")) {
        throw new DeployException(spec.app() + " has no running " + driver.noun().replaceFirst("^an? ", "")
            + " (" + found.map(r -> r.vmid() + " is " + r.status()).orElse("none is tagged "
            + Differ.tag(spec.app())) + "); its deploy lock lives in the guest. Apply first, or start the guest", null);
      }
      guest = found.get();
    } catch (ProxmoxException e) {
      throw new DeployException("finding the guest of " + spec.app() + " failed: " + e.getMessage(), e);
    }
    try (GuestShell shell = shellInto(spec, guest.node(), guest.vmid())) {
      return action.run(new GuestLock(shell, appDirectory(spec), spec.app()));
    } catch (DockerGuestException e) {
      throw new DeployException(doing + " the deploy lock of " + spec.app() + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * The shell into guest {@code vmid}: SSH when the target has {@link Target#guestSsh()}, else
   * the kind's own ({@code pct exec} on the node, the guest agent). Close it after use.
   */
  GuestShell shellInto(DeploymentSpec spec, String node, int vmid) {
    if (target.guestSsh().isEmpty()) {
      return driver.shell(node, vmid);
    }
    return GuestSshAccess.shell(target.guestSsh().get(), () -> guestAddress(spec, node, vmid));
  }

  /** The spec's static address, without its prefix length; empty for DHCP. */
  static Optional<String> staticAddress(DeploymentSpec spec) {
    return spec.guest().network().addressing() instanceof Addressing.Static s ? Optional.of(s.address()) : Optional.empty();
  }

  /** The address to reach the guest at: the spec's static one, or the one the guest reports. */
  String guestAddress(DeploymentSpec spec, String node, int vmid) throws DeployException {
    Observed where = new Observed(vmid, node, Optional.empty(), Optional.empty());
    if (staticAddress(spec).isPresent()) {
      return staticAddress(spec).get();
    }
    try {
      return driver.reportedAddress(where).orElseThrow(() -> new DeployException("guest " + vmid + " of "
          + spec.app() + " reports no IPv4 address yet (DHCP); SSH into it needs one", null));
    } catch (ProxmoxException e) {
      throw new DeployException("reading the address of guest " + vmid + " failed: " + e.getMessage(), e);
    }
  }

  private Optional<String> address(DeploymentSpec spec, Observed observed) {
    if (spec.guest().network().addressing() instanceof Addressing.Static s) {
      return Optional.of(s.address());
    }
    try {
      return driver.reportedAddress(observed);
    } catch (ProxmoxException e) {
      LOG.warn("could not read the address of guest {}: {}", observed.vmid(), e.getMessage());
      return Optional.empty();
    }
  }

  /** Until {@code shell} runs a command: the guest has booted far enough to be worked in. */
  static void awaitExec(GuestShell shell) throws DeployException, InterruptedException {
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

  /** The deployed release, brought up again (after its guest restarted) and through the health gate. */
  private static List<ServiceState> upAgain(DeploymentSpec spec, GuestShell shell, String releaseId, PlanStep step,
      Consumer<ApplyEvent> listener) throws DockerGuestException {
    ComposeProject project = DockerEngine.on(shell).project(spec.app());
    listener.accept(new ApplyEvent.StepProgress(step, "bringing release " + releaseId + " back up after the restart;"
        + " waiting up to " + Durations.format(spec.health().deadline()) + " for health"));
    List<ServiceState> services = project.up(new Release(spec.app(), releaseId, project.releaseDirectory(releaseId), false),
        spec.health().deadline());
    listener.accept(new ApplyEvent.Healthy(services));
    return services;
  }

  /**
   * Kamal's health gate: a release that does not become ready gives way to the last one an apply
   * completed, which comes back up with the same deadline. deployed.json is left as it was, so
   * the next plan proposes the new release again.
   */
  private static DeployException rollBack(DeploymentSpec spec, ComposeProject project, Release failed,
      String previousId, DockerGuestException failure, PlanStep step, Consumer<ApplyEvent> listener) {
    listener.accept(new ApplyEvent.RollingBack(step, failed.id(), previousId, failure.getMessage()));
    LOG.warn("{}: release {} of {} failed its health gate; bringing release {} back up", project, failed.id(),
        spec.app(), previousId);
    Release previous = new Release(spec.app(), previousId, project.releaseDirectory(previousId), false);
    try {
      project.up(previous, spec.health().deadline());
    } catch (DockerGuestException again) {
      DeployException both = new DeployException("release " + failed.id() + " of " + spec.app()
          + " failed its health gate (" + failure.getMessage() + "), and bringing the previous release "
          + previousId + " back up failed too: " + again.getMessage() + ". The app may be down; look at"
          + " docker compose ps in " + project.appDirectory() + "/current", failure);
      both.addSuppressed(again);
      return both;
    }
    return new ReleaseRolledBackException(spec.app(), failed.id(), previousId,
        failure instanceof ServicesUnhealthyException u ? u.problems() : List.of(), failure);
  }

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
    // The last release an apply completed (deployed.json), known from the survey without a round trip.
    Optional<String> lastGood = observation.observed().survey().flatMap(Survey::deployed)
        .map(DeployedState::releaseId).filter(id -> !id.equals(release.id()));
    List<ServiceState> services;
    try {
      services = project.up(release, spec.health().deadline());
    } catch (ServicesUnhealthyException | CommandFailedException failure) {
      if (lastGood.isEmpty()) {
        throw failure; // a first release has nothing to go back to; its containers stay for inspection
      }
      throw rollBack(spec, project, release, lastGood.get(), failure, step, listener);
    }
    listener.accept(new ApplyEvent.Healthy(services));
    DeployedState state = new DeployedState(release.id(), observation.bundle().id(),
        observation.desired().imageIds(), versions, observation.desired().daemonSha256());
    shell.put(appDir + "/" + DEPLOYED_FILE, state.toJson().getBytes(StandardCharsets.UTF_8), FileOptions.mode(0644));
    project.prune(spec.releasesToKeep());
    return new Released(release.id(), services);
  }
}
