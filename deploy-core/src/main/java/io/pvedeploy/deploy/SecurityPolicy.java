package io.pvedeploy.deploy;

import io.pvedeploy.proxmox.LxcFeatures;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How much a container is trusted with, safe by default: unprivileged, with features {@code
 * nesting=1,keyctl=1} (what Docker needs) and its AppArmor profile. Each step away is an opt-in
 * that takes a non-blank reason and shows up as a {@link SecurityWarning} in every plan. The
 * opt-ins apply to LXC only; a VM with one is a spec error.
 *
 * <pre>{@code
 * SecurityPolicy.defaults().privileged("NFS mounts inside the container (ticket OPS-12)")
 * }</pre>
 *
 * @param privilegedReason why the container is privileged; empty for unprivileged
 * @param apparmorUnconfinedReason why AppArmor is off; empty to keep it
 */
public record SecurityPolicy(Optional<String> privilegedReason, Optional<String> apparmorUnconfinedReason) {

  private static final SecurityPolicy DEFAULTS = new SecurityPolicy(Optional.empty(), Optional.empty());

  public SecurityPolicy {
    privilegedReason = privilegedReason == null ? Optional.empty() : privilegedReason;
    apparmorUnconfinedReason = apparmorUnconfinedReason == null ? Optional.empty() : apparmorUnconfinedReason;
  }

  /** Unprivileged, nesting and keyctl, AppArmor on. */
  public static SecurityPolicy defaults() {
    return DEFAULTS;
  }

  /** This policy with a privileged container, for {@code reason} (must not be blank). */
  public SecurityPolicy privileged(String reason) {
    return new SecurityPolicy(Optional.of(reason == null ? "" : reason), apparmorUnconfinedReason);
  }

  /** This policy with AppArmor off for the container, for {@code reason} (must not be blank). */
  public SecurityPolicy apparmorUnconfined(String reason) {
    return new SecurityPolicy(privilegedReason, Optional.of(reason == null ? "" : reason));
  }

  public boolean isPrivileged() {
    return privilegedReason.isPresent();
  }

  public boolean isDefault() {
    return equals(DEFAULTS);
  }

  /** The container's {@code features}: {@code nesting=1,keyctl=1}. */
  public LxcFeatures lxcFeatures() {
    return LxcFeatures.docker();
  }

  /** One warning per opt-in, with its reason. */
  public List<SecurityWarning> warnings() {
    List<SecurityWarning> out = new ArrayList<>();
    privilegedReason.ifPresent(r -> out.add(new SecurityWarning(SecurityWarning.Kind.PRIVILEGED_CONTAINER, r)));
    apparmorUnconfinedReason.ifPresent(r -> out.add(new SecurityWarning(SecurityWarning.Kind.APPARMOR_UNCONFINED, r)));
    return List.copyOf(out);
  }
}
