package io.pvedeploy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The node shell's /etc/pve: every guest's config file as PVE writes it, seen only by the node
 * shell's sessions (sshd's private mount namespace), and an admin's edit of it is the guest's
 * config at the next API call, as on PVE. Guests are simulated; EtcPveLxcIT starts a real one.
 */
@Tag("integration")
class EtcPveIT {
  private static final String TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";
  private static final Path HOST_ETC_PVE = Path.of("/etc/pve");
  private static boolean hostHadEtcPve;
  private static Sandbox sandbox;
  private static PveHttp api;

  record Run(int exit, String out, String err) {}

  @BeforeAll
  static void start() {
    hostHadEtcPve = Files.exists(HOST_ETC_PVE);
    sandbox = Sandbox.builder().nodeSsh(true).taskDuration(Duration.ofMillis(20)).start();
    api = PveHttp.token(sandbox);
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
    assertThat(Files.exists(HOST_ETC_PVE)).as("the host's /etc/pve").isEqualTo(hostHadEtcPve);
  }

  static Run ssh(SshEndpoint e, String remoteCommand) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-F", "/dev/null", "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=yes", "-o", "IdentitiesOnly=yes", "-i", e.identityFile().toString(),
        "-o", "UserKnownHostsFile=" + e.knownHostsFile(), "-p", String.valueOf(e.port()),
        e.user() + "@" + e.host(), remoteCommand));
    File err = File.createTempFile("ssh-err", ".txt");
    try {
      Process p = new ProcessBuilder(cmd).redirectError(err).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("ssh %s finishes", remoteCommand).isTrue();
      return new Run(p.exitValue(), out, Files.readString(err.toPath()));
    } finally {
      err.delete();
    }
  }

  private static Run node(String remoteCommand) throws IOException, InterruptedException {
    return ssh(sandbox.ssh().orElseThrow(), remoteCommand);
  }

  private static String cat(String path) throws IOException, InterruptedException {
    Run r = node("cat " + path);
    assertThat(r.exit()).as(r.err()).isZero();
    return r.out();
  }

  static String sha1(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** How a careful admin edits it: a copy with the change, renamed over the original. */
  static String appendAtomically(String file, String line) {
    return "f=" + file + " && cp $f $f.tmp.$$ && echo '" + line + "' >> $f.tmp.$$ && mv $f.tmp.$$ $f";
  }

  private static void createCt(int vmid, String hostname) {
    api.awaitOk(api.post("/nodes/pve1/lxc", "vmid", String.valueOf(vmid), "ostemplate", TEMPLATE,
        "hostname", hostname, "rootfs", "local-lvm:8", "memory", "512"));
  }

  @Test
  void onlyTheNodeShellSeesEtcPveAndItsWritesToEtcStayThere() throws Exception {
    assertThat(Files.exists(HOST_ETC_PVE)).as("the host's /etc/pve").isEqualTo(hostHadEtcPve);
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain("pvedeploy-etc");

    assertThat(node("findmnt -n -o FSTYPE /etc").out()).isEqualTo("overlay\n");
    assertThat(node("findmnt -n -o TARGET /etc/pve").out()).isEqualTo("/etc/pve\n");
    assertThat(node("readlink /etc/pve/local /etc/pve/lxc /etc/pve/qemu-server").out())
        .isEqualTo("nodes/pve1\nnodes/pve1/lxc\nnodes/pve1/qemu-server\n");
    // the host's /etc shows through the overlay
    assertThat(node("cat /etc/hostname").out()).isEqualTo(Files.readString(Path.of("/etc/hostname")));

    String probe = "pvedeploy-etcpve-probe-" + ProcessHandle.current().pid();
    assertThat(node("echo x > /etc/" + probe + " && cat /etc/" + probe).out()).isEqualTo("x\n");
    assertThat(Path.of("/etc", probe)).doesNotExist();

    // sshd itself (the pid the pid file names) is in the namespace, not the JVM's
    Path dir = sandbox.ssh().orElseThrow().identityFile().getParent();
    String sshdPid = Files.readString(dir.resolve("sshd.pid")).trim();
    assertThat(Files.readSymbolicLink(Path.of("/proc", sshdPid, "ns", "mnt")))
        .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")));
    // exec'd by unshare and sh, so it is sshd (as it retitles itself), not a shell in front of it
    assertThat(Files.readString(Path.of("/proc", sshdPid, "cmdline")))
        .startsWith("sshd: /usr/sbin/sshd -D -e -f " + dir.resolve("sshd_config"));
  }

  @Test
  void everyGuestHasItsFileAsPveWritesIt() throws Exception {
    createCt(150, "web");
    Map<String, Object> config = api.get("/nodes/pve1/lxc/150/config").dataMap();
    String file = cat("/etc/pve/lxc/150.conf");
    assertThat(file).contains("hostname: web\n", "memory: 512\n", "rootfs: local-lvm:vm-150-disk-0,size=8G\n")
        .doesNotContain("lxc.");
    assertThat(sha1(file)).as("PVE's digest is the file's SHA-1").isEqualTo(config.get("digest"));
    assertThat(cat("/etc/pve/nodes/pve1/lxc/150.conf")).isEqualTo(file);
    assertThat(cat("/etc/pve/local/lxc/150.conf")).isEqualTo(file);
    assertThat(cat("/etc/pve/qemu-server/9000.conf")).contains("name: debian-12-cloudinit\n", "template: 1\n");

    assertThat(api.put("/nodes/pve1/lxc/150/config", "cores", "2").status()).isEqualTo(200);
    assertThat(cat("/etc/pve/lxc/150.conf")).contains("cores: 2\n");

    api.awaitOk(api.delete("/nodes/pve1/lxc/150"));
    assertThat(node("test -e /etc/pve/lxc/150.conf").exit()).as("a destroyed guest's file is gone").isEqualTo(1);
  }

  @Test
  void aRawLineAddedOverSshIsTheConfigAtTheNextCallAndStays() throws Exception {
    createCt(160, "raw");
    String before = (String) api.get("/nodes/pve1/lxc/160/config").dataMap().get("digest");

    Run edit = node(appendAtomically("/etc/pve/lxc/160.conf", "lxc.apparmor.profile: unconfined"));
    assertThat(edit.exit()).as(edit.err()).isZero();
    Map<String, Object> config = api.get("/nodes/pve1/lxc/160/config").dataMap();
    assertThat(config.get("lxc")).isEqualTo(List.of(List.of("lxc.apparmor.profile", "unconfined")));
    assertThat(config.get("digest")).isNotEqualTo(before).isEqualTo(sha1(cat("/etc/pve/lxc/160.conf")));
    assertThat(node("pct config 160").out()).endsWith("\nlxc.apparmor.profile: unconfined\n");

    assertThat(api.put("/nodes/pve1/lxc/160/config", "memory", "2048").status()).isEqualTo(200);
    String file = cat("/etc/pve/lxc/160.conf");
    assertThat(file).contains("memory: 2048\n").endsWith("\nlxc.apparmor.profile: unconfined\n");

    api.awaitOk(api.post("/nodes/pve1/lxc/160/snapshot", "snapname", "s1"));
    file = cat("/etc/pve/lxc/160.conf");
    assertThat(file).contains("lxc.apparmor.profile: unconfined\n\n[s1]\n").endsWith("\nlxc.apparmor.profile: unconfined\n");
  }

  @Test
  void anEditInPlaceCountsAndWhatPveRefusesIsSkipped() throws Exception {
    createCt(170, "inplace");
    // in place (same inode), PVE's '=' form, a key PVE refuses, an invalid value, a valid one
    Run edit = node("printf '%s\\n' 'lxc.cgroup2.devices.allow = c 10:200 rwm' 'lxc.rootfs.path: /elsewhere' "
        + "'memory: lots' 'cores: 3' >> /etc/pve/lxc/170.conf");
    assertThat(edit.exit()).as(edit.err()).isZero();

    Map<String, Object> config = api.get("/nodes/pve1/lxc/170/config").dataMap();
    assertThat(config.get("lxc")).isEqualTo(List.of(List.of("lxc.cgroup2.devices.allow", "c 10:200 rwm")));
    assertThat(config).containsEntry("cores", 3.0).containsEntry("memory", 512.0);
    String file = cat("/etc/pve/lxc/170.conf");
    assertThat(file).as("rewritten in PVE's form").endsWith("\nlxc.cgroup2.devices.allow: c 10:200 rwm\n")
        .doesNotContain("lxc.rootfs.path", "lots");

    // a client's temp file is not the config
    assertThat(node("echo 'cores: 8' > /etc/pve/lxc/170.conf.tmp.1").exit()).isZero();
    assertThat(api.get("/nodes/pve1/lxc/170/config").dataMap()).containsEntry("cores", 3.0);
    // removing a lock by hand, as admins do after a crashed task
    assertThat(api.put("/nodes/pve1/lxc/170/config", "lock", "backup").status()).isEqualTo(200);
    assertThat(node("sed -i '/^lock:/d' /etc/pve/lxc/170.conf").exit()).isZero();
    assertThat(api.put("/nodes/pve1/lxc/170/config", "cores", "4").status()).as("no longer locked").isEqualTo(200);
  }
}
