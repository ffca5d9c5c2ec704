package io.pvedeploy.proxmox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NodeShell's checks, option building and output parsing, without running ssh. */
class NodeShellTest {
  // Any process start would fail with SSH_CLIENT: argument checks must come first.
  private final NodeShell shell =
      NodeShell.builder().host("pve1.example").user("root").port(2222)
          .sshExecutable("/nonexistent/ssh").build();

  @AfterEach
  void close() {
    shell.close();
  }

  @Test
  void checksArgumentsBeforeAnyProcessRuns() {
    assertThatThrownBy(() -> shell.pctExec(99, List.of("true"), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100 to 999999999");
    assertThatThrownBy(() -> shell.pctExec(101, List.of(), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> shell.run(List.of("echo", "a\0b"), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
    assertThatThrownBy(() -> shell.run(List.of("true"), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
    assertThatThrownBy(() -> shell.pctPush(101, new byte[1], "relative/path", PctFileOptions.defaults()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute path");
    assertThatThrownBy(() -> shell.pctPull(1_000_000_000, "/etc/hostname"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> shell.pctSet(101, Map.of("--features", "x")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pct option name");
    assertThatThrownBy(() -> shell.pctSet(101, Map.of("features", "a\nb")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one line");
    assertThatThrownBy(() -> shell.qmGuestExec(101, List.of("cat"), new byte[NodeShell.QM_STDIN_LIMIT + 1], Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 MiB");
    assertThatThrownBy(() -> shell.setRawLxcKey(101, "apparmor.profile", "unconfined"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a raw LXC key");
    assertThatThrownBy(() -> shell.setRawLxcKey(101, "lxc.apparmor.profile", "a\nlxc.cap.drop: x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one line");
    assertThatThrownBy(() -> shell.removeRawLxcKey(99, "lxc.apparmor.profile"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100 to 999999999");
  }

  /**
   * The script {@link NodeShell#setRawLxcKey} runs on the node, run here by {@code sh} on a copy
   * of a config file (the paths moved into a temporary directory): what it keeps, where the line
   * goes, and what it refuses.
   */
  @Test
  void theRawLxcEditKeepsEverythingElseAndRespectsSectionsAndLocks(@TempDir Path pve) throws Exception {
    Files.createDirectories(pve.resolve("lxc"));
    Path conf = pve.resolve("lxc/101.conf");
    Files.writeString(conf, String.join("\n",
        "#a note: 50% \\1 \"quoted\"", "arch: amd64", "hostname: web", "lxc.apparmor.profile = generated",
        "lxc.cap.drop: sys_time", "memory: 512", "", "[before-upgrade]", "arch: amd64",
        "lxc.apparmor.profile: generated", "snaptime: 1700000000", ""));

    assertThat(rawEdit(pve, 101, "lxc.apparmor.profile", "set", "un\\confined & 'x'").exit()).isZero();
    assertThat(Files.readString(conf)).isEqualTo(String.join("\n",
        "#a note: 50% \\1 \"quoted\"", "arch: amd64", "hostname: web", "lxc.cap.drop: sys_time", "memory: 512",
        "lxc.apparmor.profile: un\\confined & 'x'", "", "[before-upgrade]", "arch: amd64",
        "lxc.apparmor.profile: generated", "snaptime: 1700000000", ""));

    assertThat(rawEdit(pve, 101, "lxc.apparmor.profile", "remove", "").exit()).isZero();
    assertThat(Files.readString(conf)).doesNotContain("un\\confined").contains("lxc.cap.drop: sys_time\nmemory: 512\n\n[")
        .as("the snapshot's own line stays").contains("[before-upgrade]\narch: amd64\nlxc.apparmor.profile: generated");
    assertThat(rawEdit(pve, 101, "lxc.apparmor.profile", "set", "unconfined").exit()).isZero();
    assertThat(rawEdit(pve, 101, "lxc.apparmor.profile", "set", "unconfined").exit()).isZero();
    assertThat(Files.readString(conf)).containsOnlyOnce("lxc.apparmor.profile: unconfined");

    Files.writeString(pve.resolve("lxc/102.conf"), "hostname: db\nlock: backup\n");
    Result locked = rawEdit(pve, 102, "lxc.apparmor.profile", "set", "unconfined");
    assertThat(locked.exit()).isEqualTo(5);
    assertThat(locked.stderr()).contains("CT is locked (backup)");
    assertThat(Files.readString(pve.resolve("lxc/102.conf"))).isEqualTo("hostname: db\nlock: backup\n");

    Result missing = rawEdit(pve, 103, "lxc.apparmor.profile", "set", "unconfined");
    assertThat(missing.exit()).isEqualTo(3);
    assertThat(missing.stderr()).contains("CT 103 has no config on this node");
    try (var files = Files.list(pve.resolve("lxc"))) {
      assertThat(files.map(f -> f.getFileName().toString())).as("no temporary file left")
          .containsExactlyInAnyOrder("101.conf", "102.conf");
    }
  }

  record Result(int exit, String stderr) {}

  private static Result rawEdit(Path pve, int vmid, String key, String mode, String value) throws Exception {
    String script = NodeShell.RAW_LXC_EDIT.replace("/etc/pve", pve.toString())
        .replace("/run/lock/lxc", pve.resolve("lock").toString());
    Process p = new ProcessBuilder("sh", "-c", script, "raw-lxc-edit", String.valueOf(vmid), key, mode, value)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), err);
  }

  @Test
  void aMissingSshClientIsATypedFailureWithAnInstallHint() {
    assertThatThrownBy(() -> shell.run(List.of("true"), Duration.ofSeconds(5)))
        .isInstanceOfSatisfying(NodeShellException.class,
            e -> assertThat(e.kind()).isEqualTo(NodeShellException.Kind.SSH_CLIENT))
        .hasMessageContaining("openssh-client");
  }

  @Test
  void pctFileOptionsAreChecked() {
    assertThat(PctFileOptions.defaults().perms("0600").owner("app", "1000").toArgs())
        .containsExactly("--perms", "0600", "--user", "app", "--group", "1000");
    assertThatThrownBy(() -> PctFileOptions.defaults().perms("rw-------"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PctFileOptions.defaults().owner("-x", "root"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void builderRefusesUnsafeOrManagedSettings() {
    assertThatThrownBy(() -> NodeShell.builder().insecureIgnoreHostKeys(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reason");
    assertThatThrownBy(() -> NodeShell.builder().option("StrictHostKeyChecking", "no"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("insecureIgnoreHostKeys");
    assertThatThrownBy(() -> NodeShell.builder().option("ControlPath", "/tmp/x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NodeShell.builder().host("-oProxyCommand=evil"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NodeShell.builder().host("root@pve1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("user(");
    assertThatThrownBy(() -> NodeShell.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("host");
  }

  @Test
  void sshOptionsAreStrictAndMultiplexedByDefault() {
    List<String> options = shell.sshOptions(Path.of("/tmp/log"));
    assertThat(String.join(" ", options))
        .contains("-o BatchMode=yes", "-o StrictHostKeyChecking=yes", "-o ControlMaster=auto",
            "-o ControlPersist=60s", "-o ConnectTimeout=10", "-p 2222", "-l root", "-E /tmp/log", "-T");
    String controlPath = options.stream().filter(o -> o.startsWith("ControlPath=")).findFirst().orElseThrow();
    assertThat(controlPath.length()).isLessThan(80);

    try (NodeShell custom = NodeShell.builder().host("pve1").option("ProxyJump", "bastion")
        .acceptNewHostKeys().multiplexing(false).build()) {
      List<String> o = custom.sshOptions(Path.of("/tmp/log"));
      assertThat(o.subList(0, 3)).containsExactly("ssh", "-o", "ProxyJump=bastion");
      assertThat(String.join(" ", o)).contains("StrictHostKeyChecking=accept-new", "ControlPath=none")
          .doesNotContain(" -p ", " -l ");
    }
  }

  @Test
  void remoteCommandsRunUnderTimeoutAndSudo() {
    try (NodeShell sudo = NodeShell.builder().host("pve1").user("deploy").sudo().build()) {
      assertThat(sudo.remoteArgv(List.of("pct", "list"), Duration.ofMillis(1500)))
          .containsExactly("timeout", "-k", "5.000s", "1.500s", "sudo", "-n", "--", "pct", "list");
    }
  }

  @Test
  void toStringShowsOnlyUserHostAndPort() {
    try (NodeShell s = NodeShell.builder().host("pve1.example").user("root").port(22)
        .option("ProxyJump", "secret-bastion").build()) {
      assertThat(s.toString()).isEqualTo("NodeShell[root@pve1.example:22]");
    }
    RemoteCommandResult r = new RemoteCommandResult(0, "password=hunter2".getBytes(StandardCharsets.UTF_8), new byte[0]);
    assertThat(r.toString()).doesNotContain("hunter2").contains("16 bytes");
  }

  @Test
  void diagnosesSshFailuresFromItsLog() {
    String changed = String.join("\n",
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
        "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
        "Add correct host key in /home/ci/.ssh/known_hosts to get rid of this message.",
        "Offending ED25519 key in /home/ci/.ssh/known_hosts:3",
        "Host key verification failed.");
    NodeShellException e = NodeShell.diagnose(changed, "root@pve1:22", null);
    assertThat(e.kind()).isEqualTo(NodeShellException.Kind.HOST_KEY_MISMATCH);
    assertThat(e.getMessage()).contains("host key mismatch", "/home/ci/.ssh/known_hosts (line 3)");

    assertThat(NodeShell.diagnose("Permission denied (publickey).", "t", null).kind())
        .isEqualTo(NodeShellException.Kind.AUTHENTICATION);
    assertThat(NodeShell.diagnose("ssh: connect to host 10.0.0.9 port 22: Connection refused", "t", null).kind())
        .isEqualTo(NodeShellException.Kind.UNREACHABLE);
    assertThat(NodeShell.diagnose("ssh: Could not resolve hostname nope: Name or service not known", "t", null).isRetryable())
        .isTrue();
    assertThat(NodeShell.diagnose("Warning: Permanently added '[127.0.0.1]:2222' (ED25519) to the list of known hosts.\n", "t", null))
        .as("only warnings: exit 255 was the remote command's").isNull();
    assertThat(NodeShell.diagnose("", "t", null)).isNull();
  }

  @Test
  void parsesQmGuestExecAnswers() throws Exception {
    String done = "{\n   \"exitcode\" : 3,\n   \"exited\" : 1,\n   \"out-data\" : \"ok\\n\",\n   \"err-data\" : \"é\"\n}\n";
    AgentExecStatus status = NodeShell.parseGuestExec(101, done.getBytes(StandardCharsets.UTF_8), 30);
    assertThat(status.exited()).isTrue();
    assertThat(status.exitCode()).contains(3);
    assertThat(status.stdout()).isEqualTo("ok\n");
    assertThat(status.stderr()).isEqualTo("é");

    assertThatThrownBy(() -> NodeShell.parseGuestExec(101, "{\n   \"pid\" : 4242\n}\n".getBytes(StandardCharsets.UTF_8), 2))
        .isInstanceOfSatisfying(NodeShellException.class,
            e -> assertThat(e.kind()).isEqualTo(NodeShellException.Kind.TIMEOUT))
        .hasMessageContaining("pid 4242").hasMessageContaining("still running");
    assertThatThrownBy(() -> NodeShell.parseGuestExec(101, "not json".getBytes(StandardCharsets.UTF_8), 2))
        .isInstanceOfSatisfying(NodeShellException.class,
            e -> assertThat(e.kind()).isEqualTo(NodeShellException.Kind.UNEXPECTED_OUTPUT));
  }
}
