package io.pvedeploy.deploy.internal;

import io.pvedeploy.deploy.AgentGuestShell;
import io.pvedeploy.deploy.ApplyEvent;
import io.pvedeploy.deploy.Change;
import io.pvedeploy.deploy.DeployException;
import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.GuestSpec;
import io.pvedeploy.deploy.GuestTemplate;
import io.pvedeploy.deploy.PlanStep;
import io.pvedeploy.deploy.Target;
import io.pvedeploy.docker.DockerGuestException;
import io.pvedeploy.docker.ExecResult;
import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.proxmox.CloneSpec;
import io.pvedeploy.proxmox.ClusterResource;
import io.pvedeploy.proxmox.ConfigUpdate;
import io.pvedeploy.proxmox.GuestInterface;
import io.pvedeploy.proxmox.ProxmoxException;
import io.pvedeploy.proxmox.Qemu;
import io.pvedeploy.proxmox.QemuConfig;
import io.pvedeploy.proxmox.QemuNetwork;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A QEMU VM: a full clone of a cloud-init template with the QEMU guest agent, configured and
 * entered through the API alone ({@link AgentGuestShell}), so it needs no NodeShell.
 */
final class VmDriver implements GuestDriver {
  /** The boot disk's candidates, in the order PVE's own {@code boot} default tries them. */
  private static final List<String> BOOT_DISKS = List.of("scsi0", "virtio0", "sata0", "ide0");
  private static final Pattern SIZE = Pattern.compile("(?:^|,)size=(\\d+(?:\\.\\d+)?)([KMGT]?)(?:,|$)");

  private final Target target;

  VmDriver(Target target) {
    this.target = target;
  }

  @Override
  public String resourceType() {
    return "qemu";
  }

  @Override
  public String noun() {
    return "a VM";
  }

  @Override
  public String tagCommand(int vmid, String tag) {
    return "qm set " + vmid + " --tags " + tag;
  }

  @Override
  public void precheck(DeploymentSpec spec) throws DeployException {
    GuestSpec g = spec.guest();
    if (target.guestSsh().isPresent()) {
      GuestSshAccess.publicKey(target.guestSsh().get()); // a missing .pub is found before anything is read
    }
    if (!(g.template() instanceof GuestTemplate.VmTemplate)) {
      throw new DeployException("the guest of " + spec.app() + " is a VM, but its template is "
          + g.template() + "; a VM is cloned from a VM template: give guest.template the template's vmid"
          + " (e.g. 9000). Nothing was changed", null);
    }
  }

  @Override
  public void checkCreate(DeploymentSpec spec, List<ClusterResource> guests) throws DeployException, ProxmoxException {
    int template = ((GuestTemplate.VmTemplate) spec.guest().template()).vmid();
    Optional<ClusterResource> t = guests.stream().filter(r -> r.vmid() == template).findFirst();
    if (t.isEmpty() || !t.get().type().equals("qemu") || !t.get().template()) {
      throw new DeployException("guest.template " + template + " of " + spec.app() + " is "
          + t.map(r -> "a " + r.type() + (r.template() ? " template" : " guest, not a template") + " (" + r.name() + ")")
              .orElse("not on this cluster")
          + "; a VM is a full clone of a VM template with cloud-init and the QEMU guest agent. Name one"
          + " (qm template <vmid> turns a prepared VM into one). Nothing was changed", null);
    }
    if (spec.guest().data().isPresent()) {
      // One more request, for new VMs with a data volume only: the clone copies the template's disks.
      Optional<String> taken = qemu(t.get().node(), template).config().get(DataVolumes.VM_DISK);
      if (taken.isPresent()) {
        throw new DeployException("guest.data of " + spec.app() + " is the VM's disk " + DataVolumes.VM_DISK + ", but"
            + " template " + template + " (" + t.get().name() + ") has " + DataVolumes.VM_DISK + " already ("
            + taken.get() + "). Move it elsewhere in the template (a cloud-init drive on ide2: qm set " + template
            + " --delete " + DataVolumes.VM_DISK + " --ide2 " + spec.guest().storage() + ":cloudinit), or remove"
            + " guest.data. Nothing was changed", null);
      }
    }
  }

