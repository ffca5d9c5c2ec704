package io.pvedeploy.docker;

import io.pvedeploy.docker.internal.ProcessRunner;
import io.pvedeploy.docker.internal.ShellQuoting;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link GuestShell} over SSH, through the system's OpenSSH client ({@code ssh}) run by Apache
 * Commons Exec.
 *
 * <pre>{@code
 * try (SshGuestShell guest = SshGuestShell.builder()
 *     .host("10.0.0.5").user("root")
 *     .identityFile(Path.of("/home/ci/.ssh/id_ed25519"))
 *     .knownHostsFile(Path.of("/home/ci/.ssh/known_hosts"))
 *     .build()) {
 *   DockerEngine docker = DockerEngine.on(guest);
 * }
 * }</pre>
 *
 * <p>Host keys are checked strictly by default; turning that off takes a reason, which is logged.
 * One master connection is kept ({@code ControlMaster}, its socket in a private 0700 directory)
 * so each further command costs one round trip; {@link #close()} ends it. The argv is quoted
 * once, for the guest's POSIX login shell, by one tested function; file content and stdin only
 * travel on ssh's stdin. Every command runs under {@code timeout(1)} on the guest (coreutils or
 * busybox), so a deadline kills it there, not only the local {@code ssh}.
 */
public final class SshGuestShell implements GuestShell {
  private static final Logger LOG = LoggerFactory.getLogger(SshGuestShell.class);
  static final Duration KILL_AFTER = Duration.ofSeconds(5);

  private final Builder settings;
  private final Path controlDir;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong invocations = new AtomicLong();

