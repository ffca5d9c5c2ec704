package io.pvedeploy.proxmox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real OpenSSH server on loopback, for {@link NodeShell}'s integration tests: its own config,
 * host key, client key and known_hosts in a private temp directory; {@code pct}, {@code qm},
 * {@code vzdump} and {@code sudo} stubs first on the sessions' PATH, which record their argv
 * (NUL-separated, one file per call) and answer like PVE's tools; and a {@code ForceCommand}
 * wrapper that records every remote command line exactly as sshd received it before running it
 * with bash, as sshd would have.
 *
 * <p>Missing OpenSSH binaries fail the test with an install hint; they are never a reason to
 * skip. {@link #close()} kills sshd and its session processes and removes the directory.
 */
final class SshdFixture implements AutoCloseable {
  static final String SSHD = "/usr/sbin/sshd";
  private static final String INSTALL_HINT =
      "NodeShell's integration tests need OpenSSH: apt-get install -y openssh-server"
          + " openssh-client (sshd at /usr/sbin/sshd, ssh and ssh-keygen on the PATH)";

  final Path dir;
  final Path stubDir;
  final Path clientKey;
  final Path knownHosts;
  final Path sshConfig;
  final Path hostKey;
  final Path sshdLog;
  final int port;
  private final Process sshd;
  private final Thread shutdownHook;

  private SshdFixture(Path dir, int port, Process sshd, Thread shutdownHook) {
    this.dir = dir;
    this.stubDir = dir.resolve("stub");
    this.clientKey = dir.resolve("client_ed25519");
    this.knownHosts = dir.resolve("known_hosts");
    this.sshConfig = dir.resolve("ssh_config");
    this.hostKey = dir.resolve("host_ed25519");
    this.sshdLog = dir.resolve("sshd.log");
    this.port = port;
    this.sshd = sshd;
    this.shutdownHook = shutdownHook;
  }

  static SshdFixture start() throws IOException, InterruptedException {
    requireTool(SSHD);
    String ssh = which("ssh");
    String keygen = which("ssh-keygen");
    if (ssh == null || keygen == null) {
      throw new IllegalStateException(INSTALL_HINT + " (missing: " + (ssh == null ? "ssh" : "ssh-keygen") + ")");
    }
    Path privsep = Path.of("/run/sshd");
    if (!Files.isDirectory(privsep)) {
      try {
        Files.createDirectories(privsep, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
      } catch (IOException e) {
        throw new IllegalStateException("sshd needs its privilege separation directory /run/sshd;"
            + " create it as root (mkdir -p /run/sshd)", e);
      }
    }
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "pvd-sshd-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path stub = Files.createDirectories(dir.resolve("stub"));
    Files.createDirectories(stub.resolve("calls"));
    Files.createDirectories(stub.resolve("ct"));
    Files.createFile(stub.resolve("commands.log"));
    exec(dir, keygen, "-q", "-t", "ed25519", "-N", "", "-C", "pvd-host", "-f", dir.resolve("host_ed25519").toString());
    exec(dir, keygen, "-q", "-t", "ed25519", "-N", "", "-C", "pvd-client", "-f", dir.resolve("client_ed25519").toString());
    Files.copy(dir.resolve("client_ed25519.pub"), dir.resolve("authorized_keys"));
    Files.writeString(dir.resolve("ssh_config"), "# empty: tests do not read ~/.ssh/config\n");

    for (String[] script : new String[][] {
        {"pct", PCT}, {"qm", QM}, {"vzdump", VZDUMP}, {"sudo", SUDO}, {"run-recorded", RUN_RECORDED}}) {
      Path file = bin.resolve(script[0]);
      Files.writeString(file, script[1]);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    int port = freePort();
    String hostPub = Files.readString(dir.resolve("host_ed25519.pub")).strip();
    String[] parts = hostPub.split(" ");
    Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + port + " " + parts[0] + " " + parts[1] + "\n");

    String path = bin + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    String config = String.join("\n",
        "Port " + port,
        "ListenAddress 127.0.0.1",
        "HostKey " + dir.resolve("host_ed25519"),
        "PidFile " + dir.resolve("sshd.pid"),
        "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
        "PubkeyAuthentication yes",
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "PrintMotd no",
        "MaxSessions 64",
        "MaxStartups 64",
        "LogLevel VERBOSE",
        // SHLVL keeps bash from sourcing the login user's ~/.bashrc (Debian's bash does that for
        // ssh sessions): a developer's heavy shell setup must not slow or change the tests.
        "SetEnv PATH=" + path + " PVE_STUB_DIR=" + stub + " SHLVL=3",
        "ForceCommand " + bin.resolve("run-recorded"),
        "");
    Files.writeString(dir.resolve("sshd_config"), config);

    ProcessBuilder pb = new ProcessBuilder(SSHD, "-D", "-e", "-f", dir.resolve("sshd_config").toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("sshd.log").toFile());
    Process sshd = pb.start();
    Thread hook = new Thread(() -> kill(sshd), "pvd-sshd-fixture-kill");
    Runtime.getRuntime().addShutdownHook(hook);
    SshdFixture fixture = new SshdFixture(dir, port, sshd, hook);
    try {
      fixture.awaitListening(Duration.ofSeconds(10));
    } catch (RuntimeException | IOException e) {
      fixture.close();
      throw e;
    }
    return fixture;
  }

  /** A shell builder for this server, isolated from the user's ssh config. */
  NodeShell.Builder shell() {
    return NodeShell.builder()
        .host("127.0.0.1")
        .port(port)
        .user(System.getProperty("user.name"))
        .identityFile(clientKey)
        .knownHostsFile(knownHosts)
        .sshConfig(sshConfig)
        .connectTimeout(Duration.ofSeconds(5));
  }

  /** The argv of every recorded call of a stub ({@code pct}, {@code qm}, …), oldest first. */
  List<List<String>> calls(String tool) throws IOException {
    try (Stream<Path> files = Files.list(stubDir.resolve("calls"))) {
      List<Path> sorted = files.filter(p -> !p.getFileName().toString().contains("."))
          .sorted(Comparator.comparing(p -> p.getFileName().toString())).collect(Collectors.toList());
      List<List<String>> calls = new ArrayList<>();
      for (Path p : sorted) {
        List<String> argv = splitNul(Files.readAllBytes(p));
        if (!argv.isEmpty() && argv.get(0).equals(tool)) {
          calls.add(argv);
        }
      }
      return calls;
    }
  }

  /** A side file a stub wrote next to a call record (e.g. {@code srcmode}). */
  String callNote(String tool, int index, String suffix) throws IOException {
    try (Stream<Path> files = Files.list(stubDir.resolve("calls"))) {
      List<Path> sorted = files.filter(p -> !p.getFileName().toString().contains("."))
          .sorted(Comparator.comparing(p -> p.getFileName().toString())).collect(Collectors.toList());
      List<Path> ofTool = new ArrayList<>();
      for (Path p : sorted) {
        List<String> argv = splitNul(Files.readAllBytes(p));
        if (!argv.isEmpty() && argv.get(0).equals(tool)) {
          ofTool.add(p);
        }
      }
      Path note = ofTool.get(index).resolveSibling(ofTool.get(index).getFileName() + "." + suffix);
      return Files.readString(note).strip();
    }
  }

  /** Every remote command line sshd received, exactly, oldest first. */
  List<String> commandLines() throws IOException {
    return splitNul(Files.readAllBytes(stubDir.resolve("commands.log")));
  }

  /** The raw bytes of every remote command line sshd received. */
  byte[] commandLinesRaw() throws IOException {
    return Files.readAllBytes(stubDir.resolve("commands.log"));
  }

  /** How many SSH logins (handshakes) sshd accepted so far. */
  long acceptedLogins() throws IOException {
    return Files.readAllLines(sshdLog, StandardCharsets.UTF_8).stream()
        .filter(l -> l.contains("Accepted publickey")).count();
  }

  /** A file inside the stub's fake container root. */
  Path containerFile(int vmid, String path) {
    return stubDir.resolve("ct").resolve(String.valueOf(vmid)).resolve(path.substring(1));
  }

  /** Makes the stub sudo refuse as sudo does when a password would be needed. */
  void sudoRefuses(boolean refuse) throws IOException {
    Path flag = stubDir.resolve("sudo-refuses");
    if (refuse) {
      Files.writeString(flag, "1");
    } else {
      Files.deleteIfExists(flag);
    }
  }

  static List<String> splitNul(byte[] bytes) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        out.add(new String(Arrays.copyOfRange(bytes, start, i), StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    return out;
  }

  private void awaitListening(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!sshd.isAlive()) {
        throw new IllegalStateException("sshd exited with status " + sshd.exitValue()
            + " at start; its log:\n" + Files.readString(sshdLog) + "\n" + INSTALL_HINT);
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(20);
      }
    }
    throw new IllegalStateException("sshd did not listen on 127.0.0.1:" + port + " within "
        + timeout + "; its log:\n" + Files.readString(sshdLog));
  }

  @Override
  public void close() {
    kill(sshd);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException ignored) {
      // a leftover temp dir is harmless
    }
  }

  private static void kill(Process sshd) {
    sshd.descendants().forEach(ProcessHandle::destroyForcibly);
    sshd.destroy();
    try {
      if (!sshd.waitFor(5, TimeUnit.SECONDS)) {
        sshd.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      sshd.destroyForcibly();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void requireTool(String path) {
    if (!Files.isExecutable(Path.of(path))) {
      throw new IllegalStateException(INSTALL_HINT + " (missing: " + path + ")");
    }
  }

  static String which(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      Path p = Path.of(d, tool);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }

  private static void exec(Path dir, String... argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
    }
  }

  // ------------------------------------------------------------------ stubs

  /** Records the exact remote command line, then runs it with bash as sshd would have. */
  private static final String RUN_RECORDED = """
      #!/bin/sh
      printf '%s\\0' "$SSH_ORIGINAL_COMMAND" >> "$PVE_STUB_DIR/commands.log"
      exec /bin/bash -c "$SSH_ORIGINAL_COMMAND"
      """;

  private static final String RECORD = """
      n="$(date +%s%N)-$$"
      printf '%s\\0' "$(basename "$0")" "$@" > "$PVE_STUB_DIR/calls/$n"
      """;

  /** pct exec/push/pull/set, with a directory per container as its root file system. */
  private static final String PCT = "#!/bin/sh\nset -u\n" + RECORD + """
      cmd="${1:-}"; [ $# -gt 0 ] && shift
      case "$cmd" in
      exec)
        vmid="$1"; shift
        if [ "$vmid" = 999 ]; then
          echo "Configuration file 'nodes/pve1/lxc/999.conf' does not exist" >&2; exit 255
        fi
        [ "${1:-}" = "--" ] && shift
        exec "$@" ;;
      push)
        vmid="$1"; src="$2"; dest="$3"; shift 3
        perms=""; user=""; group=""
        while [ $# -gt 0 ]; do
          case "$1" in
            --perms) perms="$2"; shift 2 ;;
            --user) user="$2"; shift 2 ;;
            --group) group="$2"; shift 2 ;;
            *) echo "Unknown option: $1" >&2; exit 255 ;;
          esac
        done
        [ -f "$src" ] || { echo "failed to open $src for reading" >&2; exit 255; }
        stat -c '%a %U' "$src" > "$PVE_STUB_DIR/calls/$n.srcmode"
        if [ "$vmid" = 999 ]; then
          echo "Configuration file 'nodes/pve1/lxc/999.conf' does not exist" >&2; exit 255
        fi
        root="$PVE_STUB_DIR/ct/$vmid"
        mkdir -p "$root$(dirname "$dest")"
        cat "$src" > "$root$dest"
        [ -n "$perms" ] && chmod "$perms" "$root$dest"
        printf '%s:%s\\n' "$user" "$group" > "$PVE_STUB_DIR/calls/$n.owner"
        exit 0 ;;
      pull)
        vmid="$1"; src="$2"; dest="$3"
        f="$PVE_STUB_DIR/ct/$vmid$src"
        [ -f "$f" ] || { echo "failed to open $src: No such file or directory" >&2; exit 255; }
        cat "$f" > "$dest"
        exit 0 ;;
      set)
        exit 0 ;;
      *)
        echo "stub pct: unsupported command '$cmd'" >&2; exit 255 ;;
      esac
      """;

  /** qm guest exec, answering with PVE's pretty JSON; VM 998 is not running. */
  private static final String QM = """
      #!/usr/bin/perl
      use strict;
      use warnings;
      use JSON::PP;
      use POSIX ":sys_wait_h";
      use Time::HiRes qw(time sleep);
      my $dir = $ENV{PVE_STUB_DIR};
      my $n = `date +%s%N`; chomp $n; $n .= "-$$";
      open(my $rec, '>', "$dir/calls/$n") or die;
      print $rec join("\\0", 'qm', @ARGV), "\\0";
      close($rec);
      my ($g, $e, $vmid, @rest) = @ARGV;
      die "stub qm: only 'guest exec'\\n" unless $g eq 'guest' && $e eq 'exec';
      my ($timeout, $stdin) = (30, 0);
      while (@rest && $rest[0] ne '--') {
        my $opt = shift @rest;
        if ($opt eq '--timeout') { $timeout = shift @rest; }
        elsif ($opt eq '--pass-stdin') { $stdin = shift @rest; }
        else { print STDERR "Unknown option: $opt\\n"; exit 255; }
      }
      shift @rest;
      if ($vmid eq '998') { print STDERR "VM 998 not running\\n"; exit 255; }
      my $input = '';
      if ($stdin) { local $/; $input = <STDIN>; }
      my $tmp = "$dir/qm-$$";
      open(my $in, '>', "$tmp.in") or die; binmode $in; print $in $input; close $in;
      my $pid = fork();
      if ($pid == 0) {
        open(STDIN, '<', "$tmp.in"); open(STDOUT, '>', "$tmp.out"); open(STDERR, '>', "$tmp.err");
        exec { $rest[0] } @rest or exit 127;
      }
      my $deadline = time() + $timeout;
      my $status;
      while (time() < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) { $status = $?; last; }
        sleep 0.05;
      }
      if (!defined $status) {
        kill 'KILL', $pid; waitpid($pid, 0); unlink "$tmp.in", "$tmp.out", "$tmp.err";
        print STDERR "timeout reached, returning pid\\n";
        print JSON::PP->new->pretty->canonical->encode({ pid => $pid });
        exit 0;
      }
      local $/;
      open(my $o, '<', "$tmp.out"); binmode $o; my $out = <$o> // ''; close $o;
      open(my $r, '<', "$tmp.err"); binmode $r; my $err = <$r> // ''; close $r;
      unlink "$tmp.in", "$tmp.out", "$tmp.err";
      my $res = { exitcode => $status >> 8, exited => 1 };
      $res->{'out-data'} = $out if length $out;
      $res->{'err-data'} = $err if length $err;
      print JSON::PP->new->pretty->canonical->encode($res);
      exit 0;
      """;

  /** vzdump, logging like PVE's; VM 998 fails. */
  private static final String VZDUMP = "#!/bin/sh\n" + RECORD + """
      echo "INFO: starting new backup job: vzdump $*"
      if [ "$1" = 998 ]; then
        echo "ERROR: Backup of VM 998 failed - CT is locked (backup)" >&2
        echo "INFO: Backup job finished with errors" >&2
        exit 255
      fi
      echo "INFO: creating vzdump archive '/var/lib/vz/dump/vzdump-lxc-$1-2024_01_01-00_00_00.tar.zst'"
      echo "INFO: Finished Backup of VM $1 (00:00:01)"
      echo "INFO: Backup job finished successfully"
      """;

  /** sudo -n -- argv…, or a refusal as sudo words it. */
  private static final String SUDO = "#!/bin/sh\n" + RECORD + """
      if [ -f "$PVE_STUB_DIR/sudo-refuses" ]; then
        echo "sudo: a password is required" >&2; exit 1
      fi
      [ "$1" = "-n" ] && [ "$2" = "--" ] || { echo "stub sudo: expected -n --" >&2; exit 2; }
      shift 2
      exec "$@"
      """;
}
