package io.pvedeploy.deploy;

/**
 * A saved {@link Plan} was about to be applied, but what it was made from has changed since
 * (someone else deployed, a guest's config was edited): applying it could undo their change.
 * Nothing was changed. Make a new plan, review it, apply that.
 */
public class StalePlanException extends DeployException {
  private static final long serialVersionUID = 1L;

  private final String planBasis;
  private final String currentBasis;

  public StalePlanException(String app, String planBasis, String currentBasis) {
    super("the plan for " + app + " was made from state " + abbreviate(planBasis) + ", but the state"
        + " is now " + abbreviate(currentBasis) + ": something changed since the plan was made, so it"
        + " was not applied and nothing was changed. Make a new plan and review it", null);
    this.planBasis = planBasis;
    this.currentBasis = currentBasis;
  }

  public String planBasis() {
    return planBasis;
  }

  public String currentBasis() {
    return currentBasis;
  }

  private static String abbreviate(String digest) {
    return digest.length() > 19 ? digest.substring(0, 19) + "…" : digest;
  }
}
