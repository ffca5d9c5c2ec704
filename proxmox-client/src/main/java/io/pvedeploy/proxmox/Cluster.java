package io.pvedeploy.proxmox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code /cluster}. */
public final class Cluster {
  private final Transport transport;

  Cluster(Transport transport) {
    this.transport = transport;
  }

  /** {@code GET /cluster/resources}: every guest, storage and node of the cluster. */
  public List<ClusterResource> resources() throws ProxmoxException {
    return resources(null);
  }

  /** {@code GET /cluster/resources?type=…}; {@code null} means all types. */
  public List<ClusterResource> resources(ClusterResource.Type type) throws ProxmoxException {
    Params params = Params.of();
    if (type != null) {
      params.put("type", type.apiName());
    }
    List<ClusterResource> resources =
        transport.getScanned("/cluster/resources", params, ClusterResource::readAll);
    return resources == null ? List.of() : resources;
  }

  /** {@code GET /cluster/nextid}: the lowest free vmid. */
  public int nextId() throws ProxmoxException {
    return parseVmid(transport.get("/cluster/nextid", Params.of()));
  }

  /**
   * {@code GET /cluster/nextid?vmid=…}: whether {@code vmid} is free.
   *
   * @throws AlreadyExistsException if a guest has it
   */
  public int checkFree(int vmid) throws ProxmoxException {
    return parseVmid(transport.get("/cluster/nextid", Params.of().put("vmid", Checks.vmid(vmid))));
  }

  private static int parseVmid(Object data) throws UnexpectedResponseException {
    try {
      return Integer.parseInt(String.valueOf(data));
    } catch (NumberFormatException e) {
      throw new UnexpectedResponseException("PVE answered a next id that is not a number: " + data, e);
    }
  }

  /** {@code GET /cluster/status}: the cluster and its nodes, with quorum. */
  public List<ClusterStatusEntry> status() throws ProxmoxException {
    List<ClusterStatusEntry> out = new ArrayList<>();
    for (Map<String, Object> row : Json.objects(transport.get("/cluster/status", Params.of()), "cluster status")) {
      out.add(ClusterStatusEntry.from(row));
    }
    return List.copyOf(out);
  }
}