  @Override
  public Observed.GuestState read(ClusterResource r) throws ProxmoxException {
    return new Observed.GuestState(r.status(), Deployment.tags(r.tags()), qemu(r.node(), r.vmid()).config());
  }

  @Override
  public GuestShell shell(String node, int vmid) {
    return AgentGuestShell.of(qemu(node, vmid));
  }

  @Override
  public Optional<String> reportedAddress(Observed observed) throws ProxmoxException {
    List<GuestInterface> ifs = qemu(observed.node(), observed.vmid()).agent().networkInterfaces();
    return ifs.stream().filter(i -> !i.name().equals("lo")).map(GuestInterface::firstIpv4)
        .flatMap(Optional::stream).findFirst().map(Deployment::withoutPrefix);
  }

  private Qemu qemu(String node, int vmid) {
    return target.client().nodes().node(node).qemu(vmid);
  }

  @Override
  public boolean apply(DeploymentSpec spec, PlanStep step, Observed observed, GuestShell shell,
      Consumer<ApplyEvent> listener) throws ProxmoxException, DeployException, InterruptedException {
    Qemu vm = qemu(observed.node(), observed.vmid());
    if (step instanceof PlanStep.Create) {
      create(spec, step, observed, vm, listener);
      start(step, vm, shell, listener, () -> pinHostKeys(spec, step, observed, vm, listener));
      prepareData(spec, step, shell, listener);
      return false;
    }
    if (!(step instanceof PlanStep.Update)) {
      throw new IllegalStateException("a VM's plan step is a create or an update, not " + step);
    }
    Observed.GuestState now = observed.guest().orElseThrow();
    ConfigUpdate.Builder u = ConfigUpdate.builder().digest(now.digest());
    boolean restart = Differ.restarts(step);
    boolean data = false;
    for (Change c : step.changes()) {
      data |= c.attribute().equals(DataVolumes.VM_DISK) || c.attribute().equals("data");
      switch (c.attribute()) {
        case "name" -> u.set("name", spec.hostname());
        case "cores" -> u.cores(spec.guest().cores());
        case "memory" -> u.memory(spec.guest().memoryMb());
        case "net0" -> u.network(0, network(spec, now.qemu()));
        case "ipconfig0" -> u.ipConfig(0, spec.guest().network().toIpConfig());
        case "tags" -> u.tags(Deployment.withTag(now.tags(), spec.app()));
        case "onboot" -> u.onBoot(spec.guest().startOnBoot());
        default -> { }
      }
    }
    ConfigUpdate update = u.build();
    if (!update.isEmpty()) {
      listener.accept(new ApplyEvent.StepProgress(step, "updating VM " + observed.vmid() + ": " + update));
      vm.updateConfig(update);
    }
    if (step.changes().stream().anyMatch(c -> c.attribute().equals(DataVolumes.VM_DISK))) {
      int gb = spec.guest().data().orElseThrow().sizeGb();
      listener.accept(new ApplyEvent.StepProgress(step, "growing " + DataVolumes.VM_DISK + " to " + gb + "G"));
      vm.resize(DataVolumes.VM_DISK, gb + "G").awaitSuccess(Deployment.TASK_WAIT);
    }
    if (!now.running()) {
      start(step, vm, shell, listener, () -> {});
    } else if (restart) {
      // PVE keeps these pending on a running VM (no CPU or memory hotplug by default) and
      // cloud-init reads ipconfig0 at boot: they take effect with a restart, not before.
      listener.accept(new ApplyEvent.StepProgress(step, "rebooting VM " + observed.vmid()
          + " so that the new cores, memory or network take effect"));
      vm.status().reboot().awaitSuccess(Deployment.TASK_WAIT);
      awaitAgent(vm);
      Deployment.awaitExec(shell);
    }
    if (data) {
      prepareData(spec, step, shell, listener);
    }
    return restart;
  }

