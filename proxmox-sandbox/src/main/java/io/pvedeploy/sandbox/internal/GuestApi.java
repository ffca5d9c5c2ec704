package io.pvedeploy.sandbox.internal;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** LXC and QEMU guests: create/restore/clone, config, status, snapshots, destroy, vzdump. */
final class GuestApi {
  private static final Set<String> LXC_CONTROL =
      Set.of("node", "vmid", "ostemplate", "password", "ssh-public-keys", "storage", "restore", "force",
          "unique", "start", "pool", "ignore-unpack-errors", "bwlimit", "ha-managed", "delete", "digest", "revert");
  private static final Set<String> QEMU_CONTROL =
      Set.of("node", "vmid", "archive", "storage", "force", "unique", "start", "pool", "bwlimit",
          "live-restore", "delete", "digest", "revert", "skiplock", "background_delay", "ha-managed");
  private static final Pattern DISK_KEY =
      Pattern.compile("rootfs|mp\\d+|(scsi|virtio|sata|ide)\\d+|efidisk0|tpmstate0");
  private static final Pattern NIC_MODEL =
      Pattern.compile("(virtio|e1000|e1000e|rtl8139|vmxnet3|e1000-82540em|e1000-82544gc|e1000-82545em|i82551|i82557b|i82559er|ne2k_isa|ne2k_pci|pcnet)(=[^,]*)?");
  private static final DateTimeFormatter BACKUP_TIME = DateTimeFormatter.ofPattern("yyyy_MM_dd-HH_mm_ss");

  private final Cluster cluster;
  private final Tasks tasks;
  private final GuestBackend backend;
  private final Schema schema;

  GuestApi(Cluster cluster, Tasks tasks, GuestBackend backend, Schema schema) {
    this.cluster = cluster;
    this.tasks = tasks;
    this.backend = backend;
    this.schema = schema;
  }

  void register(Api api) {
    for (GuestType type : GuestType.values()) {
      String base = "/nodes/{node}/" + type.path;
      String one = base + "/{vmid}";
      api.on("GET", base, c -> list(c, type));
      api.on("POST", base, c -> type == GuestType.LXC ? createLxc(c) : createQemu(c));
      api.on("GET", one, c -> {
        load(c, type);
        return type == GuestType.LXC
            ? ClusterApi.subdirs("config", "status", "snapshot", "interfaces", "pending", "firewall")
            : ClusterApi.subdirs("config", "status", "snapshot", "agent", "clone", "pending", "firewall");
      });
      api.on("DELETE", one, c -> destroy(c, type));
      api.on("GET", one + "/config", c -> getConfig(c, type));
      api.on("PUT", one + "/config", c -> { updateConfig(c, type, null); return null; });
      api.on("GET", one + "/status", c -> { load(c, type); return ClusterApi.subdirs("current", "start", "stop", "shutdown", "reboot"); });
      api.on("GET", one + "/status/current", c -> current(load(c, type)));
      for (String action : List.of("start", "stop", "shutdown", "reboot")) {
        api.on("POST", one + "/status/" + action, c -> power(c, type, action));
      }
      api.on("GET", one + "/snapshot", c -> snapshots(load(c, type)));
      api.on("POST", one + "/snapshot", c -> snapshot(c, type));
      api.on("GET", one + "/snapshot/{snapname}", c -> { snap(load(c, type), c.str("snapname")); return ClusterApi.subdirs("config", "rollback"); });
      api.on("GET", one + "/snapshot/{snapname}/config", c -> typed(type, snap(load(c, type), c.str("snapname")).config()));
      api.on("DELETE", one + "/snapshot/{snapname}", c -> deleteSnapshot(c, type));
      api.on("POST", one + "/snapshot/{snapname}/rollback", c -> rollback(c, type));
    }
    api.on("GET", "/nodes/{node}/lxc/{vmid}/interfaces", this::interfaces);
    api.on("POST", "/nodes/{node}/qemu/{vmid}/config", c -> {
      Guest g = load(c, GuestType.QEMU);
      Map<String, Object> params = new LinkedHashMap<>(c.params());
      return tasks.start(c.node(), "qmconfig", String.valueOf(g.vmid), c.user(), g,
          t -> updateConfig(new Call(c.caller(), params, c.relPath()), GuestType.QEMU, t), null).upidText;
    });
    api.on("POST", "/nodes/{node}/qemu/{vmid}/clone", this::clone);
    api.on("PUT", "/nodes/{node}/qemu/{vmid}/resize", this::resize);
    api.on("PUT", "/nodes/{node}/lxc/{vmid}/resize", this::resizeLxc);
    api.on("POST", "/nodes/{node}/vzdump", this::vzdump);
  }

  /**
   * Starts a task with a slow part: for real guests it runs outside the cluster lock before
   * {@code work}; for simulated ones both run under the lock as one, as before.
   */
  private Task task(String node, String type, String id, String user, Guest flock, Task.Slow slow,
      Task.Work work, Task.OnFailure onFailure) {
    if (backend.real()) {
      return tasks.start(node, type, id, user, flock, slow, work, onFailure);
    }
    return tasks.start(node, type, id, user, flock, t -> {
      slow.run(t.log);
      work.finish(t);
    }, onFailure);
  }

  /** Runs a short state change from a task's slow part. */
  private void locked(Runnable r) {
    cluster.lock.lock();
    try {
      r.run();
    } finally {
      cluster.lock.unlock();
    }
  }

  private Guest load(Call c, GuestType type) {
    return cluster.guest(c.node(), type, c.vmid());
  }

  // ---- listing and status ----

