package io.pvedeploy.sandbox.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the cluster and the credentials (token secret, password, certificate and key, ticket
 * key) in {@code state.json} so a restarted sandbox is the same "cluster" and a client pinned to
 * its fingerprint keeps working. Writes are coalesced and atomic (write, then rename).
 */
final class StateStore {
  private static final Logger LOG = LoggerFactory.getLogger(StateStore.class);
  private static final String FILE = "state.json";

  /** Secrets that must survive a restart. */
  record Credentials(String tokenSecret, String password, String certificatePem, String ticketKey) {}

  private final Path dir;
  private Cluster cluster;
  private Credentials credentials;

  StateStore(Path dir) {
    this.dir = dir;
  }

  Path file() {
    return dir.resolve(FILE);
  }

  void attach(Cluster cluster, Credentials credentials) {
    this.cluster = cluster;
    this.credentials = credentials;
  }

  /**
   * Called under the cluster lock on every change, and writes through before the change becomes
   * visible, as PVE writes a guest's config file before it answers: a sandbox killed right after
   * a task ended must not come back with that task's lock still set.
   */
  void markDirty() {
    if (cluster == null) {
      return;
    }
    try {
      save();
    } catch (RuntimeException e) {
      LOG.error("could not persist sandbox state to {}", file(), e);
    }
  }

  synchronized void save() {
    String text;
    cluster.lock.lock();
    try {
      text = Json.write(toMap());
    } finally {
      cluster.lock.unlock();
    }
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve(FILE + ".tmp");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX filesystem; the directory's own protection has to do
      }
      try {
        Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file(), e);
    }
  }

  private Map<String, Object> toMap() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("format", 1);
    Map<String, Object> cred = new LinkedHashMap<>();
    cred.put("tokenSecret", credentials.tokenSecret());
    cred.put("password", credentials.password());
    cred.put("certificatePem", credentials.certificatePem());
    cred.put("ticketKey", credentials.ticketKey());
    root.put("credentials", cred);
    root.put("nodes", cluster.nodes);
    root.put("bootTime", cluster.bootTime);
    root.put("nextPid", cluster.nextPid);
    List<Object> guests = new ArrayList<>();
    for (Guest g : cluster.guests.values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("vmid", g.vmid);
      m.put("type", g.type.path);
      m.put("node", g.node);
      m.put("running", g.running);
      m.put("startedAt", g.startedAt);
      m.put("config", new LinkedHashMap<>(g.config));
      List<Object> snaps = new ArrayList<>();
      for (Guest.Snapshot s : g.snapshots.values()) {
        snaps.add(Map.of("name", s.name(), "config", new LinkedHashMap<>(s.config())));
      }
      m.put("snapshots", snaps);
      Map<String, Object> files = new LinkedHashMap<>();
      g.files.forEach((k, v) -> files.put(k, Base64.getEncoder().encodeToString(v)));
      m.put("files", files);
      guests.add(m);
    }
    root.put("guests", guests);
    Map<String, Object> volumes = new LinkedHashMap<>();
    cluster.volumes.forEach((node, list) -> {
      List<Object> vols = new ArrayList<>();
      for (Volumes.Volume v : list) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("volid", v.volid());
        m.put("content", v.content());
        m.put("format", v.format());
        m.put("size", v.size());
        m.put("ctime", v.ctime());
        if (v.vmid() != null) {
          m.put("vmid", v.vmid());
          m.put("subtype", v.subtype());
          m.put("config", new LinkedHashMap<>(v.archivedConfig()));
        }
        vols.add(m);
      }
      volumes.put(node, vols);
    });
    root.put("volumes", volumes);
    List<Object> tasks = new ArrayList<>();
    for (Task t : cluster.tasks.values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("upid", t.upidText);
      m.put("status", t.status);
      m.put("exitstatus", t.exitStatus);
      m.put("endtime", t.endtime);
      m.put("log", new ArrayList<>(t.log));
      tasks.add(m);
    }
    root.put("tasks", tasks);
    return root;
  }

  /** The saved state, or null when there is none yet. */
  @SuppressWarnings("unchecked")
  Map<String, Object> read() {
    if (!Files.exists(file())) {
      return null;
    }
    try {
      return (Map<String, Object>) Json.read(Files.readString(file(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file(), e);
    }
  }

  @SuppressWarnings("unchecked")
  static Credentials credentials(Map<String, Object> root) {
    Map<String, Object> c = (Map<String, Object>) root.get("credentials");
    return new Credentials(
        (String) c.get("tokenSecret"), (String) c.get("password"),
        (String) c.get("certificatePem"), (String) c.get("ticketKey"));
  }

  @SuppressWarnings("unchecked")
  static List<String> nodes(Map<String, Object> root) {
    return (List<String>) root.get("nodes");
  }

  static long number(Object o) {
    return ((Number) o).longValue();
  }

  /**
   * Refills a fresh cluster. Tasks that were running when the sandbox stopped end as PVE shows a
   * worker that vanished ("unexpected status"); guest locks they held stay, as on a real node.
   */
  @SuppressWarnings("unchecked")
  static void restore(Map<String, Object> root, Cluster cluster) {
    cluster.nextPid = number(root.get("nextPid"));
    for (Object o : (List<Object>) root.get("guests")) {
      Map<String, Object> m = (Map<String, Object>) o;
      Guest g = new Guest((int) number(m.get("vmid")), GuestType.of((String) m.get("type")), (String) m.get("node"));
      g.running = Boolean.TRUE.equals(m.get("running"));
      g.startedAt = number(m.get("startedAt"));
      g.config.putAll((Map<String, String>) m.get("config"));
      for (Object so : (List<Object>) m.get("snapshots")) {
        Map<String, Object> s = (Map<String, Object>) so;
        g.snapshots.put((String) s.get("name"),
            new Guest.Snapshot((String) s.get("name"), new LinkedHashMap<>((Map<String, String>) s.get("config"))));
      }
      ((Map<String, String>) m.get("files")).forEach((k, v) -> g.files.put(k, Base64.getDecoder().decode(v)));
      cluster.guests.put(g.vmid, g);
    }
    ((Map<String, Object>) root.get("volumes")).forEach((node, list) -> {
      List<Volumes.Volume> target = cluster.volumes.computeIfAbsent(node, n -> new ArrayList<>());
      for (Object o : (List<Object>) list) {
        Map<String, Object> v = (Map<String, Object>) o;
        target.add(new Volumes.Volume(
            (String) v.get("volid"), (String) v.get("content"), (String) v.get("format"),
            number(v.get("size")), number(v.get("ctime")),
            v.get("vmid") == null ? null : (int) number(v.get("vmid")),
            (String) v.get("subtype"),
            v.get("config") == null ? null : new LinkedHashMap<>((Map<String, String>) v.get("config"))));
      }
    });
    for (Object o : (List<Object>) root.get("tasks")) {
      Map<String, Object> m = (Map<String, Object>) o;
      Upid upid = Upid.parse((String) m.get("upid"));
      if (upid == null) {
        continue;
      }
      Task t = new Task(upid);
      t.log.addAll((List<String>) m.get("log"));
      if ("running".equals(m.get("status"))) {
        t.status = "stopped";
        t.exitStatus = "unexpected status";
        t.endtime = Cluster.now();
      } else {
        t.status = "stopped";
        t.exitStatus = (String) m.get("exitstatus");
        t.endtime = number(m.get("endtime"));
      }
      cluster.tasks.put(t.upidText, t);
    }
  }
}
