package io.pvedeploy.proxmox;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One entry of {@code GET /nodes/{node}/storage}.
 *
 * @param storage its id, e.g. {@code local-lvm}
 * @param type {@code dir}, {@code lvmthin}, {@code zfspool}, {@code pbs}, …
 * @param content what it may hold: {@code vztmpl}, {@code backup}, {@code rootdir}, {@code images}, …
 * @param active whether it is usable now
 * @param totalBytes its size
 * @param usedBytes what is used
 * @param availableBytes what is free
 * @param shared whether all nodes see the same storage
 */
public record StorageSummary(String storage, String type, Set<String> content, boolean active,
    long totalBytes, long usedBytes, long availableBytes, boolean shared) {
  public StorageSummary {
    content = Set.copyOf(content);
  }

  static StorageSummary from(Map<String, Object> d) {
    Set<String> content = Arrays.stream(Json.string(d, "content", "").split(","))
        .map(String::strip).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    return new StorageSummary(Json.string(d, "storage", ""), Json.string(d, "type", ""), content,
        Json.bool(d, "active", true), Json.longValue(d, "total", 0), Json.longValue(d, "used", 0),
        Json.longValue(d, "avail", 0), Json.bool(d, "shared", false));
  }
}
