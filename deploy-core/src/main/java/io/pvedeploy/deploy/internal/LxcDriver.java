package io.pvedeploy.deploy.internal;

import io.pvedeploy.deploy.ApplyEvent;
import io.pvedeploy.deploy.Change;
import io.pvedeploy.deploy.DeployException;
import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.GuestSpec;
import io.pvedeploy.deploy.GuestTemplate;
import io.pvedeploy.deploy.LxcGuestShell;
import io.pvedeploy.deploy.PlanStep;
import io.pvedeploy.deploy.Target;
import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.proxmox.ClusterResource;
import io.pvedeploy.proxmox.ConfigUpdate;
import io.pvedeploy.proxmox.GuestDeletion;
import io.pvedeploy.proxmox.GuestInterface;
import io.pvedeploy.proxmox.Lxc;
import io.pvedeploy.proxmox.LxcFeatures;
import io.pvedeploy.proxmox.LxcSpec;
import io.pvedeploy.proxmox.MountPoint;
import io.pvedeploy.proxmox.NodeShell;
import io.pvedeploy.proxmox.NodeShellException;
import io.pvedeploy.proxmox.PermissionDeniedException;
import io.pvedeploy.proxmox.ProxmoxException;
import io.pvedeploy.proxmox.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * An LXC container: made from an OS template through the API, with {@code keyctl=1} set through
 * the node's CLI ({@code pct set}, which PVE refuses to API tokens), {@code apparmorUnconfined} as
 * a raw line of its config file (no API has it), and entered with {@code pct exec} on the node.
 * Needs the target's {@link NodeShell}, unless the target enters guests over SSH ({@link
 * io.pvedeploy.deploy.GuestSsh}): then the API sets every feature (which PVE allows to root@pam
 * only) and the container gets the key and has its host keys pinned at creation.
 */
final class LxcDriver implements GuestDriver {
  private final Target target;

  LxcDriver(Target target) {
    this.target = target;
  }

  @Override
  public String resourceType() {
    return "lxc";
  }

  @Override
  public String noun() {
    return "an LXC container";
  }

  @Override
  public String tagCommand(int vmid, String tag) {
    return "pct set " + vmid + " --tags " + tag;
  }

  @Override
  public void precheck(DeploymentSpec spec) throws DeployException {
    if (spec.guest().security().apparmorUnconfinedReason().isPresent() && target.node().isEmpty()) {
      throw new DeployException("guest.security.apparmorUnconfined of " + spec.app() + " needs the node's shell:"
          + " PVE has no API for lxc.apparmor.profile, which is a raw line of /etc/pve/lxc/<vmid>.conf on the"
          + " node. Nothing was changed. Give the Target the node's shell"
          + " (Target.of(client).via(NodeShell.builder().host(…).build())), or remove the opt-in", null);
    }
    if (target.guestSsh().isPresent()) {
      GuestSshAccess.publicKey(target.guestSsh().get()); // a missing .pub is found before anything is read
    }
    if (target.node().isEmpty() && target.guestSsh().isEmpty()) {
      LxcFeatures features = Differ.features(spec);
      throw new DeployException("the guest of " + spec.app() + " is an LXC container with features "
          + features.render() + ", and the Target has no NodeShell. PVE lets only root@pam set "
          + (features.requiresRootPam() ? "keyctl=1 (which Docker needs)" : "these features")
          + " and refuses it to API tokens, and pvedeploy reaches into a container with pct exec on the"
          + " node. Nothing was changed. Give the Target the node's shell"
          + " (Target.of(client).via(NodeShell.builder().host(…).build())), or log in with a root@pam"
          + " ticket instead of an API token (then the API may set keyctl) and enter the container over SSH"
          + " (Target.guestSsh(GuestSsh.builder()…))", null);
    }
  }

  @Override
  public Observed.GuestState read(ClusterResource r) throws ProxmoxException {
    return new Observed.GuestState(r.status(), Deployment.tags(r.tags()),
        target.client().nodes().node(r.node()).lxc(r.vmid()).config());
  }

  @Override
  public GuestShell shell(String node, int vmid) {
    return LxcGuestShell.of(target.node().orElseThrow(), vmid);
  }

