package io.pvedeploy.proxmox;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * One entry of a node's task list.
 *
 * @param upid the task
 * @param status PVE's status text once it ended ({@code OK}, an error), empty while running
 * @param endTime when it ended, empty while running
 */
public record TaskSummary(Upid upid, Optional<String> status, Optional<Instant> endTime) {

  static TaskSummary from(Map<String, Object> data) throws UnexpectedResponseException {
    String upid = Json.string(data, "upid");
    if (!Upid.isUpid(upid)) {
      throw new UnexpectedResponseException("task list entry without a valid upid: " + upid);
    }
    long end = Json.longValue(data, "endtime", -1);
    return new TaskSummary(
        Upid.parse(upid),
        Optional.ofNullable(Json.string(data, "status")),
        end < 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(end)));
  }
}
