package io.pvedeploy.deploy.internal;

import io.pvedeploy.proxmox.LxcConfig;
import java.util.Optional;
import java.util.Set;

/**
 * The deployment's state as the planner found it on the target.
 *
 * @param vmid the guest's id: the spec's, the tagged guest's, or the next free one
 * @param node the node it is on, or will be created on
 * @param guest the guest, when it exists
 * @param survey what the guest said about Docker and the deployment, when it runs
 */
public record Observed(int vmid, String node, Optional<GuestState> guest, Optional<Survey> survey) {

  /**
   * An existing container.
   *
   * @param status {@code running}, {@code stopped}, …
   * @param tags its PVE tags
   * @param config its config, with the digest
   */
  public record GuestState(String status, Set<String> tags, LxcConfig config) {
    public GuestState {
      tags = Set.copyOf(tags);
    }

    public boolean running() {
      return "running".equals(status);
    }
  }

  /** Canonical text of everything observed, for the plan's basis. */
  String canonical() {
    StringBuilder out = new StringBuilder();
    out.append("vmid=").append(vmid).append('\n').append("node=").append(node).append('\n');
    if (guest.isEmpty()) {
      out.append("guest=absent\n");
    } else {
      GuestState g = guest.get();
      out.append("guest.status=").append(g.status()).append('\n');
      out.append("guest.digest=").append(g.config().digest()).append('\n');
      g.config().values().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
          .forEach(e -> out.append("guest.config.").append(e.getKey()).append('=').append(e.getValue()).append('\n'));
    }
    out.append("survey=").append(survey.map(Survey::raw).orElse("(none)")).append('\n');
    return out.toString();
  }
}
