package io.pvedeploy.deploy.internal;

import io.pvedeploy.deploy.Change;
import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.GuestKind;
import io.pvedeploy.deploy.GuestSpec;
import io.pvedeploy.deploy.GuestTemplate;
import io.pvedeploy.deploy.ImageSpec;
import io.pvedeploy.deploy.Plan;
import io.pvedeploy.deploy.PlanStep;
import io.pvedeploy.deploy.SecretSpec;
import io.pvedeploy.deploy.SecurityWarning;
import io.pvedeploy.proxmox.IpConfig;
import io.pvedeploy.proxmox.LxcConfig;
import io.pvedeploy.proxmox.LxcFeatures;
import io.pvedeploy.proxmox.LxcNetwork;
import io.pvedeploy.proxmox.QemuConfig;
import io.pvedeploy.proxmox.QemuNetwork;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Desired against observed: the steps of a plan, in the order they run. Pure: no I/O, so every
 * case is a unit test with hand-made observations.
 */
public final class Differ {
  public static final String GUEST_NETWORK = "eth0";
  /**
   * The raw LXC key behind {@code apparmorUnconfined}: PVE has no API for it, so it is a line of
   * the container's config file, written through the node's shell.
   */
  static final String APPARMOR_PROFILE = "lxc.apparmor.profile";
  static final String UNCONFINED = "unconfined";
  /**
   * What a running guest takes only when it starts. A container: pve-container hotplugs memory,
   * network and mount points, keeps new features pending, and LXC reads raw keys at start. A VM:
   * no CPU or memory hotplug by default, and cloud-init reads ipconfig0 at boot.
   */
  static final Set<String> LXC_AT_START = Set.of("features", APPARMOR_PROFILE);
  static final Set<String> VM_AT_START = Set.of("cores", "memory", "net0", "ipconfig0");
  /** The plan's line for a running guest the apply restarts. */
  static final Change RESTART = Change.update("status", "running", "restarted");
  static final String UNKNOWN = "(unknown: guest not running)";

  private Differ() {}

  /** The PVE tag that marks a guest as this app's. */
  public static String tag(String app) {
    return "pvedeploy-" + app;
  }

  /** The container features the spec asks for: {@code nesting=1,keyctl=1} unless privileged. */
  public static LxcFeatures features(DeploymentSpec spec) {
    LxcFeatures f = spec.guest().security().lxcFeatures();
    // PVE (and the sandbox) refuse keyctl on a privileged container: it has the real keyring.
    return spec.guest().security().isPrivileged() ? f.withKeyctl(false) : f;
  }

  /** The plan for {@code spec} from what was observed and what the spec resolves to locally. */
  public static Plan plan(DeploymentSpec spec, Desired desired, Observed observed) {
    List<PlanStep> steps = new ArrayList<>();
    steps.add(guestStep(spec, observed));
    boolean guestNew = observed.guest().isEmpty();
    Optional<Survey> survey = observed.survey();

    // docker.engine
    String engine = "docker.engine";
    String wantedDaemon = "sha256:" + desired.daemonSha256();
    if (survey.isEmpty()) {
      steps.add(guestNew
          ? new PlanStep.Create(engine, List.of(Change.set("packages", "docker.io, docker-compose"),
              Change.set("daemon.json", wantedDaemon)))
          : new PlanStep.Update(engine, List.of(Change.update("daemon.json", UNKNOWN, wantedDaemon))));
    } else if (!survey.get().dockerInstalled() || survey.get().compose().isEmpty()) {
      List<String> packages = new ArrayList<>();
      if (!survey.get().dockerInstalled()) {
        packages.add("docker.io");
      }
      if (survey.get().compose().isEmpty()) {
        packages.add("docker-compose");
      }
      steps.add(new PlanStep.Create(engine, List.of(Change.set("packages", String.join(", ", packages)),
          Change.set("daemon.json", wantedDaemon))));
    } else if (!survey.get().daemonSha256().map(s -> s.equals(desired.daemonSha256())).orElse(false)) {
      steps.add(new PlanStep.Update(engine, List.of(Change.update("daemon.json",
          survey.get().daemonSha256().map(s -> "sha256:" + s).orElse("(none)"), wantedDaemon))));
    } else {
      steps.add(new PlanStep.NoOp(engine));
    }

    // secret[name]
    for (SecretSpec s : spec.secrets()) {
      String address = "secret[" + s.name() + "]";
      if (desired.secretVersions().containsKey(s.name())) {
        steps.add(new PlanStep.NoOp(address));
      } else {
        steps.add(new PlanStep.Create(address, List.of(Change.sensitive("value"),
            Change.set("generate", s.generate().yamlName()))));
      }
    }

    // image[ref]
    for (ImageSpec image : spec.compose().images()) {
      String ref = image.reference();
      String address = "image[" + ref + "]";
      String wanted = desired.imageIds().get(ref);
      Optional<String> there = survey.map(v -> v.imageIds().get(ref));
      if (survey.isEmpty() && !guestNew) {
        steps.add(new PlanStep.Update(address, List.of(Change.update("id", UNKNOWN, wanted))));
      } else if (there.isEmpty()) {
        steps.add(new PlanStep.Create(address, List.of(Change.set("id", wanted))));
      } else if (!there.get().equals(wanted)) {
        steps.add(new PlanStep.Update(address, List.of(Change.update("id", there.get(), wanted))));
      } else {
        steps.add(new PlanStep.NoOp(address));
      }
    }

    steps.add(releaseStep(spec, desired, observed, survey.flatMap(Survey::deployed)));
    List<String> warnings = spec.securityWarnings().stream().map(SecurityWarning::message).toList();
    return new Plan(spec.app(), steps, warnings, basis(spec, desired, observed));
  }