  /** Formats (when blank), mounts and grows the VM's data disk, once the VM runs commands. */
  private static void prepareData(DeploymentSpec spec, PlanStep step, GuestShell shell, Consumer<ApplyEvent> listener)
      throws DeployException {
    if (spec.guest().data().isEmpty()) {
      return;
    }
    listener.accept(new ApplyEvent.StepProgress(step, "preparing the data volume " + DataVolumes.VM_DISK + " at "
        + spec.guest().data().get().mountPath()));
    String done = DataVolumes.prepareInVm(spec.guest().data().get(), shell);
    if (!done.isEmpty()) {
      listener.accept(new ApplyEvent.StepProgress(step, done.replace("\n", "; ")));
    }
  }

  private void create(DeploymentSpec spec, PlanStep step, Observed observed, Qemu vm, Consumer<ApplyEvent> listener)
      throws ProxmoxException, DeployException {
    GuestSpec g = spec.guest();
    int templateId = ((GuestTemplate.VmTemplate) g.template()).vmid();
    ClusterResource t = target.client().cluster().resources(ClusterResource.Type.VM).stream()
        .filter(r -> r.vmid() == templateId).findFirst()
        .orElseThrow(() -> new DeployException("VM template " + templateId + " is gone from the cluster", null));
    CloneSpec clone = CloneSpec.full(observed.vmid(), spec.hostname()).onStorage(g.storage());
    if (!t.node().equals(observed.node())) {
      clone = clone.onNode(observed.node());
    }
    listener.accept(new ApplyEvent.StepProgress(step, "cloning template " + templateId + " into VM "
        + observed.vmid() + " on " + observed.node()));
    target.client().nodes().node(t.node()).qemu(templateId).clone(clone).awaitSuccess(Deployment.TASK_WAIT);

    QemuConfig cloned = vm.config();
    ConfigUpdate.Builder u = ConfigUpdate.builder().digest(cloned.digest())
        .cores(g.cores()).memory(g.memoryMb())
        .network(0, network(spec, cloned))
        .ipConfig(0, g.network().toIpConfig())
        .tags(Deployment.withTag(Deployment.tags(cloned.get("tags").orElse("")), spec.app()))
        .onBoot(g.startOnBoot());
    g.data().ifPresent(d -> u.set(DataVolumes.VM_DISK, g.storage() + ":" + d.sizeGb()));
    if (!cloned.agentEnabled()) {
      u.set("agent", "1");
    }
    if (target.guestSsh().isPresent()) {
      u.ciUser(target.guestSsh().get().user()).sshKeys(List.of(GuestSshAccess.publicKey(target.guestSsh().get())));
    }
    ConfigUpdate update = u.build();
    listener.accept(new ApplyEvent.StepProgress(step, "configuring VM " + observed.vmid() + ": " + update));
    vm.updateConfig(update);

    Optional<String> boot = BOOT_DISKS.stream().filter(k -> cloned.get(k).isPresent()).findFirst();
    if (boot.isEmpty()) {
      throw new DeployException("VM " + observed.vmid() + ", cloned from template " + templateId + ", has no"
          + " boot disk (none of " + BOOT_DISKS + "); give the template its disk", null);
    }
    long have = sizeBytes(cloned.get(boot.get()).orElseThrow());
    long want = (long) g.diskGb() << 30;
    if (have < want) {
      // Before the first boot, so that cloud-init's growpart grows the root filesystem with it.
      listener.accept(new ApplyEvent.StepProgress(step, "growing " + boot.get() + " to " + g.diskGb() + "G"));
      vm.resize(boot.get(), g.diskGb() + "G").awaitSuccess(Deployment.TASK_WAIT);
    }
  }

  /** The spec's bridge and VLAN on the VM's NIC model, keeping its MAC (and so its DHCP lease). */
  private static QemuNetwork network(DeploymentSpec spec, QemuConfig config) {
    QemuNetwork wanted = spec.guest().network().toQemuNetwork();
    Optional<QemuNetwork> now = config.network(0);
    if (now.isEmpty()) {
      return wanted;
    }
    return now.get().toBuilder().bridge(wanted.bridge()).tag(wanted.tag()).build();
  }

