package io.pvedeploy.proxmox;

import java.util.Map;
import java.util.Optional;

/**
 * A task's state as {@code GET /nodes/{node}/tasks/{upid}/status} reports it.
 *
 * @param upid the task
 * @param running whether it is still running
 * @param exitStatus PVE's exit status once it stopped ({@code OK}, {@code WARNINGS: n}, or an error)
 */
public record TaskStatus(Upid upid, boolean running, Optional<String> exitStatus) {

  static TaskStatus from(Upid upid, Map<String, Object> data) {
    boolean running = "running".equals(Json.string(data, "status"));
    return new TaskStatus(upid, running, Optional.ofNullable(Json.string(data, "exitstatus")));
  }
}
