package io.pvedeploy.sandbox.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Version, cluster, nodes, storage, network and tasks endpoints. */
final class ClusterApi {
  static final String VERSION = "9.1.1";
  static final String RELEASE = "9.1";
  static final String REPOID = "42db4a6cf33dac83";
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long LOCAL_TOTAL = 100 * GIB;
  private static final long LVM_TOTAL = 500 * GIB;
  private static final long NODE_MEM = 64 * GIB;

  private final Cluster cluster;
  private final Tasks tasks;
  private final FaultInjector faults;
  private final Authenticator auth;
  private long cacheKey = -1;
  private final Map<String, byte[]> resourceCache = new LinkedHashMap<>();

  /** Removes real backup archives when their volume is deleted; simulated ones have none. */
  private GuestBackend backend = new SimulatedBackend();

  ClusterApi withBackend(GuestBackend backend) {
    this.backend = backend;
    return this;
  }

  ClusterApi(Cluster cluster, Tasks tasks, FaultInjector faults, Authenticator auth) {
    this.cluster = cluster;
    this.tasks = tasks;
    this.faults = faults;
    this.auth = auth;
  }

  void register(Api api) {
    api.on("GET", "/version", c -> Map.of("version", VERSION, "release", RELEASE, "repoid", REPOID));
    api.on("GET", "/access/ticket", c -> null);
    api.on("POST", "/access/ticket", c -> auth.login(c.params(), clusterName()));
    api.on("GET", "/cluster/status", c -> clusterStatus());
    api.on("GET", "/cluster/resources", this::resources);
    api.on("GET", "/cluster/nextid", this::nextid);
    api.on("GET", "/nodes", c -> nodes());
    api.on("GET", "/nodes/{node}", c -> subdirs("status", "lxc", "qemu", "storage", "network", "tasks", "vzdump", "version"));
    api.on("GET", "/nodes/{node}/status", c -> nodeStatus(c.node()));
    api.on("GET", "/nodes/{node}/version", c -> Map.of("version", VERSION, "release", RELEASE, "repoid", REPOID));
    api.on("GET", "/nodes/{node}/network", this::network);
    api.on("GET", "/nodes/{node}/storage", this::storages);
    api.on("GET", "/nodes/{node}/storage/{storage}", c -> { storage(c.node(), c.str("storage")); return subdirs("content", "status"); });
    api.on("GET", "/nodes/{node}/storage/{storage}/status", c -> storage(c.node(), c.str("storage")));
    api.on("GET", "/nodes/{node}/storage/{storage}/content", this::content);
    api.on("DELETE", "/nodes/{node}/storage/{storage}/content/{volume}", this::deleteVolume);
    api.on("GET", "/nodes/{node}/tasks", this::taskList);
    api.on("GET", "/nodes/{node}/tasks/{upid}", c -> { task(c); return subdirs("log", "status"); });
    api.on("GET", "/nodes/{node}/tasks/{upid}/status", this::taskStatus);
    api.on("GET", "/nodes/{node}/tasks/{upid}/log", this::taskLog);
    api.on("DELETE", "/nodes/{node}/tasks/{upid}", c -> { tasks.stop(task(c)); return null; });
  }

  static List<Map<String, Object>> subdirs(String... names) {
    List<Map<String, Object>> res = new ArrayList<>();
    for (String n : names) {
      res.add(Map.of("subdir", n));
    }
    return res;
  }

  private String clusterName() {
    return cluster.nodes.size() > 1 ? "sandbox" : null;
  }

