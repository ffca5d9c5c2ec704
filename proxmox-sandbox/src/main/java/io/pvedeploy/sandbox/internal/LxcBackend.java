package io.pvedeploy.sandbox.internal;

import com.squareup.moshi.Moshi;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real guests: every container is an LXC container named by its vmid under the sandbox's own
 * LXCPATH, unprivileged (root → 100000) unless its config says {@code unprivileged: 0}. A QEMU
 * VM's inside is such a container too, running Debian's real {@code qemu-ga} on a unix socket
 * that the host reaches through a bind mount. No CPU is emulated.
 *
 * <p>A VM's data disks (its {@code scsiN}/{@code virtioN} disks besides the boot disk) are real
 * block devices: a sparse image file per disk in the runtime directory's {@code disks}, attached
 * to a loop device while the VM runs and bound into the container as {@code /dev/sdX} or
 * {@code /dev/vdX}, with the udev link {@code /dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsiN}
 * that a VM's fstab names. A guest formats and mounts them itself (ext4), and the kernel allows
 * that only for a real block device and outside a user namespace: so a VM that has data disks
 * when its inside is made (its first start) gets a <em>privileged</em> container, remembered by
 * a marker file in the container's directory. VMs without data disks stay unprivileged; one that
 * gets a data disk after its first start cannot be given it (its inside would have to be
 * re-made with other ids), and its start fails saying so. Snapshots and rollback cover the
 * container's rootfs, not the disk images. All of this is sandbox-internal: on PVE, QEMU runs
 * the VM's own kernel on the disk.
 */
