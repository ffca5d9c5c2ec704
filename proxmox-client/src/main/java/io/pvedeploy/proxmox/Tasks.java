package io.pvedeploy.proxmox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code /nodes/{node}/tasks}. */
public final class Tasks {
  private final Node node;

  Tasks(Node node) {
    this.node = node;
  }

  /** The most recent tasks of the node (PVE's default page of 50). */
  public List<TaskSummary> list() throws ProxmoxException {
    return list(TaskQuery.builder().build());
  }

  /** {@code GET /nodes/{node}/tasks} with filters and paging. */
  public List<TaskSummary> list(TaskQuery query) throws ProxmoxException {
    Object data = node.client().transport().get(node.path() + "/tasks", query.toParams());
    List<TaskSummary> out = new ArrayList<>();
    for (Map<String, Object> row : Json.objects(data, "tasks")) {
      out.add(TaskSummary.from(row));
    }
    return List.copyOf(out);
  }

  /** A handle on one task of this node. */
  public Task get(Upid upid) {
    return node.task(upid);
  }
}
