package io.pvedeploy.proxmox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** NodeShell against a real sshd on loopback, with PVE's tools stubbed on the node's PATH. */
@Tag("integration")
class NodeShellIT {
  static final Duration T = Duration.ofSeconds(20);

  static SshdFixture sshd;
  static NodeShell node;

  @BeforeAll
  static void start() throws Exception {
    sshd = SshdFixture.start();
    node = sshd.shell().build();
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (sshd != null) {
      sshd.close();
    }
  }

  // ------------------------------------------------------------ generic commands

  @Test
  void runsACommandKeepingStdoutAndStderrApart() throws Exception {
    RemoteCommandResult r = node.run(List.of("sh", "-c", "echo out; echo err >&2; echo out2; exit 3"), T);
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.stdoutText()).isEqualTo("out\nout2\n");
    assertThat(r.stderrText()).isEqualTo("err\n");
    assertThat(r.succeeded()).isFalse();
    assertThatThrownBy(r::orThrow).isInstanceOfSatisfying(NodeShellException.class,
        e -> assertThat(e.exitCode()).hasValue(3)).hasMessageContaining("err");
  }

  @Test
  void aRemoteExitStatusOf255IsAResultNotAnSshFailure() throws Exception {
    RemoteCommandResult r = node.pctExec(999, List.of("true"), T);
    assertThat(r.exitCode()).isEqualTo(255);
    assertThat(r.stderrText()).contains("999.conf' does not exist");
  }

  @Test
  void passesStdinBytes() throws Exception {
    RemoteCommandResult r = node.run(List.of("tr", "a-z", "A-Z"), "hello\n".getBytes(StandardCharsets.UTF_8), T);
    assertThat(r.stdoutText()).isEqualTo("HELLO\n");
  }

  @Test
  void streamsSeveralMegabytesOfStdinIntact() throws Exception {
    byte[] data = new byte[4 * 1024 * 1024 + 12345];
    new Random(42).nextBytes(data);
    long started = System.nanoTime();
    RemoteCommandResult r = node.run(List.of("sha256sum"), new ByteArrayInputStream(data), T);
    assertThat(r.stdoutText()).startsWith(sha256(data) + " ");
    // And back: the node echoes it, byte for byte.
    RemoteCommandResult echoed = node.run(List.of("cat"), data, T);
    assertThat(echoed.stdout()).isEqualTo(data);
    System.out.printf("4 MiB up and down in %d ms%n", (System.nanoTime() - started) / 1_000_000);
  }

  @Test
  void aFailingInputStreamIsReportedNotSilentlyTruncated() {
    InputStream failing = new InputStream() {
      int sent;

      @Override
      public int read() throws IOException {
        if (sent++ > 1000) {
          throw new IOException("disk read error");
        }
        return 'x';
      }
    };
    assertThatThrownBy(() -> node.run(List.of("wc", "-c"), failing, T))
        .isInstanceOfSatisfying(NodeShellException.class,
            e -> assertThat(e.kind()).isEqualTo(NodeShellException.Kind.LOCAL_IO))
        .hasMessageContaining("truncated");
  }

  // ------------------------------------------------------------ connection

  @Test
  void reusesOneMasterConnectionForManyCommands() throws Exception {
    try (NodeShell shell = sshd.shell().build()) {
      long before = sshd.acceptedLogins();
      assertThat(shell.isMasterConnectionOpen()).isFalse();
      shell.run(List.of("true"), T);
      assertThat(shell.isMasterConnectionOpen()).isTrue();
      long started = System.nanoTime();
      for (int i = 0; i < 10; i++) {
        assertThat(shell.run(List.of("echo", String.valueOf(i)), T).stdoutText()).isEqualTo(i + "\n");
      }
      long perCommandMs = (System.nanoTime() - started) / 10 / 1_000_000;
      System.out.println("multiplexed command round trip: " + perCommandMs + " ms");
      assertThat(sshd.acceptedLogins() - before).as("SSH logins for 11 commands").isEqualTo(1);
      shell.close();
      assertThat(shell.isMasterConnectionOpen()).isFalse();
    }
  }

  @Test
  void countsEveryRemoteCommandItRunsAsOneRoundTrip() throws Exception {
    try (NodeShell shell = sshd.shell().build()) {
      assertThat(shell.commandsRun()).isZero();
      int received = sshd.commandLines().size();

      shell.run(List.of("true"), T);
      assertThat(shell.commandsRun()).isEqualTo(1);
      // A non-zero exit is still a command that went to the node and back.
      assertThat(shell.run(List.of("sh", "-c", "exit 3"), T).exitCode()).isEqualTo(3);
      assertThat(shell.commandsRun()).isEqualTo(2);
      // pct push: mktemp, the upload, pct push, rm.
      shell.pctPush(103, "x".getBytes(StandardCharsets.UTF_8), "/srv/count.txt", PctFileOptions.defaults());
      assertThat(shell.commandsRun()).isEqualTo(6);
      // Managing the master connection is not a command.
      assertThat(shell.isMasterConnectionOpen()).isTrue();
      assertThat(shell.commandsRun()).isEqualTo(6);
      assertThat(sshd.commandLines().size() - received).as("command lines sshd received").isEqualTo(6);

      // From many threads at once, none lost.
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<RemoteCommandResult>> runs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          String n = String.valueOf(i);
          runs.add(pool.submit(() -> shell.run(List.of("echo", n), T)));
        }
        for (Future<RemoteCommandResult> run : runs) {
          assertThat(run.get().succeeded()).isTrue();
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(shell.commandsRun()).isEqualTo(46);
      assertThat(sshd.commandLines().size() - received).isEqualTo(46);
    }
  }

  @Test
  void withoutMultiplexingEveryCommandLogsInAgain() throws Exception {
    try (NodeShell shell = sshd.shell().multiplexing(false).build()) {
      long before = sshd.acceptedLogins();
      shell.run(List.of("true"), T);
      shell.run(List.of("true"), T);
      assertThat(sshd.acceptedLogins() - before).isEqualTo(2);
      assertThat(shell.isMasterConnectionOpen()).isFalse();
    }
  }

  @Test
  void aChangedHostKeyIsATypedFailureNamingTheKnownHostsFile() throws Exception {
    Path wrong = sshd.dir.resolve("known_hosts_wrong");
    Path otherKey = sshd.dir.resolve("other_host_key");
    Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", otherKey.toString())
        .redirectErrorStream(true).start();
    keygen.getInputStream().readAllBytes();
    assertThat(keygen.waitFor()).isZero();
    String[] pub = Files.readString(Path.of(otherKey + ".pub")).split(" ");
    Files.writeString(wrong, "[127.0.0.1]:" + sshd.port + " " + pub[0] + " " + pub[1] + "\n");
    try (NodeShell shell = sshd.shell().knownHostsFile(wrong).build()) {
      assertThatThrownBy(() -> shell.run(List.of("true"), T))
          .isInstanceOfSatisfying(NodeShellException.class, e -> {
            assertThat(e.kind()).isEqualTo(NodeShellException.Kind.HOST_KEY_MISMATCH);
            assertThat(e.isRetryable()).isFalse();
          })
          .hasMessageContaining("host key mismatch")
          .hasMessageContaining(wrong.toString())
          .hasMessageContaining("ssh-keygen -R");
    }
  }

  @Test
  void anUnknownHostKeyIsRefusedUnlessNewKeysAreAccepted() throws Exception {
    Path empty = sshd.dir.resolve("known_hosts_empty");
    Files.writeString(empty, "");
    try (NodeShell strict = sshd.shell().knownHostsFile(empty).build()) {
      assertThatThrownBy(() -> strict.run(List.of("true"), T))
          .isInstanceOfSatisfying(NodeShellException.class,
              e -> assertThat(e.kind()).isEqualTo(NodeShellException.Kind.HOST_KEY_UNKNOWN))
          .hasMessageContaining(empty.toString());
    }
    try (NodeShell acceptNew = sshd.shell().knownHostsFile(empty).acceptNewHostKeys().build()) {
      assertThat(acceptNew.run(List.of("echo", "ok"), T).stdoutText()).isEqualTo("ok\n");
    }
    assertThat(Files.readString(empty)).contains("ssh-ed25519");
  }

  @Test
  void aRefusedKeyIsAnAuthenticationFailure() throws Exception {
    Path stranger = sshd.dir.resolve("stranger_key");
    Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger.toString())
        .redirectErrorStream(true).start();
    keygen.getInputStream().readAllBytes();
    assertThat(keygen.waitFor()).isZero();
    try (NodeShell shell = sshd.shell().identityFile(stranger).build()) {
      assertThatThrownBy(() -> shell.run(List.of("true"), T))
          .isInstanceOfSatisfying(NodeShellException.class,
              e -> assertThat(e.kind()).isEqualTo(NodeShellException.Kind.AUTHENTICATION))
          .hasMessageContaining("refused the SSH login");
    }
  }

  @Test
  void aClosedPortIsUnreachableAndRetryable() throws Exception {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    try (NodeShell shell = sshd.shell().port(closed).build()) {
      assertThatThrownBy(() -> shell.run(List.of("true"), T))
          .isInstanceOfSatisfying(NodeShellException.class, e -> {
            assertThat(e.kind()).isEqualTo(NodeShellException.Kind.UNREACHABLE);
            assertThat(e.isRetryable()).isTrue();
          })
          .hasMessageContaining("Connection refused");
    }
  }

  @Test
  void aTimeoutKillsTheCommandOnTheNode() throws Exception {
    Path pidFile = sshd.dir.resolve("sleeper.pid");
    long started = System.nanoTime();
    assertThatThrownBy(() -> node.run(
            List.of("sh", "-c", "echo $$ > \"$1\"; exec sleep 30", "sh", pidFile.toString()),
            Duration.ofMillis(1500)))
        .isInstanceOfSatisfying(NodeShellException.class,
            e -> assertThat(e.kind()).isEqualTo(NodeShellException.Kind.TIMEOUT))
        .hasMessageContaining("1500 ms");
    // Killed by timeout(1) on the node, long before the local backstop (timeout + 15 s).
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    long pid = Long.parseLong(Files.readString(pidFile).strip());
    long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
        .as("the remote sleep (pid %d) was killed", pid).isFalse();
  }

  @Test
  void sudoRunsTheArgvThroughSudoNAndReportsARefusal() throws Exception {
    try (NodeShell shell = sshd.shell().sudo().build()) {
      RemoteCommandResult r = shell.run(List.of("echo", "as root", "$(id)"), T);
      assertThat(r.stdoutText()).isEqualTo("as root $(id)\n");
      List<List<String>> calls = sshd.calls("sudo");
      assertThat(calls.get(calls.size() - 1)).containsExactly("sudo", "-n", "--", "echo", "as root", "$(id)");

      sshd.sudoRefuses(true);
      try {
        assertThatThrownBy(() -> shell.run(List.of("pct", "list"), T))
            .isInstanceOfSatisfying(NodeShellException.class,
                e -> assertThat(e.kind()).isEqualTo(NodeShellException.Kind.SUDO))
            .hasMessageContaining("NOPASSWD");
      } finally {
        sshd.sudoRefuses(false);
      }
    }
  }

  // ------------------------------------------------------------ pct, qm, vzdump

  @Test
  void pctExecPassesArgvAndStdin() throws Exception {
    RemoteCommandResult r = node.pctExec(101, List.of("cat", "-"), new ByteArrayInputStream("in the CT".getBytes(StandardCharsets.UTF_8)), T);
    assertThat(r.stdoutText()).isEqualTo("in the CT");
    List<List<String>> calls = sshd.calls("pct");
    assertThat(calls.get(calls.size() - 1)).containsExactly("pct", "exec", "101", "--", "cat", "-");
  }

  @Test
  void pctPushStreamsContentThroughAPrivateTempFileNeverTheCommandLine() throws Exception {
    String secret = "DB_PASSWORD=s3cr3t-" + System.nanoTime() + "\n";
    int before = sshd.calls("pct").size();
    node.pctPush(102, secret.getBytes(StandardCharsets.UTF_8), "/srv/app/.env",
        PctFileOptions.defaults().perms("0600").owner("root", "root"));

    assertThat(Files.readString(sshd.containerFile(102, "/srv/app/.env"))).isEqualTo(secret);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sshd.containerFile(102, "/srv/app/.env"))))
        .isEqualTo("rw-------");
    List<List<String>> pcts = sshd.calls("pct");
    List<String> push = pcts.get(pcts.size() - 1);
    assertThat(pcts).hasSize(before + 1);
    assertThat(push.subList(0, 3)).containsExactly("pct", "push", "102");
    assertThat(push.subList(4, push.size()))
        .containsExactly("/srv/app/.env", "--perms", "0600", "--user", "root", "--group", "root");
    String tmp = push.get(3);
    assertThat(tmp).startsWith("/tmp/pvedeploy-push.");
    assertThat(sshd.callNote("pct", pcts.size() - 1, "srcmode")).startsWith("600 ");
    assertThat(Path.of(tmp)).as("the node's temp file is removed").doesNotExist();
    // Not in any argv of any tool, nor in any command line sshd received.
    assertThat(String.join("\n", sshd.commandLines())).doesNotContain("s3cr3t");
    for (String tool : List.of("pct", "sudo", "qm", "vzdump")) {
      assertThat(sshd.calls(tool).toString()).doesNotContain("s3cr3t");
    }
  }

  @Test
  void pctPushRemovesTheTempFileWhenPctFails() throws Exception {
    Path local = sshd.dir.resolve("upload.txt");
    Files.writeString(local, "content");
    assertThatThrownBy(() -> node.pctPush(999, local, "/etc/x", PctFileOptions.defaults()))
        .isInstanceOfSatisfying(NodeShellException.class, e -> {
          assertThat(e.kind()).isEqualTo(NodeShellException.Kind.COMMAND_FAILED);
          assertThat(e.exitCode()).hasValue(255);
        })
        .hasMessageContaining("pct push to CT 999")
        .hasMessageContaining("does not exist");
    List<List<String>> pcts = sshd.calls("pct");
    assertThat(Path.of(pcts.get(pcts.size() - 1).get(3))).doesNotExist();
  }

  @Test
  void pctPushStreamsALargeFileAndPctPullReadsItBack() throws Exception {
    byte[] data = new byte[3 * 1024 * 1024];
    new Random(1).nextBytes(data);
    Path local = sshd.dir.resolve("big.bin");
    Files.write(local, data);
    node.pctPush(103, local, "/data/big.bin", PctFileOptions.defaults());
    assertThat(sha256(Files.readAllBytes(sshd.containerFile(103, "/data/big.bin")))).isEqualTo(sha256(data));

    assertThat(node.pctPull(103, "/data/big.bin")).isEqualTo(data);
    Path back = sshd.dir.resolve("back.bin");
    Files.writeString(back, "old content");
    node.pctPull(103, "/data/big.bin", back);
    assertThat(sha256(Files.readAllBytes(back))).isEqualTo(sha256(data));
    List<List<String>> pcts = sshd.calls("pct");
    List<String> pull = pcts.get(pcts.size() - 1);
    assertThat(pull.subList(0, 4)).containsExactly("pct", "pull", "103", "/data/big.bin");
    assertThat(Path.of(pull.get(4))).doesNotExist();

    assertThatThrownBy(() -> node.pctPull(103, "/no/such/file"))
        .isInstanceOfSatisfying(NodeShellException.class,
            e -> assertThat(e.kind()).isEqualTo(NodeShellException.Kind.COMMAND_FAILED))
        .hasMessageContaining("No such file");
  }

  @Test
  void qmGuestExecParsesPvesJson() throws Exception {
    AgentExecStatus s = node.qmGuestExec(200, List.of("sh", "-c", "echo 'out \"q\"'; echo é >&2; exit 4"), T);
    assertThat(s.exited()).isTrue();
    assertThat(s.exitCode()).contains(4);
    assertThat(s.stdout()).isEqualTo("out \"q\"\n");
    assertThat(s.stderr()).isEqualTo("é\n");
    List<List<String>> qms = sshd.calls("qm");
    assertThat(qms.get(qms.size() - 1)).containsExactly(
        "qm", "guest", "exec", "200", "--timeout", "20", "--", "sh", "-c", "echo 'out \"q\"'; echo é >&2; exit 4");

    AgentExecStatus withStdin = node.qmGuestExec(200, List.of("cat"), "piped".getBytes(StandardCharsets.UTF_8), T);
    assertThat(withStdin.stdout()).isEqualTo("piped");

    assertThatThrownBy(() -> node.qmGuestExec(200, List.of("sleep", "10"), Duration.ofSeconds(1)))
        .isInstanceOfSatisfying(NodeShellException.class,
            e -> assertThat(e.kind()).isEqualTo(NodeShellException.Kind.TIMEOUT))
        .hasMessageContaining("still running in the guest as pid");
    assertThatThrownBy(() -> node.qmGuestExec(998, List.of("true"), T))
        .isInstanceOfSatisfying(NodeShellException.class,
            e -> assertThat(e.kind()).isEqualTo(NodeShellException.Kind.COMMAND_FAILED))
        .hasMessageContaining("VM 998 not running");
  }

  @Test
  void pctSetPassesOptionsInOrder() throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("features", "nesting=1,keyctl=1");
    options.put("memory", "2048");
    node.pctSet(104, options);
    node.pctSet(104, LxcFeatures.docker());
    List<List<String>> pcts = sshd.calls("pct");
    assertThat(pcts.get(pcts.size() - 2))
        .containsExactly("pct", "set", "104", "--features", "nesting=1,keyctl=1", "--memory", "2048");
    assertThat(pcts.get(pcts.size() - 1)).containsExactly("pct", "set", "104", "--features", LxcFeatures.docker().render());
  }

  @Test
  void vzdumpRunsPvesCliAndReportsAFailedBackup() throws Exception {
    RemoteCommandResult r = node.vzdump(VzdumpSpec.of(105, "local").withNotes("{{guestname}} before release 7"), T);
    assertThat(r.stdoutText()).contains("creating vzdump archive '/var/lib/vz/dump/vzdump-lxc-105-");
    List<List<String>> dumps = sshd.calls("vzdump");
    assertThat(dumps.get(dumps.size() - 1)).containsExactly("vzdump", "105", "--storage", "local",
        "--mode", "snapshot", "--compress", "zstd", "--notes-template", "{{guestname}} before release 7");

    assertThatThrownBy(() -> node.vzdump(VzdumpSpec.of(998, "local"), T))
        .isInstanceOfSatisfying(NodeShellException.class,
            e -> assertThat(e.kind()).isEqualTo(NodeShellException.Kind.COMMAND_FAILED))
        .hasMessageContaining("CT is locked");
  }

  static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
