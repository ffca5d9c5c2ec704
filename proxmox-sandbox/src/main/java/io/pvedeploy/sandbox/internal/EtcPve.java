package io.pvedeploy.sandbox.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guests' part of the node's {@code /etc/pve}, which the node shell's sessions see (the
 * sandbox binds this directory there, in sshd's private mount namespace): {@code
 * nodes/<node>/lxc/<vmid>.conf} and {@code nodes/<node>/qemu-server/<vmid>.conf} for every guest
 * of every node, and pmxcfs's links {@code local}, {@code lxc} and {@code qemu-server} to the
 * first node's.
 *
 * <p>Both ways, deterministically, under the cluster lock: {@link #sync} writes every guest whose
 * config changed since it was last written (on every {@link Cluster#touch()}), and {@link
 * #takeBack} reads a guest's file back when it is no longer the file the sandbox wrote (another
 * inode, size, mtime or ctime; one stat) before an API call uses the guest. An admin who edits the
 * file over SSH and then calls the API sees the edit, as on PVE, with no watcher to race.
 */
final class EtcPve {
  private static final Logger LOG = LoggerFactory.getLogger(EtcPve.class);

  /** What identifies a file version: a rename, a write, even a same-size one, changes it. */
  private record Stamp(Object inode, long size, FileTime mtime, FileTime ctime) {}

  /** What the sandbox last wrote for a guest, and the file it became. */
  private record Written(String node, GuestType type, Map<String, String> config, Map<String, Guest.Snapshot> snapshots,
      Stamp stamp) {
    boolean matches(Guest g) {
      return node.equals(g.node) && type == g.type && config.equals(g.config) && snapshots.equals(g.snapshots);
    }
  }

  private final Path root;
  private final Map<Integer, Written> written = new HashMap<>();

  /** Lays out {@code root} (an empty directory) for these nodes; the first is the node shell's. */
  EtcPve(Path root, List<String> nodes) {
    this.root = root;
    try {
      for (String node : nodes) {
        for (GuestType type : GuestType.values()) {
          Files.createDirectories(root.resolve("nodes").resolve(node).resolve(type.confDir));
        }
      }
      String local = "nodes/" + nodes.get(0);
      Files.createSymbolicLink(root.resolve("local"), Path.of(local));
      for (GuestType type : GuestType.values()) {
        Files.createSymbolicLink(root.resolve(type.confDir), Path.of(local, type.confDir));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lay out the node's /etc/pve stand-in in " + root, e);
    }
  }

  Path root() {
    return root;
  }

  Path file(Guest g) {
    return root.resolve(g.configPath());
  }

  /**
   * Writes the file of every guest whose config, snapshots, node or type changed since its last
   * write, and removes the files of guests that are gone. Cheap when nothing changed: a map
   * comparison per guest, no rendering.
   */
  void sync(NavigableMap<Integer, Guest> guests) {
    for (Guest g : guests.values()) {
      Written w = written.get(g.vmid);
      if (w != null && w.matches(g)) {
        continue;
      }
      if (w != null && (!w.node.equals(g.node) || w.type != g.type)) {
        delete(w, g.vmid);
      }
      write(g);
    }
    for (Iterator<Map.Entry<Integer, Written>> it = written.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Integer, Written> e = it.next();
      Guest g = guests.get(e.getKey());
      if (g == null) {
        delete(e.getValue(), e.getKey());
        it.remove();
      }
    }
  }

  /**
   * Makes an edit of the guest's file the guest's config: when the file is not the one the
   * sandbox last wrote, parses it as PVE does (logging what it skips), replaces config and
   * snapshots with it and rewrites the file in PVE's canonical form. A removed file is written
   * again (a guest is destroyed through the API, not by deleting its file). Returns whether the
   * guest's config changed.
   */
  boolean takeBack(Guest g) {
    Written w = written.get(g.vmid);
    if (w == null || !w.node.equals(g.node) || w.type != g.type) {
      return false; // not written yet, or moved: sync writes it, there is nothing of ours to compare
    }
    Path file = file(g);
    Stamp now = stamp(file);
    if (Objects.equals(w.stamp, now)) {
      return false;
    }
    if (now == null) {
      LOG.warn("{} was removed through the node shell; writing it again (destroy a guest through the API or pct)",
          g.configPath());
      write(g);
      return false;
    }
    String text;
    try {
      text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      LOG.warn("cannot read {} as edited through the node shell; keeping the sandbox's config: {}", file, e.toString());
      return false;
    }
    ConfigFile.Parsed parsed = ConfigFile.parse(g.type, g.vmid, text, g);
    for (String warning : parsed.warnings()) {
      LOG.warn("{}: {}", g.configPath(), warning);
    }
    Map<String, Guest.Snapshot> snapshots = new LinkedHashMap<>();
    parsed.snapshots().forEach((name, config) -> snapshots.put(name, new Guest.Snapshot(name, config)));
    boolean changed = !parsed.config().equals(g.config) || !snapshots.equals(g.snapshots);
    if (changed) {
      // No moment without a key both versions have: a real start may read the config unlocked.
      g.config.keySet().retainAll(parsed.config().keySet());
      g.config.putAll(parsed.config());
      g.snapshots.keySet().retainAll(snapshots.keySet());
      g.snapshots.putAll(snapshots);
      LOG.info("{} was edited through the node shell; the guest's config is now the file's", g.configPath());
    }
    write(g); // canonical again, and the stamp to compare with next time
    return changed;
  }

  /** Atomically replaces the guest's file (write a hidden temp file, rename), and remembers it. */
  private void write(Guest g) {
    Path file = file(g);
    Path tmp = file.resolveSibling("." + g.vmid + ".conf.tmp");
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(tmp, g.render(), StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      Map<String, Guest.Snapshot> snapshots = new LinkedHashMap<>();
      g.snapshots.forEach((name, s) -> snapshots.put(name, new Guest.Snapshot(name, new LinkedHashMap<>(s.config()))));
      written.put(g.vmid, new Written(g.node, g.type, new LinkedHashMap<>(g.config), snapshots, stamp(file)));
    } catch (IOException | UncheckedIOException e) {
      // Forget it: takeBack must not read an old file as an edit; the next sync writes it again.
      written.remove(g.vmid);
      LOG.warn("cannot write {} for the node shell: {}", file, e.toString());
    }
  }

  private void delete(Written w, int vmid) {
    Path file = root.resolve("nodes").resolve(w.node).resolve(w.type.confDir).resolve(vmid + ".conf");
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot remove {} of a guest that is gone: {}", file, e.toString());
    }
  }

  /** The file's stamp with one stat, or null when there is no file. */
  private static Stamp stamp(Path file) {
    try {
      Map<String, Object> a = Files.readAttributes(file, "unix:ino,size,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
      return new Stamp(a.get("ino"), (Long) a.get("size"), (FileTime) a.get("lastModifiedTime"), (FileTime) a.get("ctime"));
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stat " + file, e);
    }
  }
}