  private SshGuestShell(Builder settings, Path controlDir) {
    this.settings = settings;
    this.controlDir = controlDir;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String target() {
    return (settings.user == null ? "" : settings.user + "@") + settings.host
        + (settings.port == 0 ? "" : ":" + settings.port);
  }

  @Override
  public int exec(Exec exec, OutputStream stdout, OutputStream stderr) throws GuestShellException {
    if (exec == null || stdout == null || stderr == null) {
      throw new IllegalArgumentException("exec, stdout and stderr must not be null");
    }
    if (closed.get()) {
      throw new IllegalStateException(this + " is closed");
    }
    LOG.debug("{}: {}", target(), exec);
    Path log = controlDir.resolve("log-" + invocations.incrementAndGet());
    List<String> command = sshOptions(log);
    command.add("--");
    command.add(settings.host);
    command.add(remoteCommandLine(exec.argv(), exec.timeout(), settings.asciiOnly));
    Duration backstop = exec.timeout().plus(KILL_AFTER).plus(settings.connectTimeout).plusSeconds(5);
    long started = System.nanoTime();
    ProcessRunner.Outcome outcome;
    InputStream stdin = exec.openStdin();
    try {
      outcome = ProcessRunner.run(command, stdin, stdout, stderr, backstop, null);
    } catch (IOException e) {
      readAndDelete(log);
      throw new GuestShellException(GuestShellException.Reason.CANNOT_START,
          "cannot run the OpenSSH client '" + settings.ssh + "': " + e.getMessage()
              + ". Install it (Debian: apt-get install openssh-client) or point"
              + " SshGuestShell.builder().sshExecutable(…) at it", e);
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
    String sshLog = readAndDelete(log);
    if (outcome.inputFailure() != null) {
      throw new GuestShellException(GuestShellException.Reason.LOCAL_IO,
          "reading the stdin for " + exec.program() + " on " + target() + " failed after "
              + outcome.stdinBytes() + " bytes, so the command got a truncated input: "
              + outcome.inputFailure().getMessage(), outcome.inputFailure());
    }
    if (outcome.outputFailure() != null) {
      throw new GuestShellException(GuestShellException.Reason.LOCAL_IO,
          "writing the output of " + exec.program() + " from " + target() + " failed: "
              + outcome.outputFailure().getMessage(), outcome.outputFailure());
    }
    if (outcome.timedOut()) {
      throw timeout(exec, "ssh did not end in time and was killed");
    }
    int exit = outcome.exitCode();
    if (exit == 255) {
      GuestShellException failure = diagnose(sshLog, target(), settings.knownHostsFile);
      if (failure != null) {
        throw failure;
      }
    }
    if ((exit == 124 || exit == 137) && elapsed.compareTo(exec.timeout()) >= 0) {
      throw timeout(exec, "it was killed on the guest");
    }
    return exit;
  }

  private CommandTimeoutException timeout(Exec exec, String how) {
    return new CommandTimeoutException(exec.program(), exec.timeout(),
        exec.program() + " on " + target() + " did not finish within "
            + LocalShell.describe(exec.timeout()) + "; " + how
            + ". Pass a longer timeout (Exec.builder(…).timeout(…)) if it is just slow");
  }

  /**
   * The remote command line: {@code timeout -k 5 T argv…}, every word quoted for a POSIX shell.
   * The only place this shell makes a string of an argv.
   */
  static String remoteCommandLine(List<String> argv, Duration timeout, boolean asciiOnly) {
    List<String> full = new ArrayList<>(List.of("timeout", "-k", seconds(KILL_AFTER), seconds(timeout)));
    full.addAll(argv);
    return ShellQuoting.quote(full, asciiOnly);
  }

  /** A duration as {@code timeout(1)} reads it: whole seconds, rounded up. */
  static String seconds(Duration d) {
    return String.valueOf(Math.max(1, (d.toMillis() + 999) / 1000));
  }

  /** Whether a master connection is open ({@code ssh -O check}); false when multiplexing is off. */
  public boolean isMasterConnectionOpen() {
    if (!settings.multiplexing || closed.get()) {
      return false;
    }
    return control("check") == 0;
  }

  /** Ends the master connection ({@code ssh -O exit}) and removes the private control directory. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (settings.multiplexing) {
      control("exit");
    }
    try (Stream<Path> files = Files.walk(controlDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      LOG.debug("could not remove {}: {}", controlDir, e.toString());
    }
  }

  private int control(String operation) {
    Path log = controlDir.resolve("log-" + invocations.incrementAndGet());
    List<String> command = sshOptions(log);
    command.addAll(List.of("-O", operation, "--", settings.host));
    try {
      return ProcessRunner.run(command, null, OutputStream.nullOutputStream(),
          OutputStream.nullOutputStream(), settings.connectTimeout.plusSeconds(5), null).exitCode();
    } catch (IOException e) {
      return -1;
    } finally {
      readAndDelete(log);
    }
  }

  /** ssh and its options, up to (not including) the destination. */
  List<String> sshOptions(Path logFile) {
    List<String> a = new ArrayList<>();
    a.add(settings.ssh);
    if (settings.configFile != null) {
      a.addAll(List.of("-F", settings.configFile.toString()));
    }
    a.add("-T");
    opt(a, "BatchMode", "yes");
    opt(a, "ConnectTimeout", seconds(settings.connectTimeout));
    switch (settings.hostKeys) {
      case STRICT -> opt(a, "StrictHostKeyChecking", "yes");
      case ACCEPT_NEW -> opt(a, "StrictHostKeyChecking", "accept-new");
      case INSECURE -> {
        opt(a, "StrictHostKeyChecking", "no");
        opt(a, "UserKnownHostsFile", "/dev/null");
        opt(a, "GlobalKnownHostsFile", "/dev/null");
      }
    }
    if (settings.knownHostsFile != null && settings.hostKeys != HostKeys.INSECURE) {
      opt(a, "UserKnownHostsFile", configPath(settings.knownHostsFile));
    }
    if (settings.identityFile != null) {
      a.addAll(List.of("-i", settings.identityFile.toString()));
      opt(a, "IdentitiesOnly", "yes");
    }
    if (settings.multiplexing) {
      opt(a, "ControlMaster", "auto");
      opt(a, "ControlPath", controlDir.resolve("mux").toString());
      opt(a, "ControlPersist", seconds(settings.controlPersist) + "s");
    } else {
      opt(a, "ControlMaster", "no");
      opt(a, "ControlPath", "none");
    }
    opt(a, "ServerAliveInterval", "15");
    opt(a, "ServerAliveCountMax", "3");
    opt(a, "ForwardAgent", "no");
    opt(a, "ForwardX11", "no");
    opt(a, "ClearAllForwardings", "yes");
    opt(a, "PermitLocalCommand", "no");
    opt(a, "RequestTTY", "no");
    if (settings.port != 0) {
      a.addAll(List.of("-p", String.valueOf(settings.port)));
    }
    if (settings.user != null) {
      a.addAll(List.of("-l", settings.user));
    }
    a.addAll(List.of("-E", logFile.toString()));
    return a;
  }

  private static void opt(List<String> a, String key, String value) {
    a.add("-o");
    a.add(key + "=" + value);
  }

  private static String configPath(Path path) {
    String s = path.toString();
    return s.chars().anyMatch(Character::isWhitespace) ? "\"" + s + "\"" : s;
  }

  private static final Pattern UNREACHABLE = Pattern.compile(
      "connection refused|could not resolve hostname|connection timed out|no route to host"
          + "|network is unreachable|operation timed out|connection closed by|connection reset"
          + "|kex_exchange_identification|name or service not known|temporary failure in name resolution");

  /**
   * What ssh's own log ({@code -E}) says went wrong, or null when it reported nothing but
   * warnings: then exit status 255 is the remote command's own.
   */
  static GuestShellException diagnose(String sshLog, String target, Path knownHostsFile) {
    List<String> lines = sshLog.lines().map(String::strip).filter(l -> !l.isEmpty())
        .filter(l -> !l.startsWith("Warning: Permanently added")).collect(Collectors.toList());
    if (lines.isEmpty()) {
      return null;
    }
    String said = String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    String lower = sshLog.toLowerCase(Locale.ROOT);
    String file = knownHostsFile != null ? knownHostsFile.toString() : "~/.ssh/known_hosts";
    if (lower.contains("remote host identification has changed")
        || lower.contains("host key for") && lower.contains("has changed")) {
      return new GuestShellException(GuestShellException.Reason.HOST_KEY_CHANGED,
          "host key mismatch: the SSH host key that " + target + " presented differs from the one"
              + " recorded in " + file + ". Either the guest was recreated (new keys) or someone is"
              + " intercepting the connection. Check the key on the guest's console (ssh-keygen -lf"
              + " /etc/ssh/ssh_host_ed25519_key.pub); only if it is the guest's, replace the entry"
              + " (ssh-keygen -R HOST -f " + file + "). ssh said:\n" + said, null);
    }
    if (lower.contains("host key verification failed") || lower.contains("no ed25519 host key is known")
        || lower.contains("host key is not known")) {
      return new GuestShellException(GuestShellException.Reason.HOST_KEY_UNKNOWN,
          "the SSH host key of " + target + " is not known in " + file + " and strict host-key"
              + " checking is on. Record the guest's key (verified on its console) in that file,"
              + " or build with acceptNewHostKeys() on a network you trust. ssh said:\n" + said, null);
    }
    if (lower.contains("permission denied") || lower.contains("too many authentication failures")
        || lower.contains("no more authentication methods")) {
      return new GuestShellException(GuestShellException.Reason.AUTHENTICATION,
          target + " refused the SSH login: no offered key was accepted (passwords are never"
              + " tried). Check identityFile(…) or your ssh-agent, and that the key is in the"
              + " user's authorized_keys on the guest. ssh said:\n" + said, null);
    }
    if (UNREACHABLE.matcher(lower).find()) {
      return new GuestShellException(GuestShellException.Reason.UNREACHABLE,
          "cannot reach " + target + " over SSH: check the address, the port, that sshd runs in"
              + " the guest and that no firewall is in the way. ssh said:\n" + said, null);
    }
    return new GuestShellException(GuestShellException.Reason.OTHER,
        "ssh to " + target + " failed. ssh said:\n" + said, null);
  }

  private static String readAndDelete(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    } finally {
      try {
        Files.deleteIfExists(log);
      } catch (IOException ignored) {
        // the control directory is removed on close
      }
    }
  }

  @Override
  public String toString() {
    return "SshGuestShell[" + target() + "]";
  }

  enum HostKeys { STRICT, ACCEPT_NEW, INSECURE }

  private static final Pattern HOST = Pattern.compile("[^\\s\\-@'\"\\\\][^\\s@'\"\\\\]*");
  private static final Pattern USER = Pattern.compile("[A-Za-z0-9_.][A-Za-z0-9_.@-]{0,63}");

  /** Settings of an {@link SshGuestShell}. Only the host is required. */
  public static final class Builder {
    private String host;
    private int port;
    private String user;
    private Path identityFile;
    private Path knownHostsFile;
    private Path configFile;
    private HostKeys hostKeys = HostKeys.STRICT;
    private String insecureReason;
    private boolean multiplexing = true;
    private Duration controlPersist = Duration.ofSeconds(60);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private String ssh = "ssh";
    private boolean asciiOnly = !ShellQuoting.platformPassesUtf8();

    private Builder() {}

    /** Forces ASCII-only command lines (tests reach the non-UTF-8 platform's path with it). */
    Builder asciiOnlyCommandLines(boolean enabled) {
      this.asciiOnly = enabled;
      return this;
    }

    /** The guest's host name or address (or a Host alias of the ssh config). */
    public Builder host(String host) {
      if (host == null || !HOST.matcher(host).matches()) {
        throw new IllegalArgumentException("host '" + host + "' is not a host name, address or"
            + " ssh_config alias (no spaces, quotes or '@', not starting with '-'); give the user"
            + " with user(…)");
      }
      this.host = host;
      return this;
    }

    public Builder port(int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port " + port + " is not a TCP port (1-65535)");
      }
      this.port = port;
      return this;
    }

    public Builder user(String user) {
      if (user == null || !USER.matcher(user).matches()) {
        throw new IllegalArgumentException("user '" + user + "' is not a login name");
      }
      this.user = user;
      return this;
    }

    /** The private key to log in with ({@code -i}); only this key is offered then. */
    public Builder identityFile(Path file) {
      this.identityFile = existing(file, "identity file");
      return this;
    }

    /** The known_hosts file that holds the guest's host key. */
    public Builder knownHostsFile(Path file) {
      if (file == null || file.toString().indexOf('"') >= 0) {
        throw new IllegalArgumentException("known_hosts file must be a path without '\"'");
      }
      this.knownHostsFile = file;
      return this;
    }

    /** An ssh_config file to use instead of {@code ~/.ssh/config} ({@code -F}). */
    public Builder sshConfig(Path file) {
      this.configFile = existing(file, "ssh config file");
      return this;
    }

    /** Refuse a guest whose host key is unknown or different (the default). */
    public Builder strictHostKeyChecking() {
      this.hostKeys = HostKeys.STRICT;
      this.insecureReason = null;
      return this;
    }

    /** Record an unknown guest's key on first contact; a changed key is still refused. */
    public Builder acceptNewHostKeys() {
      this.hostKeys = HostKeys.ACCEPT_NEW;
      this.insecureReason = null;
      return this;
    }

    /**
     * Accept any host key, recording none: anyone on the path can impersonate the guest and
     * read everything sent to it. The reason is required and logged as a warning at build.
     */
    public Builder insecureIgnoreHostKeys(String reason) {
      if (reason == null || reason.isBlank()) {
        throw new IllegalArgumentException("turning host-key checking off needs a reason, e.g."
            + " \"throw-away lab on an isolated network\"; prefer knownHostsFile(…) or"
            + " acceptNewHostKeys()");
      }
      this.hostKeys = HostKeys.INSECURE;
      this.insecureReason = reason;
      return this;
    }

    /** Keep one master connection for all commands (the default). */
    public Builder multiplexing(boolean enabled) {
      this.multiplexing = enabled;
      return this;
    }

    /** How long the master connection stays open after the last command. */
    public Builder controlPersist(Duration d) {
      this.controlPersist = positive(d, "controlPersist");
      return this;
    }

    public Builder connectTimeout(Duration d) {
      this.connectTimeout = positive(d, "connectTimeout");
      return this;
    }

    /** The ssh program, {@code ssh} (on the PATH) by default. */
    public Builder sshExecutable(String ssh) {
      if (ssh == null || ssh.isBlank()) {
        throw new IllegalArgumentException("ssh executable must not be blank");
      }
      this.ssh = ssh;
      return this;
    }

    /**
     * The shell, with its private control directory (mode 0700) created.
     *
     * @throws IllegalStateException if no host was given
     * @throws UncheckedIOException if the control directory cannot be created
     */
    public SshGuestShell build() {
      if (host == null) {
        throw new IllegalStateException("host(…) is required");
      }
      if (hostKeys == HostKeys.INSECURE) {
        LOG.warn("SSH host-key checking is OFF for {} ({}): anyone on the path can impersonate it",
            host, insecureReason);
      }
      Path dir;
      try {
        dir = Files.createTempDirectory("pvedeploy-ssh-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a private directory for ssh's control socket", e);
      }
      Builder copy = new Builder();
      copy.host = host;
      copy.port = port;
      copy.user = user;
      copy.identityFile = identityFile;
      copy.knownHostsFile = knownHostsFile;
      copy.configFile = configFile;
      copy.hostKeys = hostKeys;
      copy.insecureReason = insecureReason;
      copy.multiplexing = multiplexing;
      copy.controlPersist = controlPersist;
      copy.connectTimeout = connectTimeout;
      copy.ssh = ssh;
      copy.asciiOnly = asciiOnly;
      return new SshGuestShell(copy, dir);
    }

    private static Path existing(Path file, String what) {
      if (file == null || !Files.isRegularFile(file)) {
        throw new IllegalArgumentException(what + " " + file + " does not exist or is not a file");
      }
      return file;
    }

    private static Duration positive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be a positive duration, got " + d);
      }
      return d;
    }
  }
}
