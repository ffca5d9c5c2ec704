package io.pvedeploy.proxmox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code …/snapshot} of a container or VM. */
public final class Snapshots {
  private final Node node;
  private final String guestPath;

  Snapshots(Node node, String guestPath) {
    this.node = node;
    this.guestPath = guestPath;
  }

  /** The guest's snapshots, oldest first; PVE's {@code current} pseudo-entry is left out. */
  public List<Snapshot> list() throws ProxmoxException {
    List<Snapshot> out = new ArrayList<>();
    for (Map<String, Object> s : Json.objects(node.client().transport().get(guestPath + "/snapshot", Params.of()), "snapshots")) {
      if (!"current".equals(Json.string(s, "name"))) {
        out.add(Snapshot.from(s));
      }
    }
    out.sort(java.util.Comparator.comparing(s -> s.created().orElse(java.time.Instant.EPOCH)));
    return List.copyOf(out);
  }

  /** {@code POST …/snapshot}. */
  public Task create(String name, String description) throws ProxmoxException {
    Params params = Params.of().put("snapname", Checks.snapshotName(name));
    if (description != null && !description.isEmpty()) {
      params.put("description", description);
    }
    return node.startTask(guestPath + "/snapshot", params, "POST");
  }

  /** {@code POST …/snapshot/{name}/rollback}. */
  public Task rollback(String name) throws ProxmoxException {
    return node.startTask(guestPath + Transport.path("snapshot", Checks.snapshotName(name), "rollback"), Params.of(), "POST");
  }

  /** {@code DELETE …/snapshot/{name}}. */
  public Task delete(String name) throws ProxmoxException {
    return node.startTask(guestPath + Transport.path("snapshot", Checks.snapshotName(name)), Params.of(), "DELETE");
  }
}
