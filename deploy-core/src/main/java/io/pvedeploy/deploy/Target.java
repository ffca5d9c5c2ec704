package io.pvedeploy.deploy;

import io.pvedeploy.proxmox.NodeShell;
import io.pvedeploy.proxmox.ProxmoxClient;
import java.util.Optional;

/**
 * Where a spec is deployed: runtime wiring, never part of a {@link DeploymentSpec} or its YAML.
 *
 * @param client the PVE API
 * @param node the node's shell, for what the API cannot do ({@code pct exec}, {@code keyctl=1}
 *     with an API token, AppArmor settings); empty for API only
 * @param guestSsh plain SSH into the guest, used instead of {@code pct exec} or the guest agent
 *     for everything inside it; empty to use those
 */
public record Target(ProxmoxClient client, Optional<NodeShell> node, Optional<GuestSsh> guestSsh) {

  public Target {
    if (client == null) {
      throw new IllegalArgumentException("a target needs a ProxmoxClient");
    }
    node = node == null ? Optional.empty() : node;
    guestSsh = guestSsh == null ? Optional.empty() : guestSsh;
  }

  public Target(ProxmoxClient client, Optional<NodeShell> node) {
    this(client, node, Optional.empty());
  }

  public static Target of(ProxmoxClient client) {
    return new Target(client, Optional.empty(), Optional.empty());
  }

  /** This target, reaching the node's CLI through {@code node}. */
  public Target via(NodeShell node) {
    if (node == null) {
      throw new IllegalArgumentException("node shell must not be null");
    }
    return new Target(client, Optional.of(node), guestSsh);
  }

  /** This target, entering its guests over SSH ({@link GuestSsh}). */
  public Target guestSsh(GuestSsh ssh) {
    if (ssh == null) {
      throw new IllegalArgumentException("guest SSH settings must not be null");
    }
    return new Target(client, node, Optional.of(ssh));
  }
}
