package io.pvedeploy.proxmox;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * One snapshot of a guest.
 *
 * @param name its name
 * @param description its description
 * @param parent the snapshot it was taken after, if any
 * @param created when it was taken
 */
public record Snapshot(String name, String description, Optional<String> parent,
    Optional<Instant> created) {
  static Snapshot from(Map<String, Object> d) {
    long time = Json.longValue(d, "snaptime", -1);
    return new Snapshot(Json.string(d, "name", ""), Json.string(d, "description", ""),
        Optional.ofNullable(Json.string(d, "parent")),
        time < 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(time)));
  }
}
