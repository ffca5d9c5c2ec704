package io.pvedeploy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.squareup.moshi.Moshi;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's CLI over a real sshd on loopback, driven with the system OpenSSH client exactly as a
 * tool would drive a PVE node: {@code ssh root@node 'pct …'}. Guests are simulated; what is
 * checked is that pct, qm and vzdump act on the API's state with PVE's syntax, output and exit
 * codes.
 */
@Tag("integration")
class NodeSshIT {
  private static final String TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";
  private static Sandbox sandbox;
  private static PveHttp api;
  /** One SSH connection, multiplexed, for the shared sandbox's many commands (as NodeShell does). */
  private static Path mux;

  record Run(int exit, byte[] out, String err) {
    String text() {
      return new String(out, StandardCharsets.UTF_8);
    }
  }

  @BeforeAll
  static void start() throws IOException {
    for (String tool : List.of("/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/ssh-keygen")) {
      assertThat(Path.of(tool))
          .as("%s is missing; install it with: apt-get install -y openssh-server openssh-client", tool)
          .isExecutable();
    }
    sandbox = Sandbox.builder().nodeSsh(true).taskDuration(Duration.ofMillis(20)).start();
    mux = Files.createTempDirectory("node-ssh-it-mux");
    api = PveHttp.token(sandbox);
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close(); // ends the multiplexing master's connection, and so the master
    }
    if (mux != null) {
      mux.toFile().listFiles(File::delete);
      mux.toFile().delete();
    }
  }

  static Run ssh(SshEndpoint e, String remoteCommand, byte[] stdin) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-F", "/dev/null", "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=yes", "-o", "IdentitiesOnly=yes", "-i", e.identityFile().toString(),
        "-o", "UserKnownHostsFile=" + e.knownHostsFile(), "-p", String.valueOf(e.port())));
    if (sandbox != null && e.equals(sandbox.ssh().orElse(null))) {
      cmd.addAll(List.of("-o", "ControlMaster=auto", "-o", "ControlPath=" + mux.resolve("%C"), "-o", "ControlPersist=60"));
    }
    cmd.addAll(List.of(e.user() + "@" + e.host(), remoteCommand));
    File err = File.createTempFile("ssh-err", ".txt");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err);
      if (stdin == null) {
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      }
      Process p = pb.start();
      if (stdin != null) {
        Thread feeder = new Thread(() -> {
          try (var in = p.getOutputStream()) {
            in.write(stdin);
          } catch (IOException ignored) {
            // the command may exit without reading all of it
          }
        });
        feeder.start();
      }
      byte[] out = p.getInputStream().readAllBytes();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("ssh %s finishes", remoteCommand).isTrue();
      return new Run(p.exitValue(), out, Files.readString(err.toPath()));
    } finally {
      err.delete();
    }
  }

  static Run node(String remoteCommand) throws IOException, InterruptedException {
    return ssh(sandbox.ssh().orElseThrow(), remoteCommand, null);
  }

  private static void createCt(int vmid, String hostname) {
    api.awaitOk(api.post("/nodes/pve1/lxc", "vmid", String.valueOf(vmid), "ostemplate", TEMPLATE,
        "hostname", hostname, "rootfs", "local-lvm:8", "features", "nesting=1"));
  }

  @Test
  void endpointIsLoopbackRootWithPrivateKeyAndKnownHost() throws IOException {
    SshEndpoint e = sandbox.ssh().orElseThrow();
    assertThat(e.host()).isEqualTo("127.0.0.1");
    assertThat(e.user()).isEqualTo("root");
    assertThat(Files.getPosixFilePermissions(e.identityFile())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.readString(e.knownHostsFile())).startsWith("[127.0.0.1]:" + e.port() + " ssh-ed25519 ");
    Path credentials = e.identityFile().getParent().resolve("cli/credentials.json");
    assertThat(Files.getPosixFilePermissions(credentials)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void listConfigAndStatusShowWhatTheApiCreated() throws Exception {
    createCt(110, "web");
    createCt(111, "db");
    Run list = node("pct list");
    assertThat(list.exit()).isZero();
    assertThat(list.text()).contains(
        "VMID       Status     Lock         Name                \n"
            + "110        stopped                 web                 \n"
            + "111        stopped                 db                  \n");

    Run config = node("pct config 110");
    assertThat(config.exit()).isZero();
    List<String> lines = config.text().lines().toList();
    assertThat(lines).contains("hostname: web", "features: nesting=1", "rootfs: local-lvm:vm-110-disk-0,size=8G")
        .isSorted().noneMatch(l -> l.startsWith("digest"));

    assertThat(node("pct status 110").text()).isEqualTo("status: stopped\n");
    api.awaitOk(api.post("/nodes/pve1/lxc/110/status/start"));
    assertThat(node("pct status 110").text()).isEqualTo("status: running\n");
    assertThat(node("pct list").text()).contains("110        running                 web");

    Run missing = node("pct status 999");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).isEqualTo("Configuration file 'nodes/pve1/lxc/999.conf' does not exist\n");
  }

  @Test
  void setRunsAsRootSoKeyctlIsAllowedWhereTheTokenGets403() throws Exception {
    createCt(120, "keys");
    PveHttp.Reply byToken = api.put("/nodes/pve1/lxc/120/config", "features", "nesting=1,keyctl=1");
    assertThat(byToken.status()).isEqualTo(403);

    Run set = node("pct set 120 --features nesting=1,keyctl=1 --memory 1024");
    assertThat(set.exit()).as(set.err()).isZero();
    assertThat(set.text()).isEmpty();
    Map<String, Object> config = api.get("/nodes/pve1/lxc/120/config").dataMap();
    assertThat(config).containsEntry("features", "nesting=1,keyctl=1").containsEntry("memory", 1024.0);

    Run bad = node("pct set 120 --memory lots");
    assertThat(bad.exit()).isEqualTo(255);
    assertThat(bad.err()).startsWith("400 Parameter verification failed.\nmemory: ").endsWith("pct set <vmid> [OPTIONS]\n");
  }

  @Test
  void execPassesStdinAndKeepsStreamsAndExitCode() throws Exception {
    createCt(130, "exec");
    Run stopped = node("pct exec 130 -- true");
    assertThat(stopped.exit()).isEqualTo(255);
    assertThat(stopped.err()).isEqualTo("container '130' not running!\n");

    assertThat(node("pct start 130").exit()).isZero();
    Run echo = node("pct exec 130 -- echo 'two  words' \"\\$HOME\"");
    assertThat(echo.exit()).isZero();
    assertThat(echo.text()).isEqualTo("two  words $HOME\n");
    assertThat(echo.err()).isEmpty();

    assertThat(node("pct exec 130 -- false").exit()).isEqualTo(1);
    Run cat = node("pct exec 130 -- cat /nonexistent");
    assertThat(cat.exit()).isEqualTo(1);
    assertThat(cat.out()).isEmpty();
    assertThat(cat.err()).isEqualTo("cat: /nonexistent: No such file or directory\n");

    Run piped = ssh(sandbox.ssh().orElseThrow(), "pct exec 130 -- cat", "from stdin\n".getBytes(StandardCharsets.UTF_8));
    assertThat(piped.text()).isEqualTo("from stdin\n");

    Run missing = node("pct exec 998 -- true");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("Configuration file 'nodes/pve1/lxc/998.conf' does not exist");
    Run noDashes = node("pct exec 130 ls -la");
    assertThat(noDashes.exit()).isEqualTo(255);
    assertThat(noDashes.err()).contains("Unknown option: la", "400 unable to parse option");
  }

  @Test
  void pushThenPullReturnsTheSameBytes(@TempDir Path dir) throws Exception {
    createCt(140, "files");
    api.awaitOk(api.post("/nodes/pve1/lxc/140/status/start"));
    byte[] small = new byte[1 << 20];
    byte[] large = new byte[9 * (1 << 20) + 17]; // more than one 4 MiB chunk each way
    new Random(42).nextBytes(small);
    new Random(7).nextBytes(large);
    for (byte[] content : List.of(small, large)) {
      Path src = dir.resolve("src.bin");
      Path back = dir.resolve("back.bin");
      Files.write(src, content);
      Files.deleteIfExists(back);
      Run push = node("pct push 140 " + src + " /root/secret.bin --perms 0600 --user root --group root");
      assertThat(push.exit()).as(push.err()).isZero();
      Run pull = node("pct pull 140 /root/secret.bin " + back + " --perms 0640");
      assertThat(pull.exit()).as(pull.err()).isZero();
      assertThat(Files.readAllBytes(back)).isEqualTo(content);
      assertThat(Files.getPosixFilePermissions(back)).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
    }
    Run missing = node("pct pull 140 /no/such/file " + dir.resolve("x"));
    assertThat(missing.exit()).isEqualTo(255);
    assertThat(missing.err()).isEqualTo("failed to open /no/such/file: No such file or directory\n");
    Run badMode = node("pct push 140 /etc/hostname /x --perms 9z");
    assertThat(badMode.err()).isEqualTo("invalid mode: '09z'\n");
  }

  @Test
  void qmGuestExecPrintsPveJson() throws Exception {
    api.awaitOk(api.post("/nodes/pve1/qemu", "vmid", "150", "name", "vm150", "agent", "1", "scsi0", "local-lvm:16"));
    Run notRunning = node("qm guest exec 150 -- echo hi");
    assertThat(notRunning.exit()).isEqualTo(255);
    assertThat(notRunning.err()).isEqualTo("VM 150 is not running\n");
    assertThat(node("qm start 150").exit()).isZero();
    assertThat(node("qm status 150").text()).isEqualTo("status: running\n");

    Run exec = node("qm guest exec 150 -- echo hi");
    assertThat(exec.exit()).isZero();
    assertThat(exec.text()).isEqualTo("{\n   \"exitcode\" : 0,\n   \"exited\" : 1,\n   \"out-data\" : \"hi\\n\"\n}\n");
    Run failed = node("qm guest exec 150 -- false");
    assertThat(failed.exit()).as("qm guest exec itself succeeds").isZero();
    assertThat(failed.text()).contains("\"exitcode\" : 1");
    Run stdin = ssh(sandbox.ssh().orElseThrow(), "qm guest exec 150 --pass-stdin 1 -- cat", "piped".getBytes(StandardCharsets.UTF_8));
    assertThat(stdin.text()).contains("\"out-data\" : \"piped\"");

    assertThat(node("qm guest cmd 150 ping").text()).isEmpty();
    assertThat(node("qm guest cmd 150 get-host-name").text()).contains("\"host-name\" : \"vm150\"");
    assertThat(node("qm list").text()).contains("      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID       \n",
        "       150 vm150                running    2048              16.00 0         \n");
  }

  @Test
  void vzdumpRunsTheBackupTaskAndPrintsItsLog() throws Exception {
    createCt(160, "backup");
    Run dump = node("vzdump 160 --storage local --mode snapshot --compress zstd");
    assertThat(dump.exit()).as(dump.err()).isZero();
    assertThat(dump.text()).startsWith("INFO: starting new backup job: vzdump 160 --storage local --mode snapshot --compress zstd\n")
        .contains("INFO: Starting Backup of VM 160 (lxc)\n", "INFO: creating vzdump archive '/var/lib/vz/dump/vzdump-lxc-160-")
        .endsWith("INFO: Backup job finished successfully\n")
        .doesNotContain("TASK OK");
    assertThat(api.get("/nodes/pve1/storage/local/content?content=backup").dataList())
        .extracting(v -> v.get("volid")).anyMatch(v -> ((String) v).startsWith("local:backup/vzdump-lxc-160-"));

    sandbox.faults().failTasks("vzdump", "job errors");
    try {
      Run failed = node("vzdump 160 --storage local");
      assertThat(failed.exit()).isEqualTo(255);
      assertThat(failed.err()).contains("job errors");
    } finally {
      sandbox.faults().clear();
    }
  }

  @Test
  void badCommandsPrintUsageAndExit255() throws Exception {
    Run unknown = node("pct frobnicate 100");
    assertThat(unknown.exit()).isEqualTo(255);
    assertThat(unknown.err()).startsWith("ERROR: unknown command 'pct frobnicate'\nUSAGE: pct <COMMAND> [ARGS] [OPTIONS]\n")
        .contains("       pct exec <vmid> [<extra-args>] [OPTIONS]\n");
    Run few = node("pct push 100 /etc/hostname");
    assertThat(few.exit()).isEqualTo(255);
    assertThat(few.err()).isEqualTo("400 not enough arguments\npct push <vmid> <file> <destination> [OPTIONS]\n");
    Run vmid = node("qm status 42");
    assertThat(vmid.exit()).isEqualTo(255);
    assertThat(vmid.err()).startsWith("400 Parameter verification failed.\nvmid: value must have a minimum value of 100\n");
    assertThat(node("qm guest").err()).startsWith("ERROR: incomplete command 'qm guest'\n");
  }

  @Test
  void closeStopsSshdAndRemovesItsFiles() throws Exception {
    Path dir;
    try (Sandbox own = Sandbox.builder().nodeSsh(true).start()) {
      SshEndpoint e = own.ssh().orElseThrow();
      dir = e.identityFile().getParent();
      assertThat(sshdsUsing(dir)).hasSize(1);
      assertThat(ssh(e, "pct list", null).exit()).isZero();
    }
    assertThat(sshdsUsing(dir)).isEmpty();
    assertThat(dir).doesNotExist();
    try (Sandbox plain = Sandbox.builder().start()) {
      assertThat(plain.ssh()).isEmpty();
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void standaloneJarPrintsTheSshEndpoint() throws Exception {
    Path jar = Path.of("target", "proxmox-sandbox.jar");
    assertThat(jar).exists();
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString(), "--ssh", "true", "--task-duration", "20")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    Path dir = null;
    try {
      String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
      Map<String, Object> ready = (Map<String, Object>) new Moshi.Builder().build().adapter(Object.class).fromJson(line);
      Map<String, Object> s = (Map<String, Object>) ready.get("ssh");
      assertThat(s).containsEntry("host", "127.0.0.1").containsEntry("user", "root")
          .containsKeys("port", "identityFile", "knownHostsFile");
      SshEndpoint e = new SshEndpoint("127.0.0.1", ((Number) s.get("port")).intValue(), "root",
          Path.of((String) s.get("identityFile")), Path.of((String) s.get("knownHostsFile")));
      dir = e.identityFile().getParent();
      Run list = ssh(e, "pct list; qm list", null);
      assertThat(list.exit()).as(list.err()).isZero();
      assertThat(list.text()).contains("debian-12-cloudinit");
    } finally {
      p.destroy();
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("SIGTERM stops the sandbox").isTrue();
    }
    assertThat(sshdsUsing(dir)).as("sshd dies with the sandbox").isEmpty();
    assertThat(dir).doesNotExist();
  }

  @Test
  @SuppressWarnings("unchecked")
  void theNextStartStopsAnSshdLeftByAKilledJvm() throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", Path.of("target", "proxmox-sandbox.jar").toString(), "--ssh", "true")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    Map<String, Object> ready = (Map<String, Object>) new Moshi.Builder().build().adapter(Object.class).fromJson(line);
    Path dir = Path.of((String) ((Map<String, Object>) ready.get("ssh")).get("identityFile")).getParent();
    p.destroyForcibly(); // SIGKILL: no shutdown hook runs
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(sshdsUsing(dir)).as("an orphaned sshd").hasSize(1);

    Sandbox.builder().nodeSsh(true).start().close();
    assertThat(sshdsUsing(dir)).isEmpty();
    assertThat(dir).doesNotExist();
  }

  /** sshd processes whose command line (as ps shows it: sshd retitles itself) names the dir. */
  private static List<Long> sshdsUsing(Path dir) throws IOException {
    List<Long> res = new ArrayList<>();
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
        String cmd;
        try {
          cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException gone) {
          continue;
        }
        if (cmd.contains("sshd") && cmd.contains(dir.toString())) {
          res.add(Long.parseLong(p.getFileName().toString()));
        }
      }
    }
    return res;
  }
}
