package io.pvedeploy.deploy;

/**
 * A security opt-in a spec makes, with the reason it states; the planner prints every one in
 * every plan.
 *
 * @param kind what was opted into
 * @param reason why, in the spec's words
 */
public record SecurityWarning(Kind kind, String reason) {

  /** The opt-ins away from the safe defaults. */
  public enum Kind {
    /** A privileged LXC container: root inside is root on the host. */
    PRIVILEGED_CONTAINER("privileged container: root inside the container is root on the node"),
    /** AppArmor off for the container ({@code lxc.apparmor.profile: unconfined}). */
    APPARMOR_UNCONFINED("AppArmor unconfined: the container runs without its AppArmor profile");

    private final String risk;

    Kind(String risk) {
      this.risk = risk;
    }

    /** What the opt-in gives away. */
    public String risk() {
      return risk;
    }
  }

  public SecurityWarning {
    if (kind == null || reason == null) {
      throw new IllegalArgumentException("a security warning needs a kind and a reason");
    }
  }

  /** {@code risk (reason: …)}, one line for a plan. */
  public String message() {
    return kind.risk() + " (reason: " + reason + ")";
  }
}