  private static PlanStep releaseStep(DeploymentSpec spec, Desired desired, Observed observed,
      Optional<DeployedState> deployed) {
    String address = "release";
    if (observed.guest().isPresent() && observed.survey().isEmpty()) {
      return new PlanStep.Update(address, List.of(Change.update("id", UNKNOWN, desired.releaseId())));
    }
    if (deployed.isEmpty()) {
      List<Change> c = new ArrayList<>();
      c.add(Change.set("id", desired.releaseId()));
      c.add(Change.set("bundle", desired.bundleId()));
      for (ImageSpec i : spec.compose().images()) {
        c.add(Change.set("image[" + i.reference() + "]", desired.imageIds().get(i.reference())));
      }
      for (SecretSpec s : spec.secrets()) {
        c.add(Change.sensitive("secret[" + s.name() + "]"));
      }
      return new PlanStep.Create(address, c);
    }
    DeployedState d = deployed.get();
    List<Change> c = new ArrayList<>();
    if (!d.bundleId().equals(desired.bundleId())) {
      c.add(Change.update("bundle", d.bundleId(), desired.bundleId()));
    }
    for (ImageSpec i : spec.compose().images()) {
      String ref = i.reference();
      String wanted = desired.imageIds().get(ref);
      String was = d.images().get(ref);
      if (was == null) {
        c.add(Change.set("image[" + ref + "]", wanted));
      } else if (!was.equals(wanted)) {
        c.add(Change.update("image[" + ref + "]", was, wanted));
      }
    }
    for (SecretSpec s : spec.secrets()) {
      Integer wanted = desired.secretVersions().get(s.name());
      if (wanted == null || !wanted.equals(d.secrets().get(s.name()))) {
        c.add(Change.sensitive("secret[" + s.name() + "]"));
      }
    }
    if (!d.releaseId().equals(desired.releaseId())) {
      c.add(0, Change.update("id", d.releaseId(), desired.releaseId()));
    } else if (!c.isEmpty()) {
      c.add(0, Change.update("id", d.releaseId(), desired.releaseId()));
    }
    return c.isEmpty() ? new PlanStep.NoOp(address) : new PlanStep.Update(address, c);
  }

  private static PlanStep guestStep(DeploymentSpec spec, Observed observed) {
    return spec.guest().kind() == GuestKind.VM ? vmGuestStep(spec, observed) : lxcGuestStep(spec, observed);
  }

