package io.pvedeploy.deploy.internal;

import io.pvedeploy.deploy.ApplyEvent;
import io.pvedeploy.deploy.DeployException;
import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.GuestKind;
import io.pvedeploy.deploy.PlanStep;
import io.pvedeploy.deploy.Target;
import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.proxmox.ClusterResource;
import io.pvedeploy.proxmox.ProxmoxException;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What differs between the kinds of guest: how one is read, made, changed and started, and the
 * shell into it. Everything inside the guest (Docker, secrets, images, the release) is the same
 * for both and lives in {@link Deployment}; the guest's plan step is {@link Differ}'s.
 */
sealed interface GuestDriver permits LxcDriver, VmDriver {

  static GuestDriver of(DeploymentSpec spec, Target target) {
    return spec.guest().kind() == GuestKind.VM ? new VmDriver(target) : new LxcDriver(target);
  }

  /** The {@code type} of this kind's guests in {@code /cluster/resources}: {@code lxc} or {@code qemu}. */
  String resourceType();

  /** The kind in a sentence: "an LXC container", "a VM". */
  String noun();

  /** How a user adds {@code tag} to guest {@code vmid} on the node's CLI. */
  String tagCommand(int vmid, String tag);

  /** Refuses a spec this kind cannot deploy onto this target, before anything is read. */
  void precheck(DeploymentSpec spec) throws DeployException;

  /**
   * Checks what the plan for a guest that does not exist yet relies on, from the guests the
   * planner listed anyway (the VM template) and, for a VM with a data volume, the template's config.
   */
  default void checkCreate(DeploymentSpec spec, java.util.List<ClusterResource> guests)
      throws DeployException, ProxmoxException {}

  /** The guest's config and state. */
  Observed.GuestState read(ClusterResource guest) throws ProxmoxException;

  /** A shell into the (running) guest {@code vmid} on {@code node}. */
  GuestShell shell(String node, int vmid);

  /**
   * Carries out the guest's plan step: create, replace or update it, start it if it is not
   * running, and return once {@code shell} runs commands in it.
   *
   * @return whether a guest that was running was restarted (for a change that takes effect only
   *     at start): the app's containers then need bringing back up
   */
  boolean apply(DeploymentSpec spec, PlanStep step, Observed observed, GuestShell shell, Consumer<ApplyEvent> listener)
      throws ProxmoxException, DeployException, InterruptedException;

  /** The guest's IPv4 address as the guest reports it (for DHCP), or empty. */
  Optional<String> reportedAddress(Observed observed) throws ProxmoxException;
}
