package io.pvedeploy.sandbox.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** A simulated guest: its config file (with snapshot sections) and its runtime state. */
final class Guest {
  /** One {@code [snapname]} section of the config file. */
  record Snapshot(String name, Map<String, String> config) {}

  /** A finished (simulated) guest-agent exec. */
  record ExecResult(int exitcode, String out, String err) {}

  final int vmid;
  final GuestType type;
  String node;
  final Map<String, String> config = new LinkedHashMap<>();
  final Map<String, Snapshot> snapshots = new LinkedHashMap<>();
  boolean running;
  long startedAt;
  /** The fake filesystem a QEMU guest agent reads and writes. */
  final Map<String, byte[]> files = new HashMap<>();
  final Map<Integer, ExecResult> execs = new HashMap<>();
  int nextExecPid = 1000;

  /** The task holding the config file's flock ({@code lock_config}), and who waits for it. */
  Task flockOwner;
  final Deque<Task> flockWaiters = new ArrayDeque<>();

  Guest(int vmid, GuestType type, String node) {
    this.vmid = vmid;
    this.type = type;
    this.node = node;
  }

  String name() {
    String key = type == GuestType.LXC ? "hostname" : "name";
    return config.getOrDefault(key, (type == GuestType.LXC ? "CT" : "VM") + vmid);
  }

  String lock() {
    return config.get("lock");
  }

  boolean isTemplate() {
    return "1".equals(config.get("template"));
  }

  String configPath() {
    return "nodes/" + node + "/" + type.confDir + "/" + vmid + ".conf";
  }

  /**
   * The config file as PVE writes it: description as comments, keys sorted, a container's raw
   * {@code lxc.*} lines, then the snapshots (see {@link ConfigFile}).
   */
  String render() {
    return ConfigFile.render(this);
  }

  /** SHA-1 hex of the config file, PVE's {@code digest}. */
  String digest() {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-1").digest(render().getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder();
      for (byte x : d) {
        hex.append(String.format("%02x", x));
      }
      return hex.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  long maxmem() {
    return Long.parseLong(config.getOrDefault("memory", type == GuestType.LXC ? "512" : "2048"))
        * 1024
        * 1024;
  }

  int cores() {
    return Integer.parseInt(config.getOrDefault("cores", "1"));
  }

  /** Sum of the sizes of the guest's disks ({@code size=8G}), in bytes. */
  long maxdisk() {
    String key = type == GuestType.LXC ? "rootfs" : null;
    long total = 0;
    for (Map.Entry<String, String> e : config.entrySet()) {
      boolean disk =
          key != null
              ? e.getKey().equals(key)
              : e.getKey().matches("(scsi|virtio|sata|ide)\\d+") && !e.getValue().contains("media=cdrom");
      if (disk) {
        total += Volumes.sizeOf(e.getValue());
      }
    }
    return total;
  }

  long uptime(long now) {
    return running ? Math.max(0, now - startedAt) : 0;
  }
}