  private static PlanStep lxcGuestStep(DeploymentSpec spec, Observed observed) {
    GuestSpec g = spec.guest();
    String address = "guest.lxc[" + observed.vmid() + "]";
    LxcFeatures features = features(spec);
    String net = net(g.network().toLxcNetwork(GUEST_NETWORK));
    if (observed.guest().isEmpty()) {
      List<Change> c = new ArrayList<>();
      c.add(Change.set("node", observed.node()));
      c.add(Change.set("template", ((GuestTemplate.OsTemplate) g.template()).volumeId()));
      c.add(Change.set("hostname", spec.hostname()));
      c.add(Change.set("cores", g.cores()));
      c.add(Change.set("memory", g.memoryMb()));
      c.add(Change.set("rootfs", g.storage() + ":" + g.diskGb()));
      c.addAll(DataVolumes.created(g));
      c.add(Change.set("net0", net));
      c.add(Change.set("unprivileged", !g.security().isPrivileged()));
      c.add(Change.set("features", features.render()));
      if (g.security().apparmorUnconfinedReason().isPresent()) {
        c.add(Change.set(APPARMOR_PROFILE, UNCONFINED));
      }
      c.add(Change.set("tags", tag(spec.app())));
      c.add(Change.set("onboot", g.startOnBoot()));
      c.add(Change.set("status", "running"));
      return new PlanStep.Create(address, c);
    }
    Observed.GuestState now = observed.guest().get();
    LxcConfig config = now.lxc();
    boolean wantUnprivileged = !g.security().isPrivileged();
    if (config.unprivileged() != wantUnprivileged) {
      return new PlanStep.Replace(address, List.of(
          Change.update("unprivileged", config.unprivileged(), wantUnprivileged).forcingReplacement()));
    }
    List<Change> c = new ArrayList<>();
    String hostname = config.hostname().orElse("");
    if (!hostname.equals(spec.hostname())) {
      c.add(Change.update("hostname", hostname, spec.hostname()));
    }
    Optional<Integer> cores = config.cores();
    if (!cores.equals(Optional.of(g.cores()))) {
      c.add(Change.update("cores", cores.map(String::valueOf).orElse("(all)"), g.cores()));
    }
    if (config.memoryMiB() != g.memoryMb()) {
      c.add(Change.update("memory", config.memoryMiB(), g.memoryMb()));
    }
    String netNow = config.network(0).map(Differ::net).orElse("(none)");
    if (!netNow.equals(net)) {
      c.add(Change.update("net0", netNow, net));
    }
    if (!config.features().equals(features)) {
      c.add(Change.update("features", config.features().render(), features.render()));
    }
    apparmorChange(g, config).ifPresent(c::add);
    c.addAll(DataVolumes.updated(g, now, observed.survey()));
    return update(spec, address, now, c, LXC_AT_START);
  }

  /**
   * Only {@code unconfined} is the deployer's: a container without the opt-in that an admin gave
   * another profile by hand stays confined by it, and is left alone.
   */
  private static Optional<Change> apparmorChange(GuestSpec g, LxcConfig config) {
    Optional<String> profile = config.raw(APPARMOR_PROFILE);
    boolean unconfined = profile.filter(UNCONFINED::equals).isPresent();
    boolean wanted = g.security().apparmorUnconfinedReason().isPresent();
    if (wanted && !unconfined) {
      return Optional.of(profile.isPresent()
          ? Change.update(APPARMOR_PROFILE, profile.get(), UNCONFINED) : Change.set(APPARMOR_PROFILE, UNCONFINED));
    }
    if (!wanted && unconfined) {
      return Optional.of(Change.remove(APPARMOR_PROFILE, UNCONFINED));
    }
    return Optional.empty();
  }

  /** The address of a VM's guest step. */
  public static String vmAddress(int vmid) {
    return "guest.vm[" + vmid + "]";
  }