  /** Adds or removes {@code lxc.apparmor.profile: unconfined}, through the node's shell. */
  private void editApparmor(PlanStep step, int vmid, boolean unconfined, Consumer<ApplyEvent> listener)
      throws DeployException {
    NodeShell node = target.node().orElseThrow(); // precheck: an opt-in without a NodeShell fails before any change
    listener.accept(new ApplyEvent.StepProgress(step, (unconfined ? "setting " + Differ.APPARMOR_PROFILE + ": "
        + Differ.UNCONFINED + " in" : "removing " + Differ.APPARMOR_PROFILE + " from") + " the config of CT " + vmid
        + " (node shell; PVE has no API for it)"));
    try {
      if (unconfined) {
        node.setRawLxcKey(vmid, Differ.APPARMOR_PROFILE, Differ.UNCONFINED);
      } else {
        node.removeRawLxcKey(vmid, Differ.APPARMOR_PROFILE);
      }
    } catch (NodeShellException e) {
      throw new DeployException("could not " + (unconfined ? "turn AppArmor off" : "give AppArmor back") + " to CT "
          + vmid + ": " + e.getMessage() + ". The rest of the guest step is done; fix the cause and apply again", e);
    }
  }

  /** A DHCP container's address, once it has one. */
  private String awaitReportedAddress(Observed observed) throws ProxmoxException, DeployException, InterruptedException {
    long deadline = System.nanoTime() + Deployment.EXEC_READY.toNanos();
    do {
      Optional<String> address = reportedAddress(observed);
      if (address.isPresent()) {
        return address.get();
      }
      Thread.sleep(1000);
    } while (System.nanoTime() < deadline);
    throw new DeployException("CT " + observed.vmid() + " got no IPv4 address by DHCP within "
        + Durations.format(Deployment.EXEC_READY) + "; SSH into it needs one. Look at the bridge's DHCP server", null);
  }

  @Override
  public Optional<String> reportedAddress(Observed observed) throws ProxmoxException {
    List<GuestInterface> ifs = target.client().nodes().node(observed.node()).lxc(observed.vmid()).interfaces();
    return ifs.stream().filter(i -> i.name().equals(Differ.GUEST_NETWORK)).findFirst()
        .flatMap(GuestInterface::firstIpv4).map(Deployment::withoutPrefix);
  }

