package io.pvedeploy.proxmox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A container's config as {@code GET …/lxc/{vmid}/config} returns it: every key as PVE stores
 * it, typed views of the keys a deployer uses, and the {@code digest} to make a safe update.
 *
 * @param values every key and its value, as PVE stores it; the raw {@code lxc.*} entries, which
 *     the API returns as an array of pairs, under {@value #RAW_KEY}, one {@code key: value} line
 *     each, as in the config file (see {@link #rawEntries()})
 * @param digest the config's digest, for {@link ConfigUpdate.Builder#digest(String)}
 */
public record LxcConfig(Map<String, String> values, String digest) {
  /** The key of {@link #values()} that holds the raw {@code lxc.*} lines. */
  public static final String RAW_KEY = "lxc";

  public LxcConfig {
    values = Map.copyOf(values);
  }

  static LxcConfig from(Map<String, Object> data) {
    Object raw = data.get(RAW_KEY);
    Map<String, String> values = new TreeMap<>(Json.stringMap(data));
    values.remove(RAW_KEY);
    if (raw instanceof List<?> pairs && !pairs.isEmpty()) {
      StringBuilder lines = new StringBuilder();
      for (Object pair : pairs) {
        if (!(pair instanceof List<?> kv) || kv.size() != 2) {
          throw new IllegalArgumentException("PVE answered a raw lxc entry that is not a [key, value] pair: " + pair);
        }
        lines.append(lines.length() == 0 ? "" : "\n").append(kv.get(0)).append(": ").append(kv.get(1));
      }
      values.put(RAW_KEY, lines.toString());
    }
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

  /**
   * The raw {@code lxc.*} entries of the config file, in its order (a key may repeat; for a
   * single-valued key LXC takes the last).
   */
  public List<LxcRawEntry> rawEntries() {
    String lines = values.get(RAW_KEY);
    if (lines == null || lines.isEmpty()) {
      return List.of();
    }
    List<LxcRawEntry> out = new ArrayList<>();
    for (String line : lines.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        throw new MalformedPropertyException(RAW_KEY, null, "line '" + line + "' has no ':'", "key: value");
      }
      out.add(new LxcRawEntry(line.substring(0, colon).strip(), line.substring(colon + 1).strip()));
    }
    return List.copyOf(out);
  }

  /** The value LXC takes for a raw key: its last entry, if any. */
  public Optional<String> raw(String key) {
    Optional<String> value = Optional.empty();
    for (LxcRawEntry entry : rawEntries()) {
      if (entry.key().equals(key)) {
        value = Optional.of(entry.value());
      }
    }
    return value;
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
