package io.pvedeploy.deploy.internal;

import io.pvedeploy.proxmox.LxcConfig;
import io.pvedeploy.proxmox.QemuConfig;
import java.util.Map;
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
   * An existing guest, container or VM: its config as PVE stores it, read through the kind's own
   * typed view ({@link #lxc()}, {@link #qemu()}).
   *
   * @param status {@code running}, {@code stopped}, …
   * @param tags its PVE tags
   * @param config its config, every key as PVE stores it
   * @param digest the config's digest, for an update that must not overwrite a concurrent one
   */
  public record GuestState(String status, Set<String> tags, Map<String, String> config, String digest) {
    public GuestState {
      tags = Set.copyOf(tags);
      config = Map.copyOf(config);
    }

    /** An existing container. */
    public GuestState(String status, Set<String> tags, LxcConfig config) {
      this(status, tags, config.values(), config.digest());
    }

    /** An existing VM. */
    public GuestState(String status, Set<String> tags, QemuConfig config) {
      this(status, tags, config.values(), config.digest());
    }

    public boolean running() {
      return "running".equals(status);
    }

    /** The config as a container's. */
    public LxcConfig lxc() {
      return new LxcConfig(config, digest);
    }

    /** The config as a VM's. */
    public QemuConfig qemu() {
      return new QemuConfig(config, digest);
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
      out.append("guest.digest=").append(g.digest()).append('\n');
      g.config().entrySet().stream().sorted(Map.Entry.comparingByKey())
          .forEach(e -> out.append("guest.config.").append(e.getKey()).append('=').append(e.getValue()).append('\n'));
    }
    out.append("survey=").append(survey.map(Survey::raw).orElse("(none)")).append('\n');
    return out.toString();
  }
}
