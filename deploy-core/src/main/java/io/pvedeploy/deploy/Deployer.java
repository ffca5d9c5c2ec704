package io.pvedeploy.deploy;

import io.pvedeploy.deploy.internal.Differ;
import io.pvedeploy.deploy.internal.Deployment;
import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.docker.LocalShell;
import io.pvedeploy.secrets.SecretStore;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Plans and applies {@link DeploymentSpec}s on one {@link Target}: built once, shared, specialised
 * with the {@code with}-style setters (each returns a new deployer).
 *
 * <pre>{@code
 * Deployer deployer = Deployer.to(Target.of(pve).via(node)).secrets(store);
 * Plan plan = deployer.plan(spec);            // reads only; never generates a secret
 * System.out.print(plan.render());
 * DeploymentResult r = deployer.apply(spec, plan, event -> log.info("{}", event));
 * }</pre>
 *
 * <p>A plan reads the target in as few calls as it can: one {@code GET /cluster/resources}, the
 * guest's config and one shell round trip into a running guest. Applying the same spec twice
 * changes nothing the second time ({@link Plan#hasChanges()} is false).
 *
 * <p>An LXC container ({@code guest.kind: lxc}) needs the node's {@link
 * io.pvedeploy.proxmox.NodeShell} in the target ({@code pct exec}, and {@code keyctl=1}, which
 * PVE refuses to API tokens). A VM ({@code guest.kind: vm}), a full clone of a cloud-init
 * template, needs only the API: the deployer works in it through the QEMU guest agent ({@link
 * AgentGuestShell}).
 */
public final class Deployer {
  private final Target target;
  private final SecretStore store;
  private final GuestShell localDocker;

  private Deployer(Target target, SecretStore store, GuestShell localDocker) {
    this.target = target;
    this.store = store;
    this.localDocker = localDocker;
  }

  /** A deployer onto {@code target}, using this machine's Docker for the images it ships. */
  public static Deployer to(Target target) {
    if (target == null) {
      throw new IllegalArgumentException("target must not be null");
    }
    return new Deployer(target, null, LocalShell.create());
  }

  /** This deployer, taking the spec's secrets from {@code store} (needed when a spec has secrets). */
  public Deployer secrets(SecretStore store) {
    if (store == null) {
      throw new IllegalArgumentException("secret store must not be null");
    }
    return new Deployer(target, store, localDocker);
  }

  /** This deployer, reading the images to ship from the Docker that {@code shell} reaches. */
  public Deployer localDocker(GuestShell shell) {
    if (shell == null) {
      throw new IllegalArgumentException("local docker shell must not be null (LocalShell.create())");
    }
    return new Deployer(target, store, shell);
  }

  public Target target() {
    return target;
  }

  /**
   * What applying {@code spec} would change. Reads the target and the secret store; changes
   * nothing, generates nothing.
   *
   * @throws DeployException if the spec cannot be deployed onto this target as it is (then
   *     nothing was changed), or observing failed
   */
  public Plan plan(DeploymentSpec spec) throws DeployException {
    return observeAndPlan(spec).plan;
  }

  /**
   * Carries out {@code plan}, made earlier for {@code spec}: observes again first and refuses a
   * plan made from a state that has changed since.
   *
   * @throws StalePlanException if the state changed since the plan was made (nothing was changed)
   * @throws DeploymentLockedException if another apply (or a person) holds the deploy lock
   * @throws ReleaseRolledBackException if the new release failed its health gate and the previous
   *     one was brought back up
   * @throws DeployException if a step failed; {@link ApplyEvent.StepFailed} names it
   */
  public DeploymentResult apply(DeploymentSpec spec, Plan plan, Consumer<ApplyEvent> listener)
      throws DeployException {
    long started = System.nanoTime();
    if (plan == null || !plan.app().equals(spec.app())) {
      throw new IllegalArgumentException("the plan is for " + (plan == null ? "nothing" : plan.app())
          + ", the spec for " + spec.app());
    }
    Planned now = observeAndPlan(spec);
    plan.checkBasis(now.plan.basis());
    return deployment(spec).apply(spec, plan, now.observation, listener == null ? e -> { } : listener, started);
  }

  /** Plans and applies {@code spec} in one go (one observation). */
  public DeploymentResult apply(DeploymentSpec spec, Consumer<ApplyEvent> listener) throws DeployException {
    long started = System.nanoTime();
    Planned planned = observeAndPlan(spec);
    return deployment(spec).apply(spec, planned.plan, planned.observation, listener == null ? e -> { } : listener,
        started);
  }

  /**
   * Who holds {@code spec}'s deploy lock on its guest, if anyone. Every apply that changes
   * anything inside the guest takes the lock ({@code <base>/<app>/.lock} in the guest, so
   * appliers on different machines see the same lock) and releases it when it ends.
   *
   * @throws DeployException if the app has no running guest (the lock lives in it)
   */
  public Optional<LockHolder> lockHolder(DeploymentSpec spec) throws DeployException {
    return deployment(spec).lockHolder(spec);
  }

  /**
   * Takes {@code spec}'s deploy lock for a person, as Kamal's {@code lock acquire -m}: applies
   * fail with {@link DeploymentLockedException} until {@link #unlock} releases it.
   *
   * @param message why, shown to whoever is refused ("db migration until 14:00")
   * @throws DeploymentLockedException if someone holds it already
   */
  public LockHolder lock(DeploymentSpec spec, String message) throws DeployException {
    if (message == null || message.isBlank()) {
      throw new IllegalArgumentException("say why the deploys are locked (message), for whoever is refused");
    }
    return deployment(spec).lock(spec, message);
  }

  /**
   * Releases {@code spec}'s deploy lock whoever holds it: after {@link #lock}, or when the apply
   * that held it is known to have died (kill -9, a lost machine).
   *
   * @return who held it, or empty if nobody did
   */
  public Optional<LockHolder> unlock(DeploymentSpec spec) throws DeployException {
    return deployment(spec).unlock(spec);
  }

  private record Planned(Plan plan, Deployment.Observation observation) {}

  private Planned observeAndPlan(DeploymentSpec spec) throws DeployException {
    if (spec == null) {
      throw new IllegalArgumentException("spec must not be null");
    }
    Deployment.Observation o = deployment(spec).observe(spec);
    return new Planned(Differ.plan(spec, o.desired(), o.observed()), o);
  }

  private Deployment deployment(DeploymentSpec spec) {
    return Deployment.of(spec, target, store, localDocker);
  }

  @Override
  public String toString() {
    return "Deployer[" + target.client() + (target.node().isPresent() ? " via " + target.node().get() : "") + "]";
  }
}