  private Object list(Call c, GuestType type) {
    List<Map<String, Object>> res = new ArrayList<>();
    for (Guest g : cluster.guests.values()) {
      if (g.type == type && g.node.equals(c.node())) {
        res.add(current(g));
      }
    }
    return res;
  }

  private Map<String, Object> current(Guest g) {
    Map<String, Object> r = ClusterApi.vmResource(g, Cluster.now());
    r.remove("id");
    r.remove("node");
    r.remove("maxcpu");
    r.put("type", g.type.path);
    r.put("cpus", g.cores());
    if (g.type == GuestType.LXC) {
      r.put("maxswap", Long.parseLong(g.config.getOrDefault("swap", "512")) * 1024 * 1024);
      r.put("swap", 0);
    } else {
      r.put("qmpstatus", g.running ? "running" : "stopped");
      if (agentEnabled(g)) {
        r.put("agent", 1);
      }
      if (g.running) {
        r.put("running-machine", "pc-i440fx-10.1+pve0");
        r.put("running-qemu", "10.1.2");
      }
    }
    r.put("ha", Map.of("managed", 0));
    return r;
  }

  static boolean agentEnabled(Guest g) {
    String a = g.config.get("agent");
    if (a == null) {
      return false;
    }
    String first = a.split(",")[0];
    return first.equals("1") || first.equals("enabled=1");
  }

  private Object interfaces(Call c) {
    Guest g = load(c, GuestType.LXC);
    if (!g.running) {
      throw ApiException.fail("CT " + g.vmid + " not running");
    }
    List<Map<String, Object>> res = new ArrayList<>();
    backend.interfaces(g).forEach((name, v) -> {
      Map<String, Object> i = new LinkedHashMap<>();
      i.put("name", name);
      i.put("hwaddr", v[0]);
      if (v[1] != null) {
        i.put("inet", v[1]);
      }
      if (v[2] != null) {
        i.put("inet6", v[2]);
      }
      res.add(i);
    });
    return res;
  }

  // ---- config ----