  @Override
  public boolean apply(DeploymentSpec spec, PlanStep step, Observed observed, GuestShell shell,
      Consumer<ApplyEvent> listener) throws ProxmoxException, DeployException, InterruptedException {
    Optional<NodeShell> node = target.node();
    Lxc lxc = target.client().nodes().node(observed.node()).lxc(observed.vmid());
    LxcFeatures features = Differ.features(spec);
    if (step instanceof PlanStep.Replace) {
      if (observed.guest().map(Observed.GuestState::running).orElse(false)) {
        listener.accept(new ApplyEvent.StepProgress(step, "stopping CT " + observed.vmid()));
        lxc.status().stop().awaitSuccess(Deployment.TASK_WAIT);
      }
      listener.accept(new ApplyEvent.StepProgress(step, "destroying CT " + observed.vmid()));
      lxc.delete(GuestDeletion.purgeAll()).awaitSuccess(Deployment.TASK_WAIT);
    }
    boolean start;
    boolean restarted = false;
    Set<String> hostKeys = null;
    if (step instanceof PlanStep.Create || step instanceof PlanStep.Replace) {
      GuestSpec g = spec.guest();
      LxcSpec.Builder b = LxcSpec.builder(observed.vmid(), ((GuestTemplate.OsTemplate) g.template()).volumeId())
          .hostname(spec.hostname()).memory(g.memoryMb()).cores(g.cores())
          .rootfs(MountPoint.newRootfs(g.storage(), g.diskGb()))
          .network(0, g.network().toLxcNetwork(Differ.GUEST_NETWORK))
          // API tokens may set nesting only; the rest goes through pct set as root below, or,
          // without the node's shell, through the API (root@pam only).
          .features(node.isPresent() ? LxcFeatures.none().withNesting(features.nesting()) : features)
          .tags(List.of(Differ.tag(spec.app())))
          .onBoot(g.startOnBoot());
      g.data().ifPresent(d -> b.mountPoint(0, MountPoint.newMountPoint(g.storage(), d.sizeGb(), d.mountPath())));
      g.security().privilegedReason().ifPresent(b::privileged);
      if (target.guestSsh().isPresent()) {
        b.sshPublicKeys(GuestSshAccess.publicKey(target.guestSsh().get()));
      }
      listener.accept(new ApplyEvent.StepProgress(step, "creating CT " + observed.vmid() + " on " + observed.node()));
      Task created;
      try {
        created = target.client().nodes().node(observed.node()).lxc().create(b.build());
      } catch (PermissionDeniedException e) {
        throw new DeployException("PVE refused to create CT " + observed.vmid() + " with features " + features.render()
            + ": " + e.getMessage() + ". Without the node's shell the API must set them, which PVE allows to"
            + " root@pam only: log in as root@pam, or give the Target the node's shell. Nothing was changed", e);
      }
      created.awaitSuccess(Deployment.TASK_WAIT);
      if (target.guestSsh().isPresent()) {
        hostKeys = GuestSshAccess.fingerprintsFromTaskLog(created.fullLog());
      }
      if (features.requiresRootPam() && node.isPresent()) {
        listener.accept(new ApplyEvent.StepProgress(step, "setting features " + features.render() + " (pct set)"));
        node.get().pctSet(observed.vmid(), features);
      }
      if (g.security().apparmorUnconfinedReason().isPresent()) {
        // Before the first start: the profile is read when the container starts.
        editApparmor(step, observed.vmid(), true, listener);
      }
      start = true;
    } else {
      Observed.GuestState now = observed.guest().orElseThrow();
      ConfigUpdate.Builder u = ConfigUpdate.builder().digest(now.digest());
      boolean featuresChange = false;
      for (Change c : step.changes()) {
        switch (c.attribute()) {
          case "hostname" -> u.set("hostname", spec.hostname());
          case "cores" -> u.cores(spec.guest().cores());
          case "memory" -> u.memory(spec.guest().memoryMb());
          case "net0" -> u.network(0, spec.guest().network().toLxcNetwork(Differ.GUEST_NETWORK));
          case "tags" -> u.tags(Deployment.withTag(now.tags(), spec.app()));
          case "onboot" -> u.onBoot(spec.guest().startOnBoot());
          case "features" -> featuresChange = true;
          default -> { }
        }
      }
      if (featuresChange && (!features.requiresRootPam() || node.isEmpty())) {
        u.features(features);
      }
      ConfigUpdate update = u.build();
      if (!update.isEmpty()) {
        listener.accept(new ApplyEvent.StepProgress(step, "updating CT " + observed.vmid() + ": " + update));
        lxc.updateConfig(update);
      }
      if (featuresChange && features.requiresRootPam() && node.isPresent()) {
        listener.accept(new ApplyEvent.StepProgress(step, "setting features " + features.render() + " (pct set)"));
        node.get().pctSet(observed.vmid(), features);
      }
      // What takes effect only at start (Differ.LXC_AT_START): the plan says when it restarts.
      List<String> atStart = new ArrayList<>();
      if (featuresChange) {
        atStart.add("features");
      }
      if (step.changes().stream().anyMatch(c -> c.attribute().equals(Differ.APPARMOR_PROFILE))) {
        // After the API update above: this edit changes the config's digest.
        editApparmor(step, observed.vmid(), spec.guest().security().apparmorUnconfinedReason().isPresent(), listener);
        atStart.add("AppArmor profile");
      }
      boolean restart = Differ.restarts(step);
      if (step.changes().stream().anyMatch(c -> c.attribute().equals(DataVolumes.LXC_MOUNT))) {
        // PVE grows the volume and the filesystem on it, online.
        int gb = spec.guest().data().orElseThrow().sizeGb();
        listener.accept(new ApplyEvent.StepProgress(step, "growing " + DataVolumes.LXC_MOUNT + " to " + gb + "G"));
        lxc.resize(DataVolumes.LXC_MOUNT, gb + "G").awaitSuccess(Deployment.TASK_WAIT);
      }
      if (restart) {
        listener.accept(new ApplyEvent.StepProgress(step, "restarting CT " + observed.vmid()
            + ": it takes its new " + String.join(" and ", atStart) + " when it starts"));
        lxc.status().reboot().awaitSuccess(Deployment.TASK_WAIT);
        Deployment.awaitExec(shell);
      }
      start = !now.running();
      restarted = restart;
    }
    if (start) {
      listener.accept(new ApplyEvent.StepProgress(step, "starting CT " + observed.vmid()));
      lxc.status().start().awaitSuccess(Deployment.TASK_WAIT);
      if (hostKeys != null) {
        String address = Deployment.staticAddress(spec).orElse(null);
        if (address == null) {
          address = awaitReportedAddress(observed);
        }
        listener.accept(new ApplyEvent.StepProgress(step, "pinning the SSH host keys of CT " + observed.vmid()
            + " (fingerprints from its create task)"));
        GuestSshAccess.pinFromFingerprints(target.guestSsh().get(), address, hostKeys, Deployment.EXEC_READY);
      }
      Deployment.awaitExec(shell);
    }
    return restarted;
  }
}
