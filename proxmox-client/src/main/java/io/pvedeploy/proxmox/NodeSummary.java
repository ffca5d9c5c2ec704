package io.pvedeploy.proxmox;

import java.util.Map;

/**
 * One entry of {@code GET /nodes}.
 *
 * @param node its name
 * @param online whether the cluster sees it online
 * @param cpu CPU usage, 0.0 to 1.0
 * @param maxCpu CPUs
 * @param memory used memory in bytes
 * @param maxMemory memory in bytes
 * @param uptimeSeconds uptime
 * @param sslFingerprint the SHA-256 fingerprint of its certificate, as PVE shows it
 */
public record NodeSummary(String node, boolean online, double cpu, int maxCpu, long memory,
    long maxMemory, long uptimeSeconds, String sslFingerprint) {
  static NodeSummary from(Map<String, Object> d) {
    return new NodeSummary(Json.string(d, "node"), "online".equals(Json.string(d, "status")),
        Json.doubleValue(d, "cpu", 0), Json.intValue(d, "maxcpu", 0), Json.longValue(d, "mem", 0),
        Json.longValue(d, "maxmem", 0), Json.longValue(d, "uptime", 0),
        Json.string(d, "ssl_fingerprint", ""));
  }
}