  /**
   * A VM: a full clone of the template, then config. The template is read only when the VM is
   * made: a full clone is independent of it, so a changed template (or a VM made from another)
   * plans nothing; destroy the VM to rebuild it from a new template. Cores, memory and addressing
   * change in place (apply reboots a running VM for them); nothing forces a replacement.
   */
  private static PlanStep vmGuestStep(DeploymentSpec spec, Observed observed) {
    GuestSpec g = spec.guest();
    String address = vmAddress(observed.vmid());
    String net = net(g.network().toQemuNetwork());
    String ipConfig = g.network().toIpConfig().render();
    if (observed.guest().isEmpty()) {
      List<Change> c = new ArrayList<>();
      c.add(Change.set("node", observed.node()));
      c.add(Change.set("template", ((GuestTemplate.VmTemplate) g.template()).vmid()));
      c.add(Change.set("name", spec.hostname()));
      c.add(Change.set("cores", g.cores()));
      c.add(Change.set("memory", g.memoryMb()));
      c.add(Change.set("disk", g.storage() + ":" + g.diskGb() + "G"));
      c.addAll(DataVolumes.created(g));
      c.add(Change.set("net0", net));
      c.add(Change.set("ipconfig0", ipConfig));
      c.add(Change.set("agent", true));
      c.add(Change.set("tags", tag(spec.app())));
      c.add(Change.set("onboot", g.startOnBoot()));
      c.add(Change.set("status", "running"));
      return new PlanStep.Create(address, c);
    }
    Observed.GuestState now = observed.guest().get();
    QemuConfig config = now.qemu();
    List<Change> c = new ArrayList<>();
    String name = config.name().orElse("");
    if (!name.equals(spec.hostname())) {
      c.add(Change.update("name", name, spec.hostname()));
    }
    String cores = config.get("cores").orElse("1");
    if (!cores.equals(String.valueOf(g.cores()))) {
      c.add(Change.update("cores", cores, g.cores()));
    }
    String memory = vmMemory(config);
    if (!memory.equals(String.valueOf(g.memoryMb()))) {
      c.add(Change.update("memory", memory, g.memoryMb()));
    }
    String netNow = config.network(0).map(Differ::net).orElse("(none)");
    if (!netNow.equals(net)) {
      c.add(Change.update("net0", netNow, net));
    }
    String ipNow = config.ipConfig(0).map(IpConfig::render).orElse("(none)");
    if (!ipNow.equals(ipConfig)) {
      c.add(Change.update("ipconfig0", ipNow, ipConfig));
    }
    c.addAll(DataVolumes.updated(g, now, observed.survey()));
    return update(spec, address, now, c, VM_AT_START);
  }

  /** Whether the apply of {@code step} restarts its running guest (the plan says so). */
  public static boolean restarts(PlanStep step) {
    return step.changes().contains(RESTART);
  }

  /**
   * The tag, {@code onboot} and status, which mean the same for every kind of guest, after {@code
   * c}: a stopped guest is started, a running one restarted when {@code c} changes something it
   * takes only at start ({@code atStart}).
   */
  private static PlanStep update(DeploymentSpec spec, String address, Observed.GuestState now, List<Change> c,
      Set<String> atStart) {
    if (!now.tags().contains(tag(spec.app()))) {
      c.add(Change.set("tags", tag(spec.app())));
    }
    boolean onBoot = "1".equals(now.config().get("onboot"));
    if (onBoot != spec.guest().startOnBoot()) {
      c.add(Change.update("onboot", onBoot, spec.guest().startOnBoot()));
    }
    if (!now.running()) {
      c.add(Change.update("status", now.status(), "running"));
    } else if (c.stream().anyMatch(x -> atStart.contains(x.attribute()))) {
      c.add(RESTART);
    }
    return c.isEmpty() ? new PlanStep.NoOp(address) : new PlanStep.Update(address, c);
  }

  /** A VM's memory in MiB: PVE 8.1 may store it as {@code current=2048} ({@code 512} when unset). */
  static String vmMemory(QemuConfig config) {
    String v = config.get("memory").orElse("512");
    for (String part : v.split(",")) {
      if (part.startsWith("current=")) {
        return part.substring("current=".length());
      }
      if (!part.contains("=")) {
        return part;
      }
    }
    return v;
  }

  /** The parts of a VM's network device the spec decides (not its MAC), as one comparable text. */
  static String net(QemuNetwork n) {
    StringBuilder out = new StringBuilder("model=").append(n.model().pveName()).append(",bridge=").append(n.bridge());
    if (n.tag() != null) {
      out.append(",tag=").append(n.tag());
    }
    return out.toString();
  }

  /** The parts of a network device the spec decides, as one comparable text. */
  static String net(LxcNetwork n) {
    StringBuilder out = new StringBuilder("name=").append(n.name()).append(",bridge=").append(n.bridge());
    if (n.ip() != null) {
      out.append(",ip=").append(n.ip());
    }
    if (n.gw() != null) {
      out.append(",gw=").append(n.gw());
    }
    if (n.tag() != null) {
      out.append(",tag=").append(n.tag());
    }
    return out.toString();
  }

  /** {@code sha256:} of the canonical text of everything the plan was computed from. */
  public static String basis(DeploymentSpec spec, Desired desired, Observed observed) {
    String text = "spec=" + sha256(spec.toYaml().getBytes(StandardCharsets.UTF_8)) + "\n"
        + observed.canonical() + desired.canonical();
    return "sha256:" + sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