final class LxcBackend implements GuestBackend {
  private static final Logger LOG = LoggerFactory.getLogger(LxcBackend.class);
  private static final Duration T = Duration.ofSeconds(60);
  private static final Duration EXEC_TIMEOUT = Duration.ofMinutes(30);
  private static final Pattern NET_KEY = Pattern.compile("net(\\d+)");
  private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}");
  private static final String QGA_DIR = ".pvedeploy-qga";
  private static final String QGA_INITTAB = "qg:2345:respawn:/usr/sbin/qemu-ga -m unix-listen -p /" + QGA_DIR + "/qga.sock";
  private static final String PVE_BRIDGE = "vmbr0";
  private static final Pattern DISK_KEY = Pattern.compile("(scsi|virtio|sata|ide)(\\d+)");
  /** PVE's default boot order among a VM's disks: its boot disk is the first of these present. */
  private static final List<String> BOOT_DISKS = List.of("scsi0", "virtio0", "sata0", "ide0");
  /** In a VM's container directory: its inside was made privileged, for its data disks. */
  private static final String PRIVILEGED_MARKER = "privileged-for-data-disks";
  private static final String DISKS_HOOK = "disks-autodev.sh";

  private final LxcHost host;
  private final Path template;
  private final Map<Integer, Object> locks = new ConcurrentHashMap<>();
  /** vmids whose container this backend started and may need to stop on close. */
  private final Map<Integer, Boolean> known = new ConcurrentHashMap<>();

  LxcBackend(LxcHost host, Path cacheDir) {
    this.host = host;
    if (!host.appArmor) {
      LOG.warn("AppArmor is not enabled in this kernel: containers run with lxc.apparmor.profile = unconfined. "
          + "PVE confines them with a generated profile; that confinement cannot be checked on this host.");
    }
    this.template = LxcTemplate.ensure(cacheDir);
    host.beforeClose(this::stopAll);
  }

  /** The guests' network unless the system property {@code pvedeploy.sandbox.subnet} says otherwise. */
  static final String DEFAULT_SUBNET = "10.99.0.0/24";

  /**
   * Checks the host, sets up the network and the template (built once into {@code cacheDir});
   * fails with what to install when the host lacks something, never falling back to simulation.
   */
  static LxcBackend start(Path stateDir, Path cacheDir) {
    LxcHost host = new LxcHost(stateDir, System.getProperty("pvedeploy.sandbox.subnet", DEFAULT_SUBNET));
    try {
      return new LxcBackend(host, cacheDir);
    } catch (RuntimeException e) {
      host.close();
      throw e;
    }
  }

  private Object lock(Guest g) {
    return locks.computeIfAbsent(g.vmid, k -> new Object());
  }

  @Override
  public boolean real() {
    return true;
  }

  @Override
  public String dumpDir() {
    return host.dumpDir.toString();
  }

  // ---- paths ----

  private String name(Guest g) {
    return String.valueOf(g.vmid);
  }

  private Path ctDir(Guest g) {
    return host.lxcPath.resolve(name(g));
  }

  private Path rootfs(Guest g) {
    return ctDir(g).resolve("rootfs");
  }

  private Path snapDir(Guest g, String snap) {
    return host.snapshotsDir.resolve(name(g)).resolve(snap);
  }

  private boolean unprivileged(Guest g) {
    if (g.type == GuestType.QEMU) {
      return !Files.exists(ctDir(g).resolve(PRIVILEGED_MARKER));
    }
    return "1".equals(g.config.get("unprivileged"));
  }

  /** The host uid/gid that is root inside the guest. */
  private int rootId(Guest g) {
    return unprivileged(g) ? LxcHost.ID_BASE : 0;
  }

  private List<String> lxc(String tool, Guest g, Object... rest) {
    return Proc.argv(tool, "-n", name(g), "-P", host.lxcPath.toString(), List.of(rest));
  }

  // ---- create / destroy ----

  @Override
  public List<String> create(Guest g, String volid, boolean restore, String sshPublicKeys) {
    synchronized (lock(g)) {
      Path source = volumeFile(volid);
      if (!Files.isRegularFile(source)) {
        throw ApiException.fail("unable to " + (restore ? "restore" : "create") + " CT " + g.vmid
            + " - archive '" + source + "' does not exist (only archives this sandbox wrote are real)");
      }
      removeInside(g);
      Path root = rootfs(g);
      try {
        Files.createDirectories(root);
        Files.setPosixFilePermissions(ctDir(g), PosixFilePermissions.fromString("rwxr-xr-x"));
        if (g.type == GuestType.QEMU && !dataDisks(g).isEmpty()) {
          LOG.info("VM {}: its inside is a privileged container, so that the guest can mount its data disks {}",
              g.vmid, dataDisks(g).keySet());
          Files.writeString(ctDir(g).resolve(PRIVILEGED_MARKER),
              "made privileged for the data disks " + dataDisks(g).keySet() + " (an ext4 mount needs it)\n");
        }
        Proc.run(List.of("chown", rootId(g) + ":" + rootId(g), root.toString()), T).check();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create " + root, e);
      }
      extract(g, source, root);
      List<String> ids = restore ? List.of() : hostKeys(g);
      if (sshPublicKeys != null && !sshPublicKeys.isBlank()) {
        writeRoot(g, "root/.ssh/authorized_keys",
            (sshPublicKeys.strip() + "\n").getBytes(StandardCharsets.UTF_8), "rw-------");
      }
      known.put(g.vmid, true);
      return ids;
    }
  }

  private Path volumeFile(String volid) {
    if (volid.equals(Cluster.TEMPLATE_VOLID)) {
      return template;
    }
    if (volid.startsWith("local:backup/")) {
      return host.dumpDir.resolve(volid.substring("local:backup/".length()));
    }
    throw ApiException.fail("volume '" + volid + "' has no real file in this sandbox");
  }

  private static String compressFlag(String file) {
    if (file.endsWith(".zst")) {
      return "--zstd";
    }
    if (file.endsWith(".gz")) {
      return "--gzip";
    }
    if (file.endsWith(".lzo")) {
      return "--lzop";
    }
    return null;
  }

  /** Unpacks as root of the guest (inside its user namespace when unprivileged, so ids shift). */
  private void extract(Guest g, Path archive, Path root) {
    List<String> argv = new ArrayList<>();
    if (unprivileged(g)) {
      argv.addAll(List.of("lxc-usernsexec", "-m", "b:0:" + LxcHost.ID_BASE + ":" + LxcHost.ID_COUNT, "--"));
    }
    argv.addAll(List.of("tar", "--numeric-owner", "-xpf", "-", "-C", root.toString()));
    String z = compressFlag(archive.getFileName().toString());
    if (z != null) {
      argv.add(z);
    }
    Proc.Result r = Proc.run(argv, null, Duration.ofMinutes(20), archive);
    if (r.exit() == 0) {
      return;
    }
    // Device nodes cannot be made in a user namespace; LXC mounts its own /dev, so those are harmless.
    List<String> real = new ArrayList<>();
    for (String line : r.errText().split("\n")) {
      if (line.isBlank() || line.matches("tar: \\./dev/.*: Cannot mknod: Operation not permitted")
          || line.equals("tar: Exiting with failure status due to previous errors")) {
        continue;
      }
      real.add(line);
    }
    if (!real.isEmpty() || r.timedOut()) {
      throw new IllegalStateException("unpacking " + archive + " failed: " + r.describe());
    }
  }

  /** Makes the container's host keys; returns {@code SHA256:… root@hostname (TYPE)} for each. */
  private List<String> hostKeys(Guest g) {
    Path tmp = null;
    List<String> ids = new ArrayList<>();
    try {
      tmp = Files.createTempDirectory(host.runtimeDir, "keys-");
      for (String type : List.of("rsa", "ecdsa", "ed25519")) {
        Path key = tmp.resolve("ssh_host_" + type + "_key");
        Proc.run(List.of("ssh-keygen", "-q", "-t", type, "-N", "", "-C", "root@" + hostname(g), "-f", key.toString()), T).check();
        Path pub = tmp.resolve(key.getFileName() + ".pub");
        writeRoot(g, "etc/ssh/ssh_host_" + type + "_key", Files.readAllBytes(key), "rw-------");
        writeRoot(g, "etc/ssh/ssh_host_" + type + "_key.pub", Files.readAllBytes(pub), "rw-r--r--");
        // "256 SHA256:… root@host (ED25519)"
        String line = Proc.run(List.of("ssh-keygen", "-l", "-E", "sha256", "-f", pub.toString()), T).check().outText().strip();
        ids.add(line.substring(line.indexOf(' ') + 1));
      }
      return ids;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make SSH host keys for CT " + g.vmid, e);
    } finally {
      if (tmp != null) {
        Proc.run(List.of("rm", "-rf", tmp.toString()), T);
      }
    }
  }

  @Override
  public void destroy(Guest g) {
    synchronized (lock(g)) {
      removeInside(g);
      Path snaps = host.snapshotsDir.resolve(name(g));
      if (Files.exists(snaps)) {
        Proc.run(List.of("rm", "-rf", "--one-file-system", snaps.toString()), Duration.ofMinutes(5)).check();
      }
      deleteDiskImages(g);
      known.remove(g.vmid);
      g.running = false;
    }
  }

  private void removeInside(Guest g) {
    if (!Files.exists(ctDir(g))) {
      return;
    }
    kill(g);
    Proc.run(List.of("rm", "-rf", "--one-file-system", ctDir(g).toString()), Duration.ofMinutes(5)).check();
  }

  /** A hard stop (when running), then its data disks' loop devices go. */
  private void kill(Guest g) {
    if (isRunning(g)) {
      Proc.run(lxc("lxc-stop", g, "-k"), T).check();
    }
    detachDisks(g);
  }

  private boolean isRunning(Guest g) {
    if (!Files.exists(ctDir(g).resolve("config"))) {
      return false;
    }
    Proc.Result r = Proc.run(lxc("lxc-info", g, "-s", "-H"), T);
    return r.ok() && r.outText().trim().equals("RUNNING");
  }

  // ---- power ----

  @Override
  public void start(Guest g) {
    synchronized (lock(g)) {
      Map<String, String> disks = dataDisks(g);
      for (String key : disks.keySet()) {
        if (!key.startsWith("scsi") && !key.startsWith("virtio")) {
          throw ApiException.fail("VM " + g.vmid + ": the sandbox backs only scsi and virtio extra disks with real "
              + "block devices, not " + key + "; attach the disk as scsiN or virtioN");
        }
      }
      if (!Files.isDirectory(rootfs(g))) {
        if (g.type == GuestType.QEMU) {
          LOG.info("VM {}: making its inside (a container from the template) on first start", g.vmid);
          create(g, Cluster.TEMPLATE_VOLID, false, null);
        } else {
          throw ApiException.fail("CT " + g.vmid + " has no root filesystem (was it created by this sandbox?)");
        }
      }
      if (!disks.isEmpty() && unprivileged(g)) {
        throw ApiException.fail("VM " + g.vmid + " has the data disks " + disks.keySet() + ", but had none at its "
            + "first start: the sandbox attaches extra disks only to VMs that had them at first start (their "
            + "inside is then a privileged container, which mounting a disk needs). Give the VM its disks "
            + "before it first starts (e.g. re-clone it)");
      }
      if (isRunning(g)) {
        g.running = true;
        return;
      }
      Map<String, String> statics = prepareGuestFiles(g);
      try {
        writeConfig(g, attachDisks(g, disks));
        Proc.Result r = Proc.run(lxc("lxc-start", g, "-d"), T);
        if (!r.ok()) {
          throw ApiException.fail("startup for container '" + g.vmid + "' failed: " + r.describe() + tailOfLog(g));
        }
      } catch (RuntimeException e) {
        detachDisks(g); // no loop device stays attached for a VM that did not start
        throw e;
      }
      known.put(g.vmid, true);
      g.running = true;
      g.startedAt = Cluster.now();
      awaitBoot(g, statics);
      if (g.type == GuestType.QEMU) {
        awaitAgent(g);
        applyCloudInit(g);
      }
    }
  }

  private String tailOfLog(Guest g) {
    try {
      List<String> lines = Files.readAllLines(ctDir(g).resolve("log"));
      return "\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void stop(Guest g) {
    synchronized (lock(g)) {
      kill(g);
      g.running = false;
      g.startedAt = 0;
    }
  }

  @Override
  public void shutdown(Guest g, Duration timeout) {
    synchronized (lock(g)) {
      if (isRunning(g)) {
        Proc.Result r = Proc.run(lxc("lxc-stop", g, "-t", String.valueOf(Math.max(1, timeout.toSeconds()))),
            timeout.plusSeconds(30));
        if (isRunning(g)) {
          LOG.warn("CT {} did not shut down in {}: {}; killing it", g.vmid, timeout, r.describe());
        }
      }
      kill(g);
      g.running = false;
      g.startedAt = 0;
    }
  }

  @Override
  public void reboot(Guest g) {
    synchronized (lock(g)) {
      shutdown(g, Duration.ofSeconds(30));
      start(g);
    }
  }

  private void stopAll() {
    try (var s = Files.newDirectoryStream(host.lxcPath)) {
      for (Path ct : s) {
        Proc.run(List.of("lxc-stop", "-k", "-n", ct.getFileName().toString(), "-P", host.lxcPath.toString()), T);
      }
    } catch (IOException e) {
      LOG.warn("cannot list the sandbox's containers", e);
    }
  }

  @Override
  public void close() {
    host.close();
  }

  // ---- a VM's data disks: image files on loop devices ----

  /** A data disk attached for a start: the loop device, its {@code major:minor}, its name in the guest. */
  private record Disk(String key, String loop, String majorMinor, String dev) {}

  /**
   * A VM's disks besides its boot disk (the first of scsi0, virtio0, sata0, ide0 it has): key →
   * property string; CD-ROMs and cloud-init drives are no disks. Empty for containers.
   */
  private static Map<String, String> dataDisks(Guest g) {
    Map<String, String> res = new TreeMap<>();
    if (g.type != GuestType.QEMU) {
      return res;
    }
    String boot = BOOT_DISKS.stream().filter(g.config::containsKey).findFirst().orElse(null);
    for (Map.Entry<String, String> e : g.config.entrySet()) {
      String spec = e.getValue();
      if (e.getKey().equals(boot) || !DISK_KEY.matcher(e.getKey()).matches() || spec.contains("media=cdrom")
          || Volumes.volumeOf(spec).endsWith("-cloudinit")) {
        continue;
      }
      res.put(e.getKey(), spec);
    }
    return res;
  }

  private Path diskImage(Guest g, String key) {
    return host.disksDir.resolve("vm-" + g.vmid + "-" + key + ".raw");
  }

  /** The guest's device name as Linux names it: scsiN → sdX, virtioN → vdX (a…z, then aa…). */
  static String deviceName(String key) {
    Matcher m = DISK_KEY.matcher(key);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a disk key: " + key);
    }
    int n = Integer.parseInt(m.group(2));
    String letters = n < 26 ? String.valueOf((char) ('a' + n)) : "" + (char) ('a' + n / 26 - 1) + (char) ('a' + n % 26);
    return (key.startsWith("virtio") ? "vd" : "sd") + letters;
  }

  /** The link udev makes for a VM's SCSI disk (QEMU's scsi-hd with PVE's drive id), which fstabs name. */
  static String byIdLink(String key) {
    return "scsi-0QEMU_QEMU_HARDDISK_drive-" + key;
  }

  /** Makes or grows (never shrinks) each disk's sparse image and attaches it to a loop device. */
  private List<Disk> attachDisks(Guest g, Map<String, String> disks) {
    List<Disk> res = new ArrayList<>();
    for (Map.Entry<String, String> e : disks.entrySet()) {
      long size = Volumes.sizeOf(e.getValue());
      if (size <= 0) {
        throw ApiException.fail("VM " + g.vmid + ": disk " + e.getKey() + " (" + e.getValue() + ") has no size=; "
            + "the sandbox cannot back it with an image (add it as e.g. '" + e.getKey() + ": local-lvm:4')");
      }
      Path image = diskImage(g, e.getKey());
      boolean grown = grow(image, size);
      List<String> loops = loopsOf(image);
      String loop;
      if (loops.isEmpty()) {
        loop = Proc.run(List.of("losetup", "--find", "--show", image.toString()), T).check().outText().strip();
      } else {
        loop = loops.get(0); // left attached (a crashed run): reuse it, with the image's size now
        if (grown) {
          Proc.run(List.of("losetup", "--set-capacity", loop), T).check();
        }
      }
      res.add(new Disk(e.getKey(), loop, majorMinor(loop), deviceName(e.getKey())));
    }
    return res;
  }

  /** Grows the image file to {@code size} bytes, sparse, creating it; true when it grew. */
  private static boolean grow(Path image, long size) {
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      if (f.length() >= size) {
        return false;
      }
      f.setLength(size);
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the disk image " + image + " " + size + " bytes big", e);
    }
  }

  /** The loop devices attached to an image file. */
  private static List<String> loopsOf(Path image) {
    if (!Files.exists(image)) {
      return List.of();
    }
    String out = Proc.run(List.of("losetup", "--list", "--noheadings", "--output", "NAME", "--associated",
        image.toString()), T).check().outText();
    return out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }

  private static String majorMinor(String loop) {
    Path dev = Path.of("/sys/block", Path.of(loop).getFileName().toString(), "dev");
    try {
      return Files.readString(dev).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the device number of " + loop + " from " + dev, e);
    }
  }

  /**
   * The hook LXC runs in the container's mount namespace after its mounts, before init: the
   * by-id links udev would make, so that the guest's fstab mounts its disks at boot. Its content
   * is fixed text made of disk keys and device names (digits and letters), never config values.
   */
  private Path writeDisksHook(Guest g, List<Disk> disks) {
    StringBuilder sh = new StringBuilder("#!/bin/sh\n# generated by the pvedeploy sandbox: the links udev makes for VM ")
        .append(g.vmid).append("'s disks\nset -e\nmkdir -p \"$LXC_ROOTFS_MOUNT/dev/disk/by-id\"\n");
    for (Disk d : disks) {
      if (d.key().startsWith("scsi")) {
        sh.append("ln -sfn ../../").append(d.dev()).append(" \"$LXC_ROOTFS_MOUNT/dev/disk/by-id/")
            .append(byIdLink(d.key())).append("\"\n");
      }
    }
    Path hook = ctDir(g).resolve(DISKS_HOOK);
    try {
      Files.writeString(hook, sh.toString());
      Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + hook, e);
    }
    return hook;
  }

  /** Detaches the loop devices of the guest's disk images (it is stopped). */
  private void detachDisks(Guest g) {
    for (Path image : diskImages(g)) {
      for (String loop : loopsOf(image)) {
        Proc.run(List.of("losetup", "--detach", loop), T).check();
      }
    }
  }

  private List<Path> diskImages(Guest g) {
    try (var s = Files.newDirectoryStream(host.disksDir, "vm-" + g.vmid + "-*.raw")) {
      List<Path> res = new ArrayList<>();
      s.forEach(res::add);
      return res;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + host.disksDir, e);
    }
  }

  private void deleteDiskImages(Guest g) {
    detachDisks(g);
    for (Path image : diskImages(g)) {
      try {
        Files.deleteIfExists(image);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete the disk image " + image, e);
      }
    }
  }

  /**
   * Grows the disk's image; a running VM's loop device takes the new size at once, so the guest
   * can grow its filesystem online. (For a mounted ext4 the guest's {@code resize2fs} also needs
   * CAP_SYS_RESOURCE, which a host lacking it in its bounding set cannot give any container.)
   */
  @Override
  public void diskResized(Guest g, String key, long bytes) {
    synchronized (lock(g)) {
      Path image = diskImage(g, key);
      if (!Files.exists(image)) {
        return; // not a data disk, or not started since it was added: start makes the image at its size
      }
      grow(image, bytes);
      for (String loop : loopsOf(image)) {
        Proc.run(List.of("losetup", "--set-capacity", loop), T).check();
      }
    }
  }

  // ---- the container's config, and files PVE writes into the guest at start ----

  private static Map<String, String> features(Guest g) {
    Map<String, String> res = new LinkedHashMap<>();
    String spec = g.type == GuestType.QEMU ? "nesting=1" : g.config.getOrDefault("features", "");
    for (String part : spec.split(",")) {
      String[] kv = part.split("=", 2);
      if (kv.length == 2) {
        res.put(kv[0], kv[1].matches("(?i)1|on|yes|true") ? "1" : "0");
      }
    }
    return res;
  }

  private String hostname(Guest g) {
    String h = g.type == GuestType.LXC ? g.config.get("hostname") : g.config.get("name");
    return h == null ? (g.type == GuestType.LXC ? "CT" : "VM") + g.vmid : h;
  }

  /** One NIC: PVE's {@code netN} (LXC) or {@code netN} + {@code ipconfigN} (QEMU/cloud-init). */
  private record Nic(int index, String name, String mac, String bridge, String ip, String gw) {}

  private List<Nic> nics(Guest g) {
    List<Nic> res = new ArrayList<>();
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(g.config).entrySet()) {
      Matcher k = NET_KEY.matcher(e.getKey());
      if (!k.matches()) {
        continue;
      }
      int i = Integer.parseInt(k.group(1));
      Map<String, String> p = props(e.getValue());
      String mac = null;
      String name = "eth" + i;
      if (g.type == GuestType.LXC) {
        mac = p.get("hwaddr");
        name = p.getOrDefault("name", name);
      } else {
        for (String v : p.values()) {
          if (v != null && MAC.matcher(v).matches()) {
            mac = v;
          }
        }
        p = props(g.config.getOrDefault("ipconfig" + i, ""));
      }
      res.add(new Nic(i, name, mac, props(e.getValue()).getOrDefault("bridge", PVE_BRIDGE), p.get("ip"), p.get("gw")));
    }
    return res;
  }

  private static Map<String, String> props(String spec) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String part : spec.split(",")) {
      if (part.isEmpty()) {
        continue;
      }
      String[] kv = part.split("=", 2);
      m.put(kv[0], kv.length == 2 ? kv[1] : null);
    }
    return m;
  }

  private void writeConfig(Guest g, List<Disk> disks) {
    Map<String, String> f = features(g);
    boolean unpriv = unprivileged(g);
    StringBuilder c = new StringBuilder();
    c.append("# generated by the pvedeploy sandbox from ").append(g.configPath()).append('\n');
    c.append("lxc.uts.name = ").append(hostname(g)).append('\n');
    c.append("lxc.rootfs.path = dir:").append(rootfs(g)).append('\n');
    c.append("lxc.include = /usr/share/lxc/config/common.conf\n");
    if (unpriv) {
      c.append("lxc.include = /usr/share/lxc/config/userns.conf\n");
      c.append("lxc.idmap = u 0 ").append(LxcHost.ID_BASE).append(' ').append(LxcHost.ID_COUNT).append('\n');
      c.append("lxc.idmap = g 0 ").append(LxcHost.ID_BASE).append(' ').append(LxcHost.ID_COUNT).append('\n');
    }
    if (host.appArmor && g.type == GuestType.QEMU && !unpriv) {
      // A VM's own kernel mounts its disks; in its stand-in, the container mounts the bound block
      // device itself, and no AppArmor profile of LXC's allows ext4 mounts of a bound block device.
      LOG.info("VM {}: its container runs unconfined by AppArmor, so that the guest can mount its data disks", g.vmid);
      c.append("lxc.apparmor.profile = unconfined\n");
    } else if (host.appArmor) {
      c.append("lxc.apparmor.profile = generated\n");
      if ("1".equals(f.get("nesting"))) {
        c.append("lxc.apparmor.allow_nesting = 1\n");
      }
    } else {
      c.append("lxc.apparmor.profile = unconfined\n");
    }
    // pve-container's make_seccomp_config: keyctl() fails with ENOSYS unless keyctl=1.
    if ("1".equals(f.get("keyctl")) && !unpriv) {
      throw ApiException.fail("'keyctl' feature is only supported for unprivileged containers");
    }
    StringBuilder seccomp = new StringBuilder();
    try {
      seccomp.append(Files.readString(Path.of("/usr/share/lxc/config/common.seccomp")));
    } catch (IOException e) {
      seccomp.append("2\ndenylist\n[all]\n");
    }
    if (!"1".equals(f.get("keyctl"))) {
      seccomp.append("keyctl errno 38\n");
    }
    c.append("lxc.seccomp.profile = ").append(ctDir(g).resolve("rules.seccomp")).append('\n');
    if ("1".equals(f.get("nesting"))) {
      c.append("lxc.mount.auto =\n"); // reset common.conf's, then what Docker needs
      // A privileged container's /proc/sys is the host's: read-only but for its own net settings.
      c.append("lxc.mount.auto = ").append(unpriv ? "proc:rw" : "proc:mixed").append(" sys:mixed cgroup:rw:force\n");
    }
    if ("1".equals(f.get("fuse"))) {
      c.append("lxc.mount.entry = /dev/fuse dev/fuse none bind,create=file 0 0\n");
      c.append("lxc.cgroup.devices.allow = c 10:229 rwm\n");
    }
    limits(g, c);
    for (Nic n : nics(g)) {
      if (!n.bridge().equals(PVE_BRIDGE)) {
        throw ApiException.fail("bridge '" + n.bridge() + "' does not exist (the sandbox has one bridge, vmbr0)");
      }
      String p = "lxc.net." + n.index() + ".";
      c.append(p).append("type = veth\n");
      c.append(p).append("link = ").append(host.bridge).append('\n');
      c.append(p).append("veth.pair = veth").append(g.vmid).append('i').append(n.index()).append('\n');
      c.append(p).append("name = ").append(n.name()).append('\n');
      c.append(p).append("flags = up\n");
      if (n.mac() != null) {
        c.append(p).append("hwaddr = ").append(n.mac()).append('\n');
      }
    }
    if (g.type == GuestType.QEMU) {
      c.append("lxc.mount.entry = ").append(qgaDir(g)).append(' ').append(QGA_DIR).append(" none bind,create=dir 0 0\n");
    }
    String devicesAllow = cgroupV1() ? "lxc.cgroup.devices.allow" : "lxc.cgroup2.devices.allow";
    if (g.type == GuestType.QEMU && !unpriv) {
      // A VM has /dev/net/tun; Docker's runc allows it in every container's device cgroup it
      // makes, which fails under a privileged parent whose cgroup lacks it (common.conf's does).
      c.append(devicesAllow).append(" = c 10:200 rwm\n");
    }
    for (Disk d : disks) {
      c.append("lxc.mount.entry = ").append(d.loop()).append(" dev/").append(d.dev()).append(" none bind,create=file 0 0\n");
      c.append(devicesAllow).append(" = b ").append(d.majorMinor()).append(" rwm\n");
    }
    if (!disks.isEmpty()) {
      c.append("lxc.hook.autodev = ").append(writeDisksHook(g, disks)).append('\n');
    }
    c.append("lxc.log.file = ").append(ctDir(g).resolve("log")).append('\n');
    c.append("lxc.log.level = WARN\n");
    // pve-container's update_lxc_config appends the config file's raw lxc.* lines after its own,
    // so that an admin's line (lxc.apparmor.profile: unconfined) overrides the generated one.
    for (ConfigFile.Raw r : ConfigFile.raw(g.config)) {
      c.append(r.key()).append(" = ").append(r.value()).append('\n');
    }
    try {
      Files.writeString(ctDir(g).resolve("rules.seccomp"), seccomp.toString());
      Files.writeString(ctDir(g).resolve("config"), c.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the LXC config of " + g.vmid, e);
    }
  }

  /** memory/swap/cores/cpulimit as cgroup limits, where this host's cgroups allow them. */
  private static void limits(Guest g, StringBuilder c) {
    long memMb = Long.parseLong(g.config.getOrDefault("memory", g.type == GuestType.LXC ? "512" : "2048"));
    long swapMb = g.type == GuestType.LXC ? Long.parseLong(g.config.getOrDefault("swap", "512")) : 0;
    int cores = Math.min(Integer.parseInt(g.config.getOrDefault("cores", "0")), Runtime.getRuntime().availableProcessors());
    boolean v1 = cgroupV1();
    if (v1) {
      c.append("lxc.cgroup.memory.limit_in_bytes = ").append(memMb << 20).append('\n');
      if (Files.exists(Path.of("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"))) {
        c.append("lxc.cgroup.memory.memsw.limit_in_bytes = ").append((memMb + swapMb) << 20).append('\n');
      }
      if (cores > 0 && Files.isDirectory(Path.of("/sys/fs/cgroup/cpuset"))) {
        c.append("lxc.cgroup.cpuset.cpus = ").append(cores == 1 ? "0" : "0-" + (cores - 1)).append('\n');
      }
    } else if (Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))) {
      c.append("lxc.cgroup2.memory.max = ").append(memMb << 20).append('\n');
      c.append("lxc.cgroup2.memory.swap.max = ").append(swapMb << 20).append('\n');
      if (cores > 0) {
        c.append("lxc.cgroup2.cpuset.cpus = ").append(cores == 1 ? "0" : "0-" + (cores - 1)).append('\n');
      }
    }
    String cpulimit = g.config.get("cpulimit");
    if (cpulimit != null && Double.parseDouble(cpulimit) > 0) {
      long quota = (long) (Double.parseDouble(cpulimit) * 100_000);
      if (v1) {
        c.append("lxc.cgroup.cpu.cfs_period_us = 100000\nlxc.cgroup.cpu.cfs_quota_us = ").append(quota).append('\n');
      } else {
        c.append("lxc.cgroup2.cpu.max = ").append(quota).append(" 100000\n");
      }
    }
  }

  private static boolean cgroupV1() {
    return Files.isDirectory(Path.of("/sys/fs/cgroup/memory"));
  }

  private Path qgaDir(Guest g) {
    return ctDir(g).resolve("qga");
  }

  /**
   * What PVE's setup writes for a Debian guest before start: hostname, hosts, resolv.conf,
   * /etc/network/interfaces (static or DHCP per NIC); for a VM also the agent's inittab line.
   * Returns interface → static CIDR to wait for.
   */
  /**
   * A hook every LSB init script sources. PVE's templates run systemd and a node gives
   * containers ample limits; the sandbox's run sysvinit under this machine's limits, which root
   * cannot raise here (no CAP_SYS_RESOURCE), and docker.io's init script ({@code set -e}) dies on
   * {@code ulimit -n 1048576}. Within init scripts, a limit that cannot be raised is clamped to
   * the hard limit instead, so services start as they would on PVE.
   */
  static final byte[] INIT_LIMITS_HOOK = String.join("\n",
      "# pvedeploy sandbox: clamp init scripts' ulimit raises to this host's hard limits",
      "ulimit() {",
      "  command ulimit \"$@\" 2>/dev/null && return 0",
      "  case \"$1\" in -n) command ulimit -n \"$(command ulimit -H -n)\" ;; esac",
      "  return 0",
      "}",
      "").getBytes(StandardCharsets.UTF_8);

  private Map<String, String> prepareGuestFiles(Guest g) {
    String hn = hostname(g);
    Map<String, String> statics = new LinkedHashMap<>();
    StringBuilder ifaces = new StringBuilder("auto lo\niface lo inet loopback\n");
    for (Nic n : nics(g)) {
      ifaces.append("\nauto ").append(n.name()).append('\n');
      if (n.ip() == null || n.ip().equals("dhcp")) {
        ifaces.append("iface ").append(n.name()).append(" inet dhcp\n");
        statics.put(n.name(), "dhcp");
      } else if (n.ip().equals("manual")) {
        ifaces.append("iface ").append(n.name()).append(" inet manual\n");
      } else {
        ifaces.append("iface ").append(n.name()).append(" inet static\n\taddress ").append(n.ip()).append('\n');
        if (n.gw() != null) {
          ifaces.append("\tgateway ").append(n.gw()).append('\n');
        }
        statics.put(n.name(), n.ip());
      }
    }
    String ns = g.config.getOrDefault("nameserver", host.gateway);
    StringBuilder resolv = new StringBuilder();
    if (g.config.containsKey("searchdomain")) {
      resolv.append("search ").append(g.config.get("searchdomain")).append('\n');
    }
    for (String server : ns.split("[ ,;]+")) {
      resolv.append("nameserver ").append(server).append('\n');
    }
    writeRoot(g, "etc/hostname", (hn + "\n").getBytes(StandardCharsets.UTF_8), "rw-r--r--");
    writeRoot(g, "etc/hosts", ("127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n127.0.1.1 " + hn + "\n")
        .getBytes(StandardCharsets.UTF_8), "rw-r--r--");
    writeRoot(g, "etc/resolv.conf", resolv.toString().getBytes(StandardCharsets.UTF_8), "rw-r--r--");
    writeRoot(g, "etc/network/interfaces", ifaces.toString().getBytes(StandardCharsets.UTF_8), "rw-r--r--");
    writeRoot(g, "usr/lib/lsb/init-functions.d/05-pvedeploy-sandbox-limits", INIT_LIMITS_HOOK, "rw-r--r--");
    if (g.type == GuestType.QEMU) {
      try {
        Files.createDirectories(qgaDir(g));
        Files.deleteIfExists(qgaDir(g).resolve("qga.sock"));
        Proc.run(List.of("chown", rootId(g) + ":" + rootId(g), qgaDir(g).toString()), T).check();
        byte[] inittab = readRoot(g, "etc/inittab");
        String text = inittab == null ? "" : new String(inittab, StandardCharsets.UTF_8);
        if (!text.contains(QGA_INITTAB)) {
          writeRoot(g, "etc/inittab", (text + QGA_INITTAB + "\n").getBytes(StandardCharsets.UTF_8), "rw-r--r--");
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot prepare the guest agent's socket for VM " + g.vmid, e);
      }
    }
    return statics;
  }

  /** A file in the (stopped) guest's rootfs, refusing symlinks the guest may have planted. */
  private Path safeRootPath(Guest g, String rel) {
    Path root = rootfs(g);
    Path p = root.resolve(rel).normalize();
    if (!p.startsWith(root)) {
      throw new IllegalArgumentException("path escapes the rootfs: " + rel);
    }
    for (Path q = p; !q.equals(root); q = q.getParent()) {
      if (Files.isSymbolicLink(q)) {
        throw new IllegalStateException("refusing to follow the guest's symlink " + q);
      }
    }
    return p;
  }

  private void writeRoot(Guest g, String rel, byte[] content, String mode) {
    Path p = safeRootPath(g, rel);
    try {
      if (!Files.isDirectory(p.getParent(), LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(p.getParent());
        Proc.run(List.of("chown", rootId(g) + ":" + rootId(g), p.getParent().toString()), T).check();
      }
      try (OutputStream os = Files.newOutputStream(p, LinkOption.NOFOLLOW_LINKS, StandardOpenOption.CREATE,
          StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
        os.write(content);
      }
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
      Proc.run(List.of("chown", "-h", rootId(g) + ":" + rootId(g), p.toString()), T).check();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write /" + rel + " of guest " + g.vmid, e);
    }
  }

  private byte[] readRoot(Guest g, String rel) throws IOException {
    Path p = safeRootPath(g, rel);
    return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? Files.readAllBytes(p) : null;
  }

  /** Waits until init answers and static addresses are up (DHCP ones get a grace period). */
  private void awaitBoot(Guest g, Map<String, String> expected) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String missing = "init";
    while (System.nanoTime() < deadline) {
      Proc.Result r = Proc.run(attach(g, List.of("ip", "-j", "addr")), null, Duration.ofSeconds(10));
      if (r.ok()) {
        Map<String, String[]> now = parseInterfaces(r.outText());
        missing = null;
        for (Map.Entry<String, String> e : expected.entrySet()) {
          String[] have = now.get(e.getKey());
          String v4 = have == null ? null : have[1];
          if (v4 == null || !e.getValue().equals("dhcp") && !v4.equals(e.getValue())) {
            missing = e.getKey() + " (" + e.getValue() + ")";
          }
        }
        if (missing == null) {
          return;
        }
      }
      sleep(250);
    }
    LOG.warn("CT {} started, but {} is not up after 30 s; see {}", g.vmid, missing, ctDir(g).resolve("log"));
  }

  private void awaitAgent(Guest g) {
    Qga qga = agent(g);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(qga.socket()) && qga.ping()) {
        return;
      }
      sleep(200);
    }
    LOG.warn("VM {}: qemu-ga did not answer on {} within 30 s", g.vmid, qga.socket());
  }

  /** cloud-init's user and keys: the user made if missing, the keys in its authorized_keys. */
  private void applyCloudInit(Guest g) {
    String user = g.config.get("ciuser");
    String keys = g.config.get("sshkeys");
    if (user == null && keys == null) {
      return;
    }
    if (user == null) {
      user = "debian"; // the default user of Debian's cloud images
    }
    String decoded = keys == null ? "" : URLDecoder.decode(keys, StandardCharsets.UTF_8);
    if (!decoded.isEmpty() && !decoded.endsWith("\n")) {
      decoded += "\n";
    }
    String script = "set -e; u=\"$1\"; id \"$u\" >/dev/null 2>&1 || useradd -m -s /bin/bash \"$u\"; "
        + "h=$(getent passwd \"$u\" | cut -d: -f6); mkdir -p \"$h/.ssh\"; cat > \"$h/.ssh/authorized_keys\"; "
        + "chmod 700 \"$h/.ssh\"; chmod 600 \"$h/.ssh/authorized_keys\"; chown -R \"$u:\" \"$h/.ssh\"";
    Proc.run(attach(g, List.of("sh", "-c", script, "sh", user)), decoded.getBytes(StandardCharsets.UTF_8), T).check();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  // ---- inside the running guest ----

  private List<String> attach(Guest g, List<String> argv) {
    return Proc.argv("lxc-attach", "-n", name(g), "-P", host.lxcPath.toString(), "--clear-env",
        "--set-var", "PATH=" + LxcHost.PATH, "--set-var", "HOME=/root", "--set-var", "LANG=C.UTF-8",
        "--", argv);
  }

  private void requireRunning(Guest g) {
    if (!isRunning(g)) {
      throw ApiException.fail((g.type == GuestType.LXC ? "CT " : "VM ") + g.vmid + " not running");
    }
  }

  @Override
  public RawExec execRaw(Guest g, List<String> command, byte[] stdin, Duration timeout) {
    if (command.isEmpty()) {
      throw new IllegalArgumentException("no command");
    }
    if (g.type == GuestType.QEMU) {
      return agentExec(g, command, stdin, timeout);
    }
    requireRunning(g);
    Proc.Result r = Proc.run(attach(g, command), stdin, timeout);
    return new RawExec(r.exit(), r.out(), r.err(), r.timedOut());
  }

  @Override
  public Guest.ExecResult exec(Guest g, List<String> command, String inputData) {
    byte[] in = inputData == null ? null : inputData.getBytes(StandardCharsets.UTF_8);
    return execRaw(g, command, in, EXEC_TIMEOUT).text();
  }

  @Override
  public byte[] readFile(Guest g, String path) {
    if (g.type == GuestType.QEMU) {
      return agentRead(g, path);
    }
    requireRunning(g);
    Proc.Result r = Proc.run(attach(g, List.of("cat", "--", path)), null, T);
    if (r.ok()) {
      return r.out();
    }
    if (r.errText().contains("No such file or directory")) {
      return null;
    }
    throw new IllegalStateException("cannot read " + path + " in CT " + g.vmid + ": " + r.describe());
  }

  @Override
  public void writeFile(Guest g, String path, byte[] content) {
    putFile(g, path, content, false);
  }

  /**
   * Appends in the container ({@code cat >>}), or through the VM's agent (mode {@code a}): the
   * CLI stages big stdin (a 200 MiB image layer) chunk by chunk, and re-reading the whole file
   * for each chunk, the default, made that quadratic.
   */
  @Override
  public void appendFile(Guest g, String path, byte[] content) {
    putFile(g, path, content, true);
  }

  /** Writes or appends: through the VM's agent, or {@code cat} inside the container. */
  private void putFile(Guest g, String path, byte[] content, boolean append) {
    if (g.type == GuestType.QEMU) {
      agentWrite(g, path, content, append ? "a" : "w");
      return;
    }
    requireRunning(g);
    String script = append ? "cat >> \"$1\"" : "cat > \"$1\"";
    Proc.run(attach(g, List.of("sh", "-c", script, "sh", path)), content, T).check();
  }

  @Override
  public Map<String, String[]> interfaces(Guest g) {
    requireRunning(g);
    return parseInterfaces(Proc.run(attach(g, List.of("ip", "-j", "addr")), null, T).check().outText());
  }

  @SuppressWarnings("unchecked")
  static Map<String, String[]> parseInterfaces(String json) {
    Map<String, String[]> res = new LinkedHashMap<>();
    List<Object> list;
    try {
      list = (List<Object>) new Moshi.Builder().build().adapter(Object.class).fromJson(json);
    } catch (IOException e) {
      throw new IllegalStateException("ip -j addr printed no JSON: " + json, e);
    }
    for (Object o : list) {
      Map<String, Object> i = (Map<String, Object>) o;
      String v4 = null;
      String v6 = null;
      for (Object a : (List<Object>) i.getOrDefault("addr_info", List.of())) {
        Map<String, Object> ai = (Map<String, Object>) a;
        String cidr = ai.get("local") + "/" + ((Number) ai.get("prefixlen")).intValue();
        if ("inet".equals(ai.get("family")) && v4 == null) {
          v4 = cidr;
        } else if ("inet6".equals(ai.get("family")) && v6 == null) {
          v6 = cidr;
        }
      }
      res.put((String) i.get("ifname"), new String[] {String.valueOf(i.get("address")).toLowerCase(Locale.ROOT), v4, v6});
    }
    return res;
  }

  // ---- the QEMU guest agent ----

  @Override
  public Qga agent(Guest g) {
    if (g.type != GuestType.QEMU) {
      return null;
    }
    return new Qga(qgaDir(g).resolve("qga.sock"), Duration.ofSeconds(10));
  }

  private RawExec agentExec(Guest g, List<String> command, byte[] stdin, Duration timeout) {
    Qga qga = agent(g);
    Map<String, Object> args = new LinkedHashMap<>();
    args.put("path", command.get(0));
    args.put("arg", command.subList(1, command.size()));
    if (stdin != null) {
      args.put("input-data", Base64.getEncoder().encodeToString(stdin));
    }
    args.put("capture-output", true);
    Object pid = ((Map<?, ?>) qga.call("guest-exec", args)).get("pid");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Map<?, ?> st = (Map<?, ?>) qga.call("guest-exec-status", Map.of("pid", pid));
      if (Boolean.TRUE.equals(st.get("exited"))) {
        int code = st.get("exitcode") instanceof Number n ? n.intValue() : -1;
        return new RawExec(code, b64(st.get("out-data")), b64(st.get("err-data")), false);
      }
      if (System.nanoTime() > deadline) {
        return new RawExec(-1, new byte[0], ("timed out after " + timeout).getBytes(StandardCharsets.UTF_8), true);
      }
      sleep(100);
    }
  }

  private static byte[] b64(Object v) {
    return v == null ? new byte[0] : Base64.getDecoder().decode((String) v);
  }

  private byte[] agentRead(Guest g, String path) {
    Qga qga = agent(g);
    Object handle;
    try {
      handle = qga.call("guest-file-open", Map.of("path", path, "mode", "r"));
    } catch (Qga.AgentError e) {
      if (e.getMessage().contains("No such file")) {
        return null;
      }
      throw e;
    }
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      while (true) {
        Map<?, ?> r = (Map<?, ?>) qga.call("guest-file-read", Map.of("handle", handle, "count", 1 << 20));
        out.writeBytes(b64(r.get("buf-b64")));
        if (Boolean.TRUE.equals(r.get("eof")) || ((Number) r.get("count")).intValue() == 0) {
          return out.toByteArray();
        }
      }
    } finally {
      qga.call("guest-file-close", Map.of("handle", handle));
    }
  }

  private void agentWrite(Guest g, String path, byte[] content, String mode) {
    Qga qga = agent(g);
    Object handle = qga.call("guest-file-open", Map.of("path", path, "mode", mode));
    try {
      qga.call("guest-file-write", Map.of("handle", handle, "buf-b64", Base64.getEncoder().encodeToString(content)));
    } finally {
      qga.call("guest-file-close", Map.of("handle", handle));
    }
  }

  // ---- snapshots and backups ----

  @Override
  public void deleteBackup(String fileName) {
    Path f = host.dumpDir.resolve(fileName).normalize();
    if (!f.getParent().equals(host.dumpDir)) {
      throw new IllegalArgumentException("not a backup file name: " + fileName);
    }
    try {
      Files.deleteIfExists(f);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the backup " + f, e);
    }
  }

  @Override
  public void snapshot(Guest g, String name) {
    synchronized (lock(g)) {
      Path dir = snapDir(g, name);
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create " + dir, e);
      }
      if (Files.isDirectory(rootfs(g))) {
        Proc.run(List.of("cp", "-a", "--reflink=auto", rootfs(g).toString(), dir.resolve("rootfs").toString()),
            Duration.ofMinutes(20)).check();
      }
    }
  }

  @Override
  public void rollback(Guest g, String name) {
    synchronized (lock(g)) {
      Path snap = snapDir(g, name).resolve("rootfs");
      if (!Files.isDirectory(snap)) {
        return; // taken before the guest had an inside (a VM never started)
      }
      kill(g);
      g.running = false;
      Proc.run(List.of("rm", "-rf", "--one-file-system", rootfs(g).toString()), Duration.ofMinutes(5)).check();
      Proc.run(List.of("cp", "-a", "--reflink=auto", snap.toString(), rootfs(g).toString()), Duration.ofMinutes(20)).check();
    }
  }

  @Override
  public void deleteSnapshot(Guest g, String name) {
    synchronized (lock(g)) {
      Proc.run(List.of("rm", "-rf", "--one-file-system", snapDir(g, name).toString()), Duration.ofMinutes(5)).check();
    }
  }

  /**
   * vzdump of a container: a real tar of its rootfs, ids shifted back to the guest's view (as PVE
   * runs tar in the container's user namespace), with its config as {@code ./etc/vzdump/pct.conf}.
   */
  @Override
  public long backup(Guest g, String fileName) {
    if (g.type != GuestType.LXC) {
      return -1;
    }
    synchronized (lock(g)) {
      if (!Files.isDirectory(rootfs(g))) {
        throw ApiException.fail("CT " + g.vmid + " has no root filesystem to back up");
      }
      Path out = host.dumpDir.resolve(fileName);
      Path partial = host.dumpDir.resolve(fileName + ".dat");
      Path tmp = null;
      try {
        tmp = Files.createTempDirectory(host.runtimeDir, "vzdump-");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path conf = tmp.resolve("etc/vzdump/pct.conf");
        Files.createDirectories(conf.getParent());
        Files.writeString(conf, g.render());
        Proc.run(List.of("chmod", "-R", "a+rX", tmp.toString()), T).check();
        Proc.run(List.of("chown", "-R", rootId(g) + ":" + rootId(g), tmp.toString()), T).check();
        List<String> tar = new ArrayList<>();
        if (unprivileged(g)) {
          tar.addAll(List.of("lxc-usernsexec", "-m", "b:0:" + LxcHost.ID_BASE + ":" + LxcHost.ID_COUNT, "--"));
        }
        tar.addAll(List.of("tar", "--numeric-owner", "--sparse", "-cpf", "-", "--one-file-system",
            "--exclude=./tmp/?*", "--exclude=./var/tmp/?*", "--exclude=./var/run/?*.pid",
            "-C", tmp.toString(), "./etc/vzdump/pct.conf", "-C", rootfs(g).toString(), "."));
        String ext = fileName.substring(fileName.lastIndexOf('.'));
        List<String> compressor = switch (ext) {
          case ".zst" -> List.of("zstd", "-q", "-T0", "-3");
          case ".gz" -> List.of("gzip", "-c");
          case ".lzo" -> List.of("lzop", "-c");
          default -> null;
        };
        Path errLog = tmp.resolve("stderr");
        ProcessBuilder tarPb = new ProcessBuilder(tar).redirectError(errLog.toFile());
        int tarExit;
        if (compressor == null) {
          tarExit = tarPb.redirectOutput(partial.toFile()).start().waitFor();
        } else {
          ProcessBuilder zPb = new ProcessBuilder(compressor).redirectOutput(partial.toFile())
              .redirectError(ProcessBuilder.Redirect.appendTo(errLog.toFile()));
          List<Process> ps = ProcessBuilder.startPipeline(List.of(tarPb, zPb));
          tarExit = ps.get(0).waitFor();
          int zExit = ps.get(1).waitFor();
          if (zExit != 0) {
            throw new IllegalStateException("compressing the backup failed (" + compressor + " exit " + zExit + "): "
                + Files.readString(errLog));
          }
        }
        // tar's 1 is "file changed as we read it": a live container, as PVE's vzdump warns.
        if (tarExit != 0 && tarExit != 1) {
          throw new IllegalStateException("tar of CT " + g.vmid + " failed with exit code " + tarExit + ": "
              + Files.readString(errLog));
        }
        Files.move(partial, out, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return Files.size(out);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the backup " + out, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while backing up CT " + g.vmid, e);
      } finally {
        if (tmp != null) {
          Proc.run(List.of("rm", "-rf", tmp.toString()), T);
        }
        try {
          Files.deleteIfExists(partial);
        } catch (IOException ignored) {
          // nothing to clean
        }
      }
    }
  }
}
