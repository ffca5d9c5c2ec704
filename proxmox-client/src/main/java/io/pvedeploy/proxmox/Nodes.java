package io.pvedeploy.proxmox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code /nodes}. */
public final class Nodes {
  private final ProxmoxClient client;

  Nodes(ProxmoxClient client) {
    this.client = client;
  }

  /** {@code GET /nodes}. */
  public List<NodeSummary> list() throws ProxmoxException {
    List<NodeSummary> out = new ArrayList<>();
    for (Map<String, Object> node : Json.objects(client.transport().get("/nodes", Params.of()), "nodes")) {
      out.add(NodeSummary.from(node));
    }
    return List.copyOf(out);
  }

  /** {@code /nodes/{node}}; no request is sent until you call something on it. */
  public Node node(String name) {
    return new Node(client, Checks.node(name));
  }
}
