package io.pvedeploy.proxmox;

import java.util.Map;

/**
 * One entry of {@code GET /cluster/status}: the cluster itself ({@code type} {@code cluster}) or
 * a node ({@code type} {@code node}).
 *
 * @param type {@code cluster} or {@code node}
 * @param name the cluster's or node's name
 * @param online for a node: whether it is online
 * @param quorate for the cluster: whether it has quorum
 * @param ip for a node: its cluster address
 * @param local for a node: whether it is the node that answered
 */
public record ClusterStatusEntry(String type, String name, boolean online, boolean quorate,
    String ip, boolean local) {
  static ClusterStatusEntry from(Map<String, Object> d) {
    return new ClusterStatusEntry(Json.string(d, "type", ""), Json.string(d, "name", ""),
        Json.bool(d, "online", false), Json.bool(d, "quorate", false), Json.string(d, "ip", ""),
        Json.bool(d, "local", false));
  }
}
