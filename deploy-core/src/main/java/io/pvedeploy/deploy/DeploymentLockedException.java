package io.pvedeploy.deploy;

import java.time.Instant;

/**
 * Another apply (or an operator, {@link Deployer#lock}) holds the app's deploy lock on its guest;
 * nothing was changed. Wait for that apply to end, or, when it is known to have died, release
 * the lock with {@link Deployer#unlock}.
 */
public final class DeploymentLockedException extends DeployException {
  private static final long serialVersionUID = 1L;

  private final transient LockHolder holder;

  public DeploymentLockedException(String app, String guest, LockHolder holder) {
    super(app + " on " + guest + " is locked by " + holder.describe(Instant.now()) + ". Nothing was changed."
        + " Wait for that deploy to finish; if it is known to have died, release the lock with"
        + " Deployer.unlock(spec)", null);
    this.holder = holder;
  }

  public LockHolder holder() {
    return holder;
  }
}
