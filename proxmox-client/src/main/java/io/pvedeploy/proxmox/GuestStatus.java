package io.pvedeploy.proxmox;

import java.util.Map;
import java.util.Optional;

/**
 * {@code GET …/status/current} of a container or VM.
 *
 * @param vmid the guest
 * @param name its name (hostname for containers)
 * @param status {@code running}, {@code stopped}, …
 * @param lock its config lock, if a task holds one
 * @param uptimeSeconds uptime while running
 * @param cpus CPUs it may use
 * @param maxMemory bytes
 * @param memory bytes used
 * @param agentRunning for VMs: whether the QEMU guest agent answers (PVE's {@code agent} flag)
 * @param template whether it is a template
 */
public record GuestStatus(int vmid, String name, String status, Optional<String> lock,
    long uptimeSeconds, double cpus, long maxMemory, long memory, boolean agentRunning,
    boolean template) {

  public boolean isRunning() {
    return status.equals("running");
  }

  static GuestStatus from(int vmid, Map<String, Object> d) {
    return new GuestStatus(vmid, Json.string(d, "name", ""), Json.string(d, "status", ""),
        Optional.ofNullable(Json.string(d, "lock")).filter(s -> !s.isEmpty()),
        Json.longValue(d, "uptime", 0), Json.doubleValue(d, "cpus", 0),
        Json.longValue(d, "maxmem", 0), Json.longValue(d, "mem", 0),
        Json.bool(d, "agent", false), Json.bool(d, "template", false));
  }
}
