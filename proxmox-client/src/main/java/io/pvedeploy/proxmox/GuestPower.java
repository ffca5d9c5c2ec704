package io.pvedeploy.proxmox;

import java.time.Duration;

/**
 * {@code …/status} of a container or VM: its current state, and the calls that change it. Every
 * change is a PVE task; await it to know it happened.
 */
public final class GuestPower {
  private final Node node;
  private final String guestPath;
  private final int vmid;

  GuestPower(Node node, String guestPath, int vmid) {
    this.node = node;
    this.guestPath = guestPath;
    this.vmid = vmid;
  }

  /** {@code GET …/status/current}. */
  public GuestStatus current() throws ProxmoxException {
    return GuestStatus.from(vmid,
        Json.object(node.client().transport().get(guestPath + "/status/current", Params.of()), "guest status"));
  }

  /** {@code POST …/status/start}. */
  public Task start() throws ProxmoxException {
    return node.startTask(guestPath + "/status/start", Params.of(), "POST");
  }

  /** {@code POST …/status/stop}: immediate, like pulling the plug. Prefer {@link #shutdown}. */
  public Task stop() throws ProxmoxException {
    return node.startTask(guestPath + "/status/stop", Params.of(), "POST");
  }

  /**
   * {@code POST …/status/shutdown}: asks the guest to shut down cleanly within {@code timeout};
   * with {@code forceStop} PVE stops it when the time is up.
   */
  public Task shutdown(Duration timeout, boolean forceStop) throws ProxmoxException {
    if (timeout == null || timeout.isNegative()) {
      throw new IllegalArgumentException("shutdown timeout must not be negative, got " + timeout);
    }
    return node.startTask(guestPath + "/status/shutdown",
        Params.of().put("timeout", timeout.toSeconds()).put("forceStop", forceStop), "POST");
  }

  /** {@code POST …/status/reboot}. */
  public Task reboot() throws ProxmoxException {
    return node.startTask(guestPath + "/status/reboot", Params.of(), "POST");
  }
}