  /** What runs once the guest agent answers, before the shell is first used. */
  @FunctionalInterface
  private interface AgentUp {
    void run() throws ProxmoxException, DeployException, InterruptedException;
  }

  private void start(PlanStep step, Qemu vm, GuestShell shell, Consumer<ApplyEvent> listener, AgentUp agentUp)
      throws ProxmoxException, DeployException, InterruptedException {
    listener.accept(new ApplyEvent.StepProgress(step, "starting VM " + vm.vmid() + " and waiting for its guest agent"));
    vm.status().start().awaitSuccess(Deployment.TASK_WAIT);
    awaitAgent(vm);
    agentUp.run();
    Deployment.awaitExec(shell);
  }

  /**
   * With {@link io.pvedeploy.deploy.GuestSsh}: records the new VM's host keys, read through the
   * guest agent (a channel PVE authenticates), so that the first SSH connection is verified.
   * cloud-init makes them early in the first boot, possibly after the agent starts: this waits.
   */
  private void pinHostKeys(DeploymentSpec spec, PlanStep step, Observed observed, Qemu vm,
      Consumer<ApplyEvent> listener) throws ProxmoxException, DeployException, InterruptedException {
    if (target.guestSsh().isEmpty()) {
      return;
    }
    listener.accept(new ApplyEvent.StepProgress(step, "pinning the SSH host keys of VM " + vm.vmid()
        + " (read through its guest agent)"));
    GuestShell agent = AgentGuestShell.of(vm);
    long deadline = System.nanoTime() + Deployment.EXEC_READY.toNanos();
    String keys = "";
    Optional<String> address = Deployment.staticAddress(spec);
    while (System.nanoTime() < deadline) {
      try {
        ExecResult r = agent.run("sh", "-c", "cat /etc/ssh/ssh_host_*_key.pub 2>/dev/null; exit 0");
        keys = r.stdoutText();
      } catch (DockerGuestException e) {
        keys = "";
      }
      if (address.isEmpty()) {
        address = reportedAddress(observed);
      }
      if (!keys.isBlank() && address.isPresent()) {
        GuestSshAccess.pin(target.guestSsh().get(), address.get(), keys.lines().toList());
        return;
      }
      Thread.sleep(1000);
    }
    throw new DeployException("VM " + vm.vmid() + " has " + (keys.isBlank() ? "no SSH host keys (/etc/ssh/ssh_host_*_key.pub)"
        : "no IPv4 address") + " " + Durations.format(Deployment.EXEC_READY) + " after its agent answered; SSH into"
        + " it needs both (the template must have openssh-server; DHCP must answer)", null);
  }

  /** Until the guest agent answers a ping: the VM boots, cloud-init runs, qemu-ga starts. */
  private static void awaitAgent(Qemu vm) throws DeployException, InterruptedException {
    long deadline = System.nanoTime() + Deployment.EXEC_READY.toNanos();
    ProxmoxException last;
    do {
      try {
        vm.agent().ping();
        return;
      } catch (ProxmoxException e) {
        last = e;
      }
      Thread.sleep(1000);
    } while (System.nanoTime() < deadline);
    throw new DeployException("the QEMU guest agent of VM " + vm.vmid() + " did not answer within "
        + Durations.format(Deployment.EXEC_READY) + " of its start (last: " + last.getMessage() + "). The template"
        + " must have qemu-guest-agent installed and enabled; look at the VM's console", last);
  }

  /** The {@code size=} of a disk property string in bytes, 0 when it has none. */
  static long sizeBytes(String disk) {
    Matcher m = SIZE.matcher(disk);
    if (!m.find()) {
      return 0;
    }
    double amount = Double.parseDouble(m.group(1));
    int shift = switch (m.group(2)) {
      case "K" -> 10;
      case "M" -> 20;
      case "G" -> 30;
      case "T" -> 40;
      default -> 0;
    };
    return (long) (amount * (1L << shift));
  }
}
