package io.pvedeploy.proxmox;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A container's config as {@code GET …/lxc/{vmid}/config} returns it: every key as PVE stores
 * it, typed views of the keys a deployer uses, and the {@code digest} to make a safe update.
 *
 * @param values every key and its value, as PVE stores it
 * @param digest the config's digest, for {@link ConfigUpdate.Builder#digest(String)}
 */
public record LxcConfig(Map<String, String> values, String digest) {
  public LxcConfig {
    values = Map.copyOf(values);
  }

  static LxcConfig from(Map<String, Object> data) {
    Map<String, String> values = new TreeMap<>(Json.stringMap(data));
    String digest = values.remove("digest");
    return new LxcConfig(values, digest == null ? "" : digest);
  }

  public Optional<String> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  public Optional<String> hostname() {
    return get("hostname");
  }

  /** PVE treats a missing {@code unprivileged} key as privileged. */
  public boolean unprivileged() {
    return get("unprivileged").map(v -> v.equals("1")).orElse(false);
  }

  public int memoryMiB() {
    return get("memory").map(Integer::parseInt).orElse(512);
  }

  public Optional<Integer> cores() {
    return get("cores").map(Integer::parseInt);
  }

  /** The config lock a running task holds, if any. */
  public Optional<String> lock() {
    return get("lock");
  }

  public LxcFeatures features() {
    return get("features").map(LxcFeatures::parse).orElse(LxcFeatures.none());
  }

  public Optional<MountPoint> rootfs() {
    return get("rootfs").map(MountPoint::parseRootfs);
  }

  public Optional<MountPoint> mountPoint(int index) {
    return get("mp" + index).map(MountPoint::parseMountPoint);
  }

  public Optional<LxcNetwork> network(int index) {
    return get("net" + index).map(LxcNetwork::parse);
  }

  /** All {@code net[n]} keys, by index. */
  public Map<Integer, LxcNetwork> networks() {
    Map<Integer, LxcNetwork> out = new TreeMap<>();
    values.forEach((k, v) -> {
      if (k.matches("net\\d+")) {
        out.put(Integer.parseInt(k.substring(3)), LxcNetwork.parse(v));
      }
    });
    return Map.copyOf(out);
  }

  /** All {@code mp[n]} keys, by index. */
  public Map<Integer, MountPoint> mountPoints() {
    Map<Integer, MountPoint> out = new TreeMap<>();
    values.forEach((k, v) -> {
      if (k.matches("mp\\d+")) {
        out.put(Integer.parseInt(k.substring(2)), MountPoint.parseMountPoint(v));
      }
    });
    return Map.copyOf(out);
  }
}