  /** Values typed as PVE's JSON shows them: integers and booleans as numbers. */
  private Map<String, Object> typed(GuestType type, Map<String, String> config) {
    String path = "/nodes/{node}/" + type.path + "/{vmid}/config";
    var params = schema.endpoint(type == GuestType.LXC ? "PUT" : "POST", path).orElseThrow().parameters();
    Map<String, Object> res = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(config).entrySet()) {
      Map<String, Object> ps = ParamValidator.propertySchema(params, e.getKey());
      String t = ps == null ? "string" : (String) ps.get("type");
      String v = e.getValue();
      if (type == GuestType.LXC && e.getKey().equals(ConfigFile.RAW)) {
        // PVE's [[key, value], …]: the file's raw lxc.* lines, in order
        List<List<String>> pairs = new ArrayList<>();
        for (ConfigFile.Raw r : ConfigFile.raw(config)) {
          pairs.add(List.of(r.key(), r.value()));
        }
        res.put(ConfigFile.RAW, pairs);
      } else if (e.getKey().equals("cipassword")) {
        res.put(e.getKey(), "**********");
      } else if (("integer".equals(t) || "boolean".equals(t)) && v.matches("-?\\d+")) {
        res.put(e.getKey(), Long.parseLong(v));
      } else if ("number".equals(t) && ParamValidator.isNumber(v)) {
        res.put(e.getKey(), Double.parseDouble(v));
      } else if (e.getKey().equals("snaptime")) {
        res.put(e.getKey(), Long.parseLong(v));
      } else {
        res.put(e.getKey(), v);
      }
    }
    return res;
  }

  private Object getConfig(Call c, GuestType type) {
    Guest g = load(c, type);
    Map<String, String> config = g.config;
    if (c.str("snapshot") != null) {
      config = snap(g, c.str("snapshot")).config();
    }
    Map<String, Object> res = typed(type, config);
    res.put("digest", g.digest());
    return res;
  }

  /** LXC PUT, QEMU PUT (sync) and the QEMU POST worker. */
  private void updateConfig(Call c, GuestType type, Task task) {
    Guest g = load(c, type);
    if (type == GuestType.LXC) {
      checkLxcPermissions(c, g.config, c.params(), false);
    }
    if (task == null) {
      cluster.awaitFlock(g);
    }
    checkDigestAndLock(c, g);
    String delete = c.str("delete");
    if (delete != null) {
      for (String key : Formats.splitList(delete)) {
        if (type == GuestType.LXC && !lxcOption(key)) {
          // pve-container's option_exists: "lxc" (the raw keys) is no option, so no API call removes them
          throw ApiException.param("delete", "unknown option '" + key + "'");
        }
        if (c.has(key)) {
          throw ApiException.param(key, "unable to delete parameter that is set at the same time");
        }
        g.config.remove(key);
      }
    }
    applySettings(g, c.params(), type == GuestType.LXC ? LXC_CONTROL : QEMU_CONTROL);
    if (task != null) {
      task.log.add("update VM " + g.vmid + ": " + describe(c.params()));
    }
    cluster.touch();
  }

  /** Whether pve-container's config schema has the option (so that -delete may name it). */
  private boolean lxcOption(String key) {
    var params = schema.endpoint("PUT", "/nodes/{node}/lxc/{vmid}/config").orElseThrow().parameters();
    return !LXC_CONTROL.contains(key) && ParamValidator.propertySchema(params, key) != null;
  }

  /** PVE's refusals of a config change: another change since the caller's digest, a lock. */
  private static void checkDigestAndLock(Call c, Guest g) {
    String digest = c.str("digest");
    if (digest != null && !digest.equalsIgnoreCase(g.digest())) {
      throw ApiException.fail("detected modified configuration - file changed by other user? Try again.");
    }
    if (!c.flag("skiplock")) {
      Cluster.checkLock(g);
    }
  }

  private static String describe(Map<String, Object> params) {
    StringBuilder b = new StringBuilder();
    params.forEach((k, v) -> {
      if (!k.equals("node") && !k.equals("vmid") && !k.equals("digest")) {
        b.append('-').append(k).append(' ').append(k.equals("cipassword") ? "<hidden>" : v).append(' ');
      }
    });
    return b.toString().strip();
  }

  /** Writes parameters into the config, allocating disks and MAC addresses as PVE does. */
  private void applySettings(Guest g, Map<String, Object> params, Set<String> control) {
    for (Map.Entry<String, Object> e : params.entrySet()) {
      String key = e.getKey();
      if (control.contains(key) || !(e.getValue() instanceof String value)) {
        continue;
      }
      if (DISK_KEY.matcher(key).matches()) {
        value = allocateDisk(g, key, value);
      } else if (key.matches("net\\d+")) {
        value = withMac(g.type, value, g.config.get(key));
      } else if (key.equals("cipassword")) {
        value = "$5$sandbox$" + Integer.toHexString(value.hashCode());
      }
      g.config.put(key, value);
    }
  }

  private String withMac(GuestType type, String spec, String previous) {
    if (type == GuestType.LXC) {
      if (spec.contains("hwaddr=")) {
        return spec;
      }
      Matcher old = Pattern.compile("hwaddr=([0-9A-Fa-f:]{17})").matcher(previous == null ? "" : previous);
      return spec + ",hwaddr=" + (old.find() ? old.group(1) : cluster.newMac());
    }
    String[] parts = spec.split(",", 2);
    String first = parts[0];
    Matcher m = NIC_MODEL.matcher(first);
    String rest = parts.length > 1 ? "," + parts[1] : "";
    if (first.startsWith("model=")) {
      String model = first.substring(6);
      String mac = rest.contains("macaddr=") ? null : cluster.newMac();
      return model + (mac == null ? "" : "=" + mac) + rest;
    }
    if (m.matches() && m.group(2) == null) {
      Matcher old = Pattern.compile("=([0-9A-Fa-f:]{17})").matcher(previous == null ? "" : previous);
      return first + "=" + (old.find() ? old.group(1) : cluster.newMac()) + rest;
    }
    return spec;
  }

  /** {@code local-lvm:8} → {@code local-lvm:vm-101-disk-0,size=8G}; cloud-init drives likewise. */
  private String allocateDisk(Guest g, String key, String spec) {
    String volume = Volumes.volumeOf(spec);
    String options = Volumes.optionsOf(spec);
    String[] parts = Formats.splitVolid(volume);
    if (parts == null) {
      return spec;
    }
    boolean cloudinit = parts[1].equals("cloudinit");
    Double size = Formats.allocationSize(volume);
    if (size == null && !cloudinit) {
      return spec;
    }
    String storage = parts[0];
    requireStorage(storage, g.type == GuestType.LXC ? "rootdir" : "images");
    if (cloudinit) {
      return storage + ":vm-" + g.vmid + "-cloudinit" + (options.contains("media=") ? options : ",media=cdrom" + options);
    }
    String name = storage + ":vm-" + g.vmid + "-disk-" + nextDiskIndex(g, storage);
    String sizeText = size == Math.rint(size) ? (long) (double) size + "G" : (long) (size * 1024) + "M";
    return name + options.replaceAll(",size=[^,]*", "") + ",size=" + sizeText;
  }

  private static int nextDiskIndex(Guest g, String storage) {
    int i = 0;
    while (true) {
      String candidate = storage + ":vm-" + g.vmid + "-disk-" + i;
      boolean used = false;
      for (String v : g.config.values()) {
        used |= Volumes.volumeOf(v).equals(candidate);
      }
      if (!used) {
        return i;
      }
      i++;
    }
  }

  private static void requireStorage(String storage, String content) {
    if (!storage.equals("local") && !storage.equals("local-lvm")) {
      throw ApiException.fail("storage '" + storage + "' does not exist");
    }
    if (storage.equals("local") && (content.equals("rootdir") || content.equals("images"))) {
      throw ApiException.fail("storage '" + storage + "' does not support "
          + (content.equals("rootdir") ? "container directories" : "vm images"));
    }
  }

  /** PVE's check_ct_modify_config_perm, for the rules only root@pam may break. */
  private static void checkLxcPermissions(Call c, Map<String, String> old, Map<String, Object> params, boolean create) {
    if (c.caller().isRootPam()) {
      return;
    }
    List<String> keys = new ArrayList<>(params.keySet());
    boolean deletingFeatures = false;
    if (c.str("delete") != null) {
      deletingFeatures = Formats.splitList(c.str("delete")).contains("features");
    }
    boolean unprivileged = create ? !"0".equals(c.str("unprivileged")) : "1".equals(old.get("unprivileged"));
    for (String key : keys) {
      if (key.matches("dev\\d+")) {
        throw ApiException.permission("configuring device passthrough is only allowed for root@pam");
      }
      if (key.equals("hookscript")) {
        throw ApiException.permission("changing the hookscript is only allowed for root@pam");
      }
      if (key.matches("mp\\d+") && params.get(key) instanceof String mp && Volumes.volumeOf(mp).startsWith("/")) {
        throw ApiException.permission("mount point type bind is only allowed for root@pam");
      }
    }
    if (params.containsKey("features") || deletingFeatures) {
      if (!unprivileged) {
        throw ApiException.permission("changing feature flags for privileged container is only allowed for root@pam");
      }
      Map<String, String> before = features(create ? null : old.get("features"));
      Map<String, String> after = deletingFeatures ? Map.of() : features(c.str("features"));
      Set<String> all = new java.util.TreeSet<>(before.keySet());
      all.addAll(after.keySet());
      for (String f : all) {
        if (!f.equals("nesting") && !before.getOrDefault(f, "").equals(after.getOrDefault(f, ""))) {
          throw ApiException.permission("changing feature flags (except nesting) is only allowed for root@pam");
        }
      }
    }
  }

  private static Map<String, String> features(String spec) {
    Map<String, String> res = new LinkedHashMap<>();
    if (spec != null) {
      for (String part : spec.split(",")) {
        String[] kv = part.split("=", 2);
        if (kv.length == 2) {
          res.put(kv[0], kv[1].matches("(?i)1|on|yes|true") ? "1" : kv[1].matches("(?i)0|off|no|false") ? "0" : kv[1]);
        }
      }
    }
    return res;
  }

  // ---- create, restore, clone ----

  private Object createLxc(Call c) {
    String node = c.node();
    int vmid = c.vmid();
    boolean restore = c.flag("restore");
    boolean force = c.flag("force");
    String ostemplate = c.str("ostemplate");
    Guest existing = cluster.guests.get(vmid);
    boolean overwrite = restore && force && existing != null && existing.node.equals(node) && existing.type == GuestType.LXC;
    if (!overwrite) {
      cluster.checkVmidUnused(vmid);
    } else {
      if (existing.running) {
        throw ApiException.fail("can't overwrite running container");
      }
      if ("1".equals(existing.config.get("protection"))) {
        throw ApiException.fail("unable to restore CT " + vmid + " - protection mode enabled");
      }
    }
    checkLxcPermissions(c, Map.of(), c.params(), true);
    Volumes.Volume archive = findVolume(node, ostemplate);
    if (archive == null) {
      throw ApiException.fail("volume '" + ostemplate + "' does not exist");
    }
    if (restore && !"lxc".equals(archive.subtype()) || !restore && !archive.content().equals("vztmpl")) {
      throw ApiException.fail("unable to " + (restore ? "restore" : "create") + " CT " + vmid
          + " - volume '" + ostemplate + "' is not a " + (restore ? "container backup" : "container template"));
    }
    Map<String, String> previous = overwrite ? new LinkedHashMap<>(existing.config) : null;
    Guest g = new Guest(vmid, GuestType.LXC, node);
    Map<String, Object> params = new LinkedHashMap<>(c.params());
    if (restore) {
      g.config.putAll(archive.archivedConfig());
      g.config.remove("lock");
      String storage = c.str("storage");
      if (!params.containsKey("rootfs") && g.config.containsKey("rootfs")) {
        String oldRoot = g.config.remove("rootfs");
        long gib = Math.max(1, Volumes.sizeOf(oldRoot) / (1024L * 1024 * 1024));
        String target = storage != null ? storage : Formats.splitVolid(Volumes.volumeOf(oldRoot))[0];
        params.put("rootfs", target + ":" + gib);
      }
    } else {
      g.config.put("arch", c.str("arch", "amd64"));
      g.config.put("ostype", c.str("ostype", "debian"));
      g.config.put("memory", "512");
      g.config.put("swap", "512");
      g.config.put("hostname", "CT" + vmid);
      g.config.put("unprivileged", c.str("unprivileged", "1"));
      if (!params.containsKey("rootfs")) {
        params.put("rootfs", c.str("storage", "local") + ":4");
      }
    }
    applySettings(g, params, LXC_CONTROL);
    if (overwrite) {
      cluster.guests.remove(vmid);
    }
    g.config.put("lock", "create");
    cluster.guests.put(vmid, g);
    cluster.touch();
    boolean start = c.flag("start");
    String type = restore ? "vzrestore" : "vzcreate";
    Task t = task(node, type, String.valueOf(vmid), c.user(), g, log -> {
      if (restore) {
        log.add("restoring '" + ostemplate + "' now..");
      } else {
        log.add("extracting archive '" + ostemplate + "'");
        if (!backend.real()) {
          log.add("Total bytes read: 524288000 (500MiB, 13.4MiB/s)");
        }
        log.add("Detected container architecture: amd64");
      }
      List<String> hostKeys = backend.create(g, ostemplate, restore, restore ? null : c.str("ssh-public-keys"));
      if (!restore && hostKeys.isEmpty()) {
        log.add("Creating SSH host key 'ssh_host_ed25519_key' - this may take some time ...");
      }
      for (String id : hostKeys) {
        // pve-container's Setup.pm prints these; a client may pin the container's host keys from them.
        String keyType = id.substring(id.lastIndexOf("(") + 1, id.length() - 1).toLowerCase(Locale.ROOT);
        log.add("Creating SSH host key 'ssh_host_" + keyType + "_key' - this may take some time ...");
        log.add("done: " + id.substring(0, id.lastIndexOf(" (")));
      }
      if (start) {
        backend.start(g);
      }
    }, task -> {
      g.config.remove("lock");
      cluster.touch();
    }, (task, err) -> {
      if (backend.real()) {
        try {
          backend.destroy(g);
        } catch (RuntimeException e) {
          task.log.add("cleanup of CT " + vmid + " failed: " + e.getMessage());
        }
      }
      cluster.guests.remove(vmid);
      if (previous != null) {
        Guest back = new Guest(vmid, GuestType.LXC, node);
        back.config.putAll(previous);
        cluster.guests.put(vmid, back);
      }
    });
    return t.upidText;
  }

  private Volumes.Volume findVolume(String node, String volid) {
    for (Volumes.Volume v : cluster.volumes(node)) {
      if (v.volid().equals(volid)) {
        return v;
      }
    }
    return null;
  }

  private Object createQemu(Call c) {
    String node = c.node();
    int vmid = c.vmid();
    String archiveId = c.str("archive");
    boolean force = c.flag("force");
    Guest existing = cluster.guests.get(vmid);
    boolean overwrite = archiveId != null && force && existing != null && existing.node.equals(node);
    if (!overwrite) {
      cluster.checkVmidUnused(vmid);
    } else if (existing.running) {
      throw ApiException.fail("unable to restore VM " + vmid + " - VM is running");
    }
    Guest g = new Guest(vmid, GuestType.QEMU, node);
    Map<String, Object> params = new LinkedHashMap<>(c.params());
    if (archiveId != null) {
      Volumes.Volume archive = findVolume(node, archiveId);
      if (archive == null || !"qemu".equals(archive.subtype())) {
        throw ApiException.fail("unable to restore VM " + vmid + " - volume '" + archiveId + "' does not exist");
      }
      g.config.putAll(archive.archivedConfig());
      g.config.remove("lock");
      renameDisks(g, archive.vmid(), c.str("storage"), true);
    } else {
      g.config.put("smbios1", "uuid=" + UUID.randomUUID());
      g.config.put("vmgenid", UUID.randomUUID().toString());
      g.config.put("meta", "creation-qemu=10.1.2,ctime=" + Cluster.now());
    }
    applySettings(g, params, QEMU_CONTROL);
    if (overwrite) {
      cluster.guests.remove(vmid);
    }
    g.config.put("lock", "create");
    cluster.guests.put(vmid, g);
    cluster.touch();
    boolean start = c.flag("start");
    String type = archiveId != null ? "qmrestore" : "qmcreate";
    return task(node, type, String.valueOf(vmid), c.user(), g, log -> {
      if (overwrite) {
        backend.destroy(g);
      }
      if (start) {
        backend.start(g);
      }
    }, task -> {
      g.config.remove("lock");
      cluster.touch();
    }, (task, err) -> cluster.guests.remove(vmid)).upidText;
  }

  /** Gives a copied config its own disks: {@code vm-NEW-disk-N} (or linked to the base). */
  private void renameDisks(Guest target, int sourceVmid, String storage, boolean full) {
    Map<String, String> renamed = new LinkedHashMap<>();
    int index = 0;
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(target.config).entrySet()) {
      if (!DISK_KEY.matcher(e.getKey()).matches()) {
        continue;
      }
      String vol = Volumes.volumeOf(e.getValue());
      String[] parts = Formats.splitVolid(vol);
      if (parts == null) {
        continue;
      }
      String options = Volumes.optionsOf(e.getValue());
      String store = storage != null ? storage : parts[0];
      if (parts[1].endsWith("-cloudinit")) {
        renamed.put(e.getKey(), store + ":vm-" + target.vmid + "-cloudinit" + options);
      } else if (!e.getValue().contains("media=cdrom")) {
        String disk = "vm-" + target.vmid + "-disk-" + index++;
        String name = full ? store + ":" + disk : parts[0] + ":" + parts[1].split("/")[0] + "/" + disk;
        renamed.put(e.getKey(), name + options);
      }
    }
    target.config.putAll(renamed);
  }

  private Object clone(Call c) {
    String node = c.node();
    Guest source = load(c, GuestType.QEMU);
    int newid = c.integer("newid");
    String targetNode = c.str("target", node);
    cluster.checkNode(targetNode);
    Guest clash = cluster.guests.get(newid);
    if (clash != null) {
      if (clash.node.equals(targetNode) && clash.type == GuestType.QEMU) {
        throw ApiException.fail("unable to create VM " + newid + ": config file already exists");
      }
      cluster.checkVmidUnused(newid);
    }
    boolean full = c.has("full") ? c.flag("full") : !source.isTemplate();
    if (!full && c.str("storage") != null) {
      throw ApiException.param("storage", "parameter 'storage' not allowed for linked clones");
    }
    Cluster.checkLock(source);
    Guest g = new Guest(newid, GuestType.QEMU, targetNode);
    g.config.putAll(source.config);
    g.config.remove("template");
    g.config.remove("parent");
    g.config.put("name", c.str("name", "Copy-of-VM-" + source.name()));
    if (c.str("description") != null) {
      g.config.put("description", c.str("description"));
    }
    g.config.put("smbios1", "uuid=" + UUID.randomUUID());
    g.config.put("vmgenid", UUID.randomUUID().toString());
    for (Map.Entry<String, String> e : new HashMap<>(g.config).entrySet()) {
      if (e.getKey().matches("net\\d+")) {
        String spec = e.getValue().replaceFirst("^([a-z0-9-]+)=[0-9A-Fa-f:]{17}", "$1");
        g.config.put(e.getKey(), withMac(GuestType.QEMU, spec, null));
      }
    }
    renameDisks(g, source.vmid, c.str("storage"), full);
    g.config.put("lock", "create");
    cluster.guests.put(newid, g);
    cluster.touch();
    return tasks.start(node, "qmclone", String.valueOf(source.vmid), c.user(), null, task -> {
      task.log.add("create " + (full ? "full" : "linked") + " clone of drive scsi0 (" + Volumes.volumeOf(source.config.getOrDefault("scsi0", "")) + ")");
      g.config.remove("lock");
    }, (task, err) -> cluster.guests.remove(newid)).upidText;
  }

  /**
   * qemu-server's resize_vm: grows a disk's {@code size=} and, for a real VM's data disk, its
   * image (a running guest sees the new size at once); refuses to shrink; a {@code resize} task (PVE 8).
   */
  private Object resize(Call c) {
    Guest g = load(c, GuestType.QEMU);
    checkDigestAndLock(c, g);
    String disk = c.str("disk");
    String spec = g.config.get(disk);
    if (spec == null || spec.contains("media=cdrom")) {
      throw ApiException.fail("disk '" + disk + "' does not exist");
    }
    long size = requestedSize(c, spec);
    if (size < Volumes.sizeOf(spec)) {
      throw ApiException.fail("shrinking disks is not supported");
    }
    String text = sizeText(size);
    return task(c.node(), "resize", String.valueOf(g.vmid), c.user(), g, log -> backend.diskResized(g, disk, size),
        task -> {
          task.log.add("resizing " + disk + " to " + text);
          g.config.put(disk, withSize(spec, text));
          cluster.touch();
        }, null).upidText;
  }

  /**
   * pve-container's resize_vm: grows the {@code size=} of the rootfs or a mount point, refuses to
   * shrink, as a {@code resize} task. The sandbox's mount points are directories: only the
   * config changes.
   */
  private Object resizeLxc(Call c) {
    Guest g = load(c, GuestType.LXC);
    checkDigestAndLock(c, g);
    String disk = c.str("disk");
    String spec = g.config.get(disk);
    if (spec == null) {
      throw ApiException.fail("disk '" + disk + "' does not exist");
    }
    long size = requestedSize(c, spec);
    if (size < Volumes.sizeOf(spec)) {
      throw ApiException.fail("unable to shrink disk size");
    }
    String text = sizeText(size);
    return tasks.start(c.node(), "resize", String.valueOf(g.vmid), c.user(), g, task -> {
      task.log.add("resizing " + disk + " to " + text);
      g.config.put(disk, withSize(spec, text));
      cluster.touch();
    }, null).upidText;
  }

  /** A resize's {@code size}: absolute, or with a leading '+' added to the disk's current size. */
  private static long requestedSize(Call c, String spec) {
    Matcher m = Pattern.compile("(\\+)?(\\d+(?:\\.\\d+)?)([KMGT]?)").matcher(c.str("size"));
    if (!m.matches()) {
      throw ApiException.param("size", "value does not match the regex pattern");
    }
    long asked = Volumes.toBytes(Double.parseDouble(m.group(2)), m.group(3));
    return m.group(1) != null ? Volumes.sizeOf(spec) + asked : asked;
  }

  private static String sizeText(long size) {
    return size % (1L << 30) == 0 ? (size >> 30) + "G" : size % (1L << 20) == 0 ? (size >> 20) + "M" : (size >> 10) + "K";
  }

  private static String withSize(String spec, String size) {
    return spec.contains("size=") ? spec.replaceFirst("size=[^,]*", "size=" + size) : spec + ",size=" + size;
  }

  // ---- power ----

  private Object power(Call c, GuestType type, String action) {
    Guest g = load(c, type);
    String word = type.word;
    if (!c.flag("skiplock")) {
      Cluster.checkLock(g);
    }
    boolean lxc = type == GuestType.LXC;
    switch (action) {
      case "start" -> {
        if (lxc && g.running) {
          throw ApiException.fail("CT " + g.vmid + " already running");
        }
      }
      case "stop", "shutdown" -> {
        if (lxc && !g.running) {
          throw ApiException.fail("CT " + g.vmid + " not running");
        }
      }
      default -> {
        if (!g.running) {
          throw ApiException.fail("VM " + g.vmid + " not running");
        }
      }
    }
    String taskType = type.taskPrefix + action;
    int timeout = c.has("timeout") ? c.integer("timeout") : 60;
    return task(c.node(), taskType, String.valueOf(g.vmid), c.user(), g, log -> {
      switch (action) {
        case "start" -> {
          if (g.running) {
            throw ApiException.fail(word + " " + g.vmid + " already running");
          }
          if (g.isTemplate()) {
            throw ApiException.fail(lxc ? "cannot start a template" : "you can't start a vm if it's a template");
          }
          backend.start(g);
        }
        case "stop" -> backend.stop(g);
        case "shutdown" -> backend.shutdown(g, java.time.Duration.ofSeconds(timeout));
        default -> backend.reboot(g);
      }
    }, task -> cluster.touch(), null).upidText;
  }

  // ---- destroy ----

  private Object destroy(Call c, GuestType type) {
    Guest g = load(c, type);
    String word = type.word;
    if ("1".equals(g.config.get("protection"))) {
      throw ApiException.fail("can't remove " + word + " " + g.vmid + " - protection mode enabled");
    }
    if (!c.flag("skiplock")) {
      Cluster.checkLock(g);
    }
    boolean force = c.flag("force");
    if (g.running && !(type == GuestType.LXC && force)) {
      throw ApiException.fail(type == GuestType.LXC
          ? "unable to destroy CT " + g.vmid + " - container is running"
          : "VM " + g.vmid + " is running - destroy failed");
    }
    String taskType = type == GuestType.LXC ? "vzdestroy" : "qmdestroy";
    boolean purge = c.flag("purge");
    return task(c.node(), taskType, String.valueOf(g.vmid), c.user(), g, log -> {
      if (g.running) {
        log.add("forced to stop CT " + g.vmid + " before destroying!");
        backend.stop(g);
      }
      backend.destroy(g);
    }, task -> {
      for (Map.Entry<String, String> e : g.config.entrySet()) {
        if (DISK_KEY.matcher(e.getKey()).matches() && !e.getValue().contains("media=cdrom")) {
          task.log.add("  Logical volume \"" + Volumes.volumeOf(e.getValue()).replaceFirst("^[^:]+:", "") + "\" successfully removed.");
        }
      }
      if (purge) {
        task.log.add("purging " + word + " " + g.vmid + " from related configurations..");
      }
      cluster.guests.remove(g.vmid);
    }, null).upidText;
  }

  // ---- snapshots ----

  private static Guest.Snapshot snap(Guest g, String name) {
    Guest.Snapshot s = g.snapshots.get(name);
    if (s == null) {
      throw ApiException.fail("snapshot '" + name + "' does not exist");
    }
    return s;
  }

  private Object snapshots(Guest g) {
    List<Map<String, Object>> res = new ArrayList<>();
    for (Guest.Snapshot s : g.snapshots.values()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("name", s.name());
      e.put("description", s.config().getOrDefault("description", ""));
      e.put("snaptime", Long.parseLong(s.config().getOrDefault("snaptime", "0")));
      if (s.config().containsKey("parent")) {
        e.put("parent", s.config().get("parent"));
      }
      if (g.type == GuestType.QEMU) {
        e.put("vmstate", s.config().containsKey("vmstate") ? 1 : 0);
      }
      res.add(e);
    }
    Map<String, Object> current = new LinkedHashMap<>();
    current.put("name", "current");
    current.put("description", "You are here!");
    current.put("running", g.running ? 1 : 0);
    if (g.config.containsKey("parent")) {
      current.put("parent", g.config.get("parent"));
    }
    res.add(current);
    return res;
  }

  /** Snapshot-type tasks check and set the config lock in the worker, as PVE does. */
  private Object snapshot(Call c, GuestType type) {
    Guest g = load(c, type);
    String name = c.str("snapname");
    String description = c.str("description");
    boolean vmstate = type == GuestType.QEMU && c.flag("vmstate") && g.running;
    String taskType = type.taskPrefix + "snapshot";
    String problem = g.lock() != null ? type.word + " is locked (" + g.lock() + ")"
        : g.snapshots.containsKey(name) || name.equals("current") ? "snapshot name '" + name + "' already used" : null;
    if (problem == null) {
      g.config.put("lock", "snapshot");
      cluster.touch();
    }
    return task(c.node(), taskType, String.valueOf(g.vmid), c.user(), null, log -> {
      if (problem != null) {
        throw ApiException.fail(problem);
      }
      backend.snapshot(g, name);
    }, task -> {
      g.config.remove("lock");
      Map<String, String> copy = new LinkedHashMap<>(g.config);
      copy.put("snaptime", String.valueOf(task.upid.starttime()));
      if (description != null) {
        copy.put("description", description);
      } else {
        copy.remove("description");
      }
      if (vmstate) {
        copy.put("vmstate", "local-lvm:vm-" + g.vmid + "-state-" + name);
        copy.put("runningmachine", "pc-i440fx-10.1+pve0");
      }
      g.snapshots.put(name, new Guest.Snapshot(name, copy));
      g.config.put("parent", name);
    }, (task, err) -> {
      if (problem == null && "snapshot".equals(g.lock())) {
        g.config.remove("lock");
      }
    }).upidText;
  }

  private Object deleteSnapshot(Call c, GuestType type) {
    Guest g = load(c, type);
    String name = c.str("snapname");
    String taskType = type.taskPrefix + "delsnapshot";
    String problem = !g.snapshots.containsKey(name) ? "snapshot '" + name + "' does not exist"
        : g.lock() != null && !c.flag("force") ? type.word + " is locked (" + g.lock() + ")" : null;
    if (problem == null) {
      g.config.put("lock", "snapshot-delete");
      cluster.touch();
    }
    return task(c.node(), taskType, String.valueOf(g.vmid), c.user(), null, log -> {
      if (problem != null) {
        throw ApiException.fail(problem);
      }
      backend.deleteSnapshot(g, name);
    }, task -> {
      Guest.Snapshot removed = g.snapshots.remove(name);
      String parent = removed.config().get("parent");
      for (Guest.Snapshot s : g.snapshots.values()) {
        if (name.equals(s.config().get("parent"))) {
          reparent(s.config(), parent);
        }
      }
      if (name.equals(g.config.get("parent"))) {
        reparent(g.config, parent);
      }
      g.config.remove("lock");
    }, (task, err) -> {
      if ("snapshot-delete".equals(g.lock())) {
        g.config.remove("lock");
      }
    }).upidText;
  }

  private static void reparent(Map<String, String> config, String parent) {
    if (parent == null) {
      config.remove("parent");
    } else {
      config.put("parent", parent);
    }
  }

  private Object rollback(Call c, GuestType type) {
    Guest g = load(c, type);
    String name = c.str("snapname");
    boolean start = c.flag("start");
    String taskType = type.taskPrefix + "rollback";
    String problem = !g.snapshots.containsKey(name) ? "snapshot '" + name + "' does not exist"
        : g.lock() != null ? type.word + " is locked (" + g.lock() + ")" : null;
    if (problem == null) {
      g.config.put("lock", "rollback");
      cluster.touch();
    }
    return task(c.node(), taskType, String.valueOf(g.vmid), c.user(), g, log -> {
      if (problem != null) {
        throw ApiException.fail(problem);
      }
      Guest.Snapshot s = g.snapshots.get(name);
      if (g.running) {
        backend.stop(g);
      }
      backend.rollback(g, name);
      locked(() -> {
        g.config.clear();
        g.config.putAll(s.config());
        g.config.remove("snaptime");
        g.config.remove("vmstate");
        g.config.remove("runningmachine");
        g.config.put("parent", name);
        g.config.put("lock", "rollback");
      });
      if (start || s.config().containsKey("vmstate")) {
        backend.start(g);
      }
    }, task -> {
      g.config.remove("lock");
      cluster.touch();
    }, (task, err) -> {
      if ("rollback".equals(g.lock())) {
        g.config.remove("lock");
      }
    }).upidText;
  }

  // ---- vzdump ----

  private Object vzdump(Call c) {
    String node = c.node();
    String storage = c.str("storage", "local");
    if (!storage.equals("local")) {
      throw ApiException.fail(storage.equals("local-lvm")
          ? "storage '" + storage + "' does not support backups" : "storage '" + storage + "' does not exist");
    }
    List<Guest> selected = new ArrayList<>();
    if (c.flag("all")) {
      for (Guest g : cluster.guests.values()) {
        if (g.node.equals(node)) {
          selected.add(g);
        }
      }
      selected.forEach(cluster::takeBack);
    } else {
      String vmids = c.str("vmid");
      if (vmids == null) {
        throw ApiException.param("vmid", "property is missing and it is not optional");
      }
      for (String id : Formats.splitList(vmids)) {
        Guest g = cluster.guests.get(Integer.parseInt(id));
        if (g == null) {
          throw ApiException.fail("unable to find VM '" + id + "'");
        }
        cluster.takeBack(g);
        if (g.node.equals(node)) {
          selected.add(g);
        }
      }
    }
    String mode = c.str("mode", "snapshot");
    String compress = c.str("compress", "0");
    String ext = switch (compress) {
      case "zstd" -> ".zst";
      case "gzip" -> ".gz";
      case "1", "lzo" -> ".lzo";
      default -> "";
    };
    Map<Integer, String> problems = new LinkedHashMap<>();
    for (Guest g : selected) {
      if (g.lock() != null) {
        problems.put(g.vmid, g.type.word + " is locked (" + g.lock() + ")");
      } else {
        g.config.put("lock", "backup");
      }
    }
    cluster.touch();
    String id = selected.size() == 1 ? String.valueOf(selected.get(0).vmid) : "";
    boolean[] errors = {false};
    long[] starttime = {0};
    Task t = task(node, "vzdump", id, c.user(), null, log -> {
      log.add("INFO: starting new backup job: vzdump " + c.str("vmid", "--all 1") + " --storage " + storage
          + " --mode " + mode + " --compress " + compress);
      for (Guest g : selected) {
        String kind = g.type.path;
        log.add("INFO: Starting Backup of VM " + g.vmid + " (" + kind + ")");
        if (problems.containsKey(g.vmid)) {
          log.add("ERROR: Backup of VM " + g.vmid + " failed - " + problems.get(g.vmid));
          errors[0] = true;
          continue;
        }
        String[] volid = new String[1];
        long[] ctime = {starttime[0]};
        locked(() -> {
          do {
            String stamp = BACKUP_TIME.format(Instant.ofEpochSecond(ctime[0]).atZone(ZoneId.systemDefault()));
            volid[0] = "local:backup/vzdump-" + kind + "-" + g.vmid + "-" + stamp
                + (g.type == GuestType.LXC ? ".tar" : ".vma") + ext;
            ctime[0]++;
          } while (findVolume(node, volid[0]) != null);
        });
        String fileName = volid[0].substring("local:backup/".length());
        log.add("INFO: creating vzdump archive '" + backend.dumpDir() + "/" + fileName + "'");
        long started = System.nanoTime();
        long written;
        try {
          written = backend.backup(g, fileName);
        } catch (RuntimeException e) {
          log.add("ERROR: Backup of VM " + g.vmid + " failed - " + e.getMessage());
          errors[0] = true;
          locked(() -> {
            if ("backup".equals(g.lock())) {
              g.config.remove("lock");
            }
          });
          continue;
        }
        long secs = (System.nanoTime() - started) / 1_000_000_000;
        locked(() -> {
          g.config.remove("lock");
          String format = (g.type == GuestType.LXC ? "tar" : "vma") + ext;
          Map<String, String> archived = new LinkedHashMap<>(g.config);
          long size = written >= 0 ? written : Math.max(1 << 20, g.maxdisk() / 20);
          cluster.volumes(node).add(new Volumes.Volume(volid[0], "backup", format, size, ctime[0] - 1, g.vmid, kind, archived));
          cluster.touch();
        });
        if (written >= 0) {
          log.add("INFO: archive file size: " + (written >> 20) + "MB");
        }
        log.add(String.format("INFO: Finished Backup of VM %d (%02d:%02d:%02d)", g.vmid, secs / 3600, secs / 60 % 60,
            Math.max(1, secs % 60)));
      }
    }, task -> {
      if (errors[0]) {
        throw ApiException.fail("job errors");
      }
      task.log.add("INFO: Backup job finished successfully");
    }, (task, err) -> {
      for (Guest g : selected) {
        if (!problems.containsKey(g.vmid) && "backup".equals(g.lock())) {
          g.config.remove("lock");
        }
      }
    });
    starttime[0] = t.upid.starttime();
    return t.upidText;
  }
}