  private List<Map<String, Object>> clusterStatus() {
    List<Map<String, Object>> res = new ArrayList<>();
    if (cluster.nodes.size() > 1) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("type", "cluster");
      c.put("id", "cluster");
      c.put("name", "sandbox");
      c.put("nodes", cluster.nodes.size());
      c.put("quorate", 1);
      c.put("version", cluster.nodes.size() + 1);
      res.add(c);
    }
    for (int i = 0; i < cluster.nodes.size(); i++) {
      Map<String, Object> n = new LinkedHashMap<>();
      n.put("type", "node");
      n.put("id", "node/" + cluster.nodes.get(i));
      n.put("name", cluster.nodes.get(i));
      n.put("nodeid", i + 1);
      n.put("ip", "127.0.0.1");
      n.put("online", 1);
      n.put("local", i == 0 ? 1 : 0);
      n.put("level", "");
      res.add(n);
    }
    return res;
  }

  private Object nextid(Call c) {
    Integer wanted = c.integer("vmid");
    if (wanted != null) {
      if (cluster.guests.containsKey(wanted)) {
        throw ApiException.param("vmid", "VM " + wanted + " already exists");
      }
      return String.valueOf(wanted);
    }
    return String.valueOf(cluster.nextFreeVmid(100));
  }

  /** Served from a cache per state generation and second; 5,000 guests must be cheap. */
  private Object resources(Call c) {
    String type = c.str("type", "");
    long key = cluster.generation() * 1_000_003L + Cluster.now();
    if (key != cacheKey) {
      resourceCache.clear();
      cacheKey = key;
    }
    byte[] body = resourceCache.computeIfAbsent(type, t -> Json.bytes(Map.of("data", resourceList(t))));
    return new Call.Raw(body);
  }

  private List<Map<String, Object>> resourceList(String type) {
    List<Map<String, Object>> res = new ArrayList<>();
    long now = Cluster.now();
    if (type.isEmpty() || type.equals("vm")) {
      for (Guest g : cluster.guests.values()) {
        res.add(vmResource(g, now));
      }
    }
    if (type.isEmpty() || type.equals("node")) {
      for (String n : cluster.nodes) {
        res.add(nodeEntry(n, now));
      }
    }
    if (type.isEmpty() || type.equals("storage")) {
      for (String n : cluster.nodes) {
        for (Map<String, Object> s : storageList(n)) {
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("id", "storage/" + n + "/" + s.get("storage"));
          r.put("type", "storage");
          r.put("storage", s.get("storage"));
          r.put("node", n);
          r.put("status", "available");
          r.put("plugintype", s.get("type"));
          r.put("content", s.get("content"));
          r.put("disk", s.get("used"));
          r.put("maxdisk", s.get("total"));
          r.put("shared", 0);
          res.add(r);
        }
      }
    }
    if (type.isEmpty() || type.equals("sdn")) {
      for (String n : cluster.nodes) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", "sdn/" + n + "/localnetwork");
        r.put("type", "sdn");
        r.put("sdn", "localnetwork");
        r.put("node", n);
        r.put("status", "ok");
        res.add(r);
      }
    }
    return res;
  }

  static Map<String, Object> vmResource(Guest g, long now) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("id", g.type.path + "/" + g.vmid);
    r.put("type", g.type.path);
    r.put("vmid", g.vmid);
    r.put("node", g.node);
    r.put("name", g.name());
    r.put("status", g.running ? "running" : "stopped");
    r.put("maxmem", g.maxmem());
    r.put("maxdisk", g.maxdisk());
    r.put("maxcpu", g.cores());
    r.put("mem", g.running ? g.maxmem() / 4 : 0);
    r.put("disk", g.type == GuestType.LXC && g.running ? g.maxdisk() / 5 : 0);
    r.put("cpu", g.running ? 0.0123 : 0);
    r.put("uptime", g.uptime(now));
    r.put("template", g.isTemplate() ? 1 : 0);
    r.put("netin", g.running ? 1234567 : 0);
    r.put("netout", g.running ? 234567 : 0);
    r.put("diskread", 0);
    r.put("diskwrite", 0);
    if (g.config.containsKey("tags")) {
      r.put("tags", g.config.get("tags"));
    }
    if (g.lock() != null) {
      r.put("lock", g.lock());
    }
    return r;
  }

  private Map<String, Object> nodeEntry(String node, long now) {
    Map<String, Object> n = new LinkedHashMap<>();
    n.put("id", "node/" + node);
    n.put("type", "node");
    n.put("node", node);
    n.put("status", "online");
    n.put("cpu", 0.0421);
    n.put("maxcpu", 16);
    n.put("mem", usedMem(node));
    n.put("maxmem", NODE_MEM);
    n.put("disk", 12 * GIB);
    n.put("maxdisk", 94 * GIB);
    n.put("uptime", now - cluster.bootTime);
    n.put("level", "");
    n.put("cgroup-mode", 2);
    return n;
  }

  private long usedMem(String node) {
    long used = 3 * GIB;
    for (Guest g : cluster.guests.values()) {
      if (g.running && g.node.equals(node)) {
        used += g.maxmem() / 4;
      }
    }
    return Math.min(used, NODE_MEM);
  }

  private List<Map<String, Object>> nodes() {
    List<Map<String, Object>> res = new ArrayList<>();
    long now = Cluster.now();
    for (String n : cluster.nodes) {
      Map<String, Object> e = nodeEntry(n, now);
      e.remove("cgroup-mode");
      res.add(e);
    }
    return res;
  }

  private Map<String, Object> nodeStatus(String node) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("uptime", Cluster.now() - cluster.bootTime);
    s.put("cpu", 0.0421);
    s.put("wait", 0.0012);
    s.put("loadavg", List.of("0.42", "0.38", "0.31"));
    long used = usedMem(node);
    s.put("memory", Map.of("total", NODE_MEM, "used", used, "free", NODE_MEM - used));
    s.put("swap", Map.of("total", 8 * GIB, "used", 0, "free", 8 * GIB));
    s.put("rootfs", Map.of("total", 94 * GIB, "used", 12 * GIB, "free", 82 * GIB, "avail", 77 * GIB));
    s.put("cpuinfo", Map.of("model", "Sandbox Virtual CPU", "cpus", 16, "sockets", 1, "cores", 8, "mhz", "3200.000", "hvm", "1"));
    s.put("kversion", "Linux 6.17.2-1-pve #1 SMP PREEMPT_DYNAMIC PMX 6.17.2-1 (2025-10-21T11:55Z) x86_64");
    s.put("pveversion", "pve-manager/" + VERSION + "/" + REPOID);
    s.put("boot-info", Map.of("mode", "efi", "secureboot", 0));
    return s;
  }

  private Object network(Call c) {
    String type = c.str("type");
    List<Map<String, Object>> res = new ArrayList<>();
    Map<String, Object> bridge = new LinkedHashMap<>();
    bridge.put("iface", "vmbr0");
    bridge.put("type", "bridge");
    bridge.put("method", "static");
    bridge.put("method6", "manual");
    bridge.put("families", List.of("inet"));
    bridge.put("active", 1);
    bridge.put("autostart", 1);
    bridge.put("bridge_ports", "eno1");
    bridge.put("bridge_stp", "off");
    bridge.put("bridge_fd", "0");
    bridge.put("cidr", "192.168.100.2/24");
    bridge.put("address", "192.168.100.2");
    bridge.put("netmask", "24");
    bridge.put("gateway", "192.168.100.1");
    bridge.put("priority", 5);
    Map<String, Object> eth = new LinkedHashMap<>();
    eth.put("iface", "eno1");
    eth.put("type", "eth");
    eth.put("method", "manual");
    eth.put("method6", "manual");
    eth.put("families", List.of("inet"));
    eth.put("active", 1);
    eth.put("exists", 1);
    eth.put("priority", 4);
    for (Map<String, Object> i : List.of(bridge, eth)) {
      boolean any = type == null || type.equals("any_bridge") && i.get("type").equals("bridge");
      if (any || i.get("type").equals(type)) {
        res.add(i);
      }
    }
    return res;
  }

  private List<Map<String, Object>> storageList(String node) {
    long localUsed = 0;
    for (Volumes.Volume v : cluster.volumes(node)) {
      localUsed += v.size();
    }
    long lvmUsed = 0;
    for (Guest g : cluster.guests.values()) {
      if (g.node.equals(node)) {
        lvmUsed += g.maxdisk() / 10; // thin provisioning: written data, not the size
      }
    }
    return List.of(
        storageEntry("local", "dir", "backup,iso,snippets,vztmpl", localUsed + 8 * GIB, LOCAL_TOTAL),
        storageEntry("local-lvm", "lvmthin", "images,rootdir", Math.min(lvmUsed, LVM_TOTAL), LVM_TOTAL));
  }

  private static Map<String, Object> storageEntry(String id, String type, String content, long used, long total) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("storage", id);
    s.put("type", type);
    s.put("content", content);
    s.put("active", 1);
    s.put("enabled", 1);
    s.put("shared", 0);
    s.put("used", used);
    s.put("avail", total - used);
    s.put("total", total);
    s.put("used_fraction", (double) used / total);
    return s;
  }

  private Map<String, Object> storage(String node, String id) {
    for (Map<String, Object> s : storageList(node)) {
      if (s.get("storage").equals(id)) {
        return s;
      }
    }
    throw ApiException.fail("storage '" + id + "' does not exist");
  }

  private Object storages(Call c) {
    String content = c.str("content");
    String only = c.str("storage");
    List<Map<String, Object>> res = new ArrayList<>();
    for (Map<String, Object> s : storageList(c.node())) {
      boolean contentOk = content == null;
      if (content != null) {
        for (String want : Formats.splitList(content)) {
          contentOk |= List.of(((String) s.get("content")).split(",")).contains(want);
        }
      }
      if (contentOk && (only == null || only.equals(s.get("storage")))) {
        res.add(s);
      }
    }
    return res;
  }

  private Object content(Call c) {
    String node = c.node();
    String storeid = c.str("storage");
    storage(node, storeid);
    String content = c.str("content");
    Integer vmid = c.integer("vmid");
    List<Map<String, Object>> res = new ArrayList<>();
    if (storeid.equals("local")) {
      for (Volumes.Volume v : cluster.volumes(node)) {
        if ((content == null || content.equals(v.content())) && (vmid == null || vmid.equals(v.vmid()))) {
          Map<String, Object> e = new LinkedHashMap<>();
          e.put("volid", v.volid());
          e.put("content", v.content());
          e.put("format", v.format());
          e.put("size", v.size());
          e.put("ctime", v.ctime());
          if (v.vmid() != null) {
            e.put("vmid", v.vmid());
            e.put("subtype", v.subtype());
            e.put("notes", v.subtype().equals("lxc") ? v.archivedConfig().getOrDefault("hostname", "CT" + v.vmid())
                : v.archivedConfig().getOrDefault("name", "VM" + v.vmid()));
            e.put("protected", 0);
          }
          res.add(e);
        }
      }
    } else {
      for (Guest g : cluster.guests.values()) {
        if (!g.node.equals(node) || (vmid != null && vmid != g.vmid)) {
          continue;
        }
        String kind = g.type == GuestType.LXC ? "rootdir" : "images";
        if (content != null && !content.equals(kind)) {
          continue;
        }
        for (Map.Entry<String, String> d : g.config.entrySet()) {
          String vol = Volumes.volumeOf(d.getValue());
          if (vol.startsWith("local-lvm:") && d.getKey().matches("rootfs|mp\\d+|(scsi|virtio|sata|ide)\\d+|efidisk0|tpmstate0|unused\\d+")) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("volid", vol);
            e.put("content", kind);
            e.put("format", "raw");
            e.put("size", Math.max(Volumes.sizeOf(d.getValue()), 4 * 1024 * 1024));
            e.put("vmid", g.vmid);
            res.add(e);
          }
        }
      }
    }
    res.sort(Comparator.comparing(m -> (String) m.get("volid")));
    return res;
  }

  private Object deleteVolume(Call c) {
    String node = c.node();
    String volume = c.str("volume");
    String volid = volume.contains(":") ? volume : c.str("storage") + ":" + volume;
    List<Volumes.Volume> list = cluster.volumes(node);
    Volumes.Volume found = list.stream().filter(v -> v.volid().equals(volid)).findFirst().orElse(null);
    if (found == null) {
      throw ApiException.fail("volume '" + volid + "' does not exist");
    }
    Task t = tasks.start(node, "imgdel", "", c.user(), null, task -> {
      if (volid.startsWith("local:backup/")) {
        backend.deleteBackup(volid.substring("local:backup/".length()));
      }
      list.remove(found);
      task.log.add("Removed volume '" + volid + "'");
    }, null);
    return t.upidText;
  }

  private Task task(Call c) {
    String text = c.str("upid");
    Upid upid = Upid.parse(text);
    if (upid == null) {
      throw ApiException.param("upid", "unable to parse worker upid");
    }
    Task t = cluster.tasks.get(text);
    if (t == null || !upid.node().equals(c.node())) {
      throw ApiException.param("upid", "no such task");
    }
    return t;
  }

  private Object taskStatus(Call c) {
    Task t = task(c);
    if (faults.hideTaskStatus()) {
      throw ApiException.param("upid", "no such task");
    }
    Map<String, Object> s = taskFields(t);
    s.put("status", t.status);
    if (!t.running()) {
      s.put("exitstatus", t.exitStatus);
    }
    return s;
  }

  private static Map<String, Object> taskFields(Task t) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("upid", t.upidText);
    s.put("node", t.upid.node());
    s.put("pid", t.upid.pid());
    s.put("pstart", t.upid.pstart());
    s.put("starttime", t.upid.starttime());
    s.put("type", t.upid.type());
    s.put("id", t.upid.id());
    s.put("user", t.upid.user());
    return s;
  }

  private Object taskLog(Call c) {
    Task t = task(c);
    int start = c.has("start") ? c.integer("start") : 0;
    int limit = c.has("limit") ? c.integer("limit") : 50;
    List<Map<String, Object>> lines = new ArrayList<>();
    int total = t.log.size();
    for (int i = start; i < total && lines.size() < limit; i++) {
      lines.add(Map.of("n", i + 1, "t", t.log.get(i)));
    }
    if (total == 0 && start == 0) {
      lines.add(Map.of("n", 1, "t", "no content"));
    }
    return new Call.Paged(lines, Math.max(total, 1));
  }

  private Object taskList(Call c) {
    String source = c.str("source", "archive");
    Integer vmid = c.integer("vmid");
    String typefilter = c.str("typefilter");
    String userfilter = c.str("userfilter");
    boolean errorsOnly = c.flag("errors");
    int start = c.has("start") ? c.integer("start") : 0;
    int limit = c.has("limit") ? c.integer("limit") : 50;
    Integer since = c.integer("since");
    Integer until = c.integer("until");
    List<Task> all = new ArrayList<>(cluster.tasks.values());
    all.sort(Comparator.comparingLong((Task t) -> t.upid.starttime()).thenComparingLong(t -> t.upid.pid()).reversed());
    List<Map<String, Object>> matched = new ArrayList<>();
    for (Task t : all) {
      boolean wantRunning = source.equals("active") || source.equals("all");
      boolean wantDone = source.equals("archive") || source.equals("all");
      if (!t.upid.node().equals(c.node()) || (t.running() ? !wantRunning : !wantDone)) {
        continue;
      }
      if (vmid != null && !t.upid.id().equals(vmid.toString())
          || typefilter != null && !t.upid.type().equals(typefilter)
          || userfilter != null && !t.upid.user().toLowerCase().contains(userfilter.toLowerCase())
          || errorsOnly && (t.running() || "OK".equals(t.exitStatus))
          || since != null && t.upid.starttime() < since
          || until != null && t.upid.starttime() > until) {
        continue;
      }
      Map<String, Object> e = taskFields(t);
      if (t.running()) {
        e.put("status", "RUNNING");
      } else {
        e.put("status", t.exitStatus);
        e.put("endtime", t.endtime);
      }
      matched.add(e);
    }
    int total = matched.size();
    List<Map<String, Object>> page = matched.subList(Math.min(start, total), Math.min(total, start + limit));
    return new Call.Paged(new ArrayList<>(page), total);
  }
}
