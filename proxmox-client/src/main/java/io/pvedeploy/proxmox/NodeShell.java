package io.pvedeploy.proxmox;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import okio.Buffer;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteWatchdog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Proxmox node's shell over SSH, for what the PVE API cannot do: run a command inside a
 * container ({@code pct exec}), move files in and out of it ({@code pct push}/{@code pull}), run
 * a command in a VM through its agent from the CLI ({@code qm guest exec}), set options API
 * tokens may not ({@code pct set --features keyctl=1}), back up with {@code vzdump}.
 *
 * <pre>{@code
 * try (NodeShell node = NodeShell.builder()
 *     .host("pve1.example").user("root")
 *     .identityFile(Path.of("/home/ci/.ssh/id_ed25519"))
 *     .build()) {
 *   RemoteCommandResult r = node.pctExec(101, List.of("cat", "/proc/self/uid_map"), Duration.ofSeconds(30));
 *   node.pctPush(101, envFile, "/srv/app/.env", PctFileOptions.defaults().perms("0600"));
 * }
 * }</pre>
 *
 * <p>It runs the system OpenSSH client ({@code ssh}), so the user's {@code ~/.ssh/config}, agent
 * and known_hosts apply. Host keys are checked strictly by default. One master connection is kept
 * open ({@code ControlMaster}/{@code ControlPersist}) so that each further command costs one
 * round trip; {@link #close()} ends it. Arguments travel as argv lists and are quoted once, for
 * the node's POSIX login shell; file content and stdin only ever travel on ssh's stdin.
 *
 * <p>Every remote command runs under coreutils {@code timeout} on the node, so a deadline kills
 * the command there, not just the local {@code ssh}. A command that exits non-zero is a {@link
 * RemoteCommandResult}; failures of ssh itself, {@code sudo} refusing, a passed deadline, and
 * failing typed operations are {@link NodeShellException}s. A shell is safe to share between
 * threads.
 */
public final class NodeShell implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeShell.class);

  /** {@code timeout -k}: how long a command that ignores SIGTERM gets before SIGKILL. */
  static final Duration KILL_AFTER = Duration.ofSeconds(5);
  /** {@code qm guest exec} passes at most 1 MiB of stdin to the guest. */
  static final int QM_STDIN_LIMIT = 1024 * 1024;
  private static final Duration QM_MARGIN = Duration.ofSeconds(30);
  private static final int LOG_TAIL = 1500;

  private final Builder settings;
  private final Path controlDir;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong invocations = new AtomicLong();
  private final AtomicLong commandsRun = new AtomicLong();

  private NodeShell(Builder settings, Path controlDir) {
    this.settings = settings;
    this.controlDir = controlDir;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The node's host name or address, as given. */
  public String host() {
    return settings.host;
  }

  /**
   * The remote commands this shell has run so far, each one SSH round trip: every {@code run},
   * {@code pctExec} and {@code qmGuestExec} is one, a typed operation counts each command it
   * runs ({@code pctPush} is four: {@code mktemp}, the upload, {@code pct push}, {@code rm}).
   * A command counts once ssh has ended, whatever its outcome (a non-zero exit, an SSH failure,
   * a timeout); managing the master connection ({@link #isMasterConnectionOpen()}, {@link
   * #close()}) does not count. Safe to read from any thread; to measure, take the difference of
   * two readings.
   */
  public long commandsRun() {
    return commandsRun.get();
  }

  // ---------------------------------------------------------------- generic commands

  /** Runs {@code argv} on the node with the builder's {@linkplain Builder#commandTimeout default timeout}. */
  public RemoteCommandResult run(List<String> argv) throws NodeShellException {
    return run(argv, settings.commandTimeout);
  }

  /**
   * Runs {@code argv} on the node (through {@code sudo -n} if so built), with no stdin.
   *
   * @param argv the program (found on the node's PATH) and its arguments, each passed verbatim
   * @param timeout how long the command may run; then it is killed on the node
   * @throws NodeShellException if ssh fails, sudo refuses or the timeout passes
   */
  public RemoteCommandResult run(List<String> argv, Duration timeout) throws NodeShellException {
    return capture(argv, null, timeout, null);
  }

  /** As {@link #run(List, Duration)}, with {@code stdin} as the command's standard input. */
  public RemoteCommandResult run(List<String> argv, byte[] stdin, Duration timeout)
      throws NodeShellException {
    return capture(argv, new ByteArrayInputStream(notNull(stdin, "stdin")), timeout, null);
  }

  /**
   * As {@link #run(List, Duration)}, streaming {@code stdin} (read to its end, not closed) to the
   * command's standard input; a stream of any size works.
   */
  public RemoteCommandResult run(List<String> argv, InputStream stdin, Duration timeout)
      throws NodeShellException {
    return capture(argv, notNull(stdin, "stdin"), timeout, null);
  }

  // ---------------------------------------------------------------- pct

  /**
   * {@code pct exec VMID -- argv…}: runs a command inside a running container. The command's
   * exit code is the result's; {@code pct}'s own failures (container not running, unknown
   * vmid) also show as a non-zero exit with PVE's message on stderr.
   */
  public RemoteCommandResult pctExec(int vmid, List<String> argv, Duration timeout)
      throws NodeShellException {
    return capture(pctExecArgv(vmid, argv), null, timeout, vmid);
  }

  /** As {@link #pctExec(int, List, Duration)}, streaming {@code stdin} to the command. */
  public RemoteCommandResult pctExec(int vmid, List<String> argv, InputStream stdin, Duration timeout)
      throws NodeShellException {
    return capture(pctExecArgv(vmid, argv), notNull(stdin, "stdin"), timeout, vmid);
  }

  /**
   * As {@link #pctExec(int, List, InputStream, Duration)}, streaming the command's stdout and
   * stderr into the given sinks as they arrive (written from other threads, not closed) instead
   * of collecting them: for output of any size, or to follow it live.
   *
   * @param stdin the command's standard input, read to its end (not closed); null for none
   * @return the command's exit status
   */
  public int pctExec(int vmid, List<String> argv, InputStream stdin, OutputStream stdout,
      OutputStream stderr, Duration timeout) throws NodeShellException {
    List<String> pctArgv = pctExecArgv(vmid, argv);
    checkArgv(pctArgv);
    positive(timeout, "timeout");
    return invoke(pctArgv, stdin, notNull(stdout, "stdout"), notNull(stderr, "stderr"), timeout, vmid).exitCode;
  }

  /**
   * {@code pct push}: copies a local file into a running container, with the given mode and
   * owner. The content is streamed over ssh's stdin into a private temp file on the node ({@code
   * mktemp}, mode 0600), pushed from there, and the temp file is removed, also on failure.
   *
   * @param dest an absolute path inside the container
   */
  public void pctPush(int vmid, Path local, String dest, PctFileOptions options)
      throws NodeShellException {
    notNull(local, "local file");
    try (InputStream in = Files.newInputStream(local)) {
      pctPush(vmid, in, dest, options);
    } catch (IOException e) {
      throw new NodeShellException(
          NodeShellException.Kind.LOCAL_IO,
          "cannot read " + local + " to push it to CT " + vmid + ": " + e.getMessage(), e);
    }
  }

  /** As {@link #pctPush(int, Path, String, PctFileOptions)}, with the content in memory. */
  public void pctPush(int vmid, byte[] content, String dest, PctFileOptions options)
      throws NodeShellException {
    pctPush(vmid, new ByteArrayInputStream(notNull(content, "content")), dest, options);
  }

  /**
   * As {@link #pctPush(int, Path, String, PctFileOptions)}, streaming {@code content} (read to
   * its end, not closed). If reading it fails, nothing is pushed.
   */
  public void pctPush(int vmid, InputStream content, String dest, PctFileOptions options)
      throws NodeShellException {
    Checks.vmid(vmid);
    notNull(content, "content");
    containerPath(dest, "destination");
    notNull(options, "options (use PctFileOptions.defaults())");
    LOG.debug("{}: pct push to CT {}", this, vmid);
    String tmp = nodeTempFile("pvedeploy-push");
    NodeShellException failure = null;
    try {
      invoke(List.of("dd", "of=" + tmp, "bs=65536", "status=none"), content,
              OutputStream.nullOutputStream(), settings.commandTimeout, vmid)
          .orThrow("writing the upload to a temp file on the node failed (is " + tmp
              + "'s file system full?)");
      List<String> push = new ArrayList<>(List.of("pct", "push", String.valueOf(vmid), tmp, dest));
      push.addAll(options.toArgs());
      invoke(push, null, OutputStream.nullOutputStream(), settings.commandTimeout, vmid)
          .orThrow("pct push to CT " + vmid + " (" + dest + ") failed");
    } catch (NodeShellException e) {
      failure = e;
      throw e;
    } finally {
      removeNodeFile(tmp, vmid, failure);
    }
  }

  /**
   * {@code pct pull}: reads a file from a running container. The file goes through a private
   * temp file on the node, which is removed afterwards.
   *
   * @param src an absolute path inside the container
   */
  public byte[] pctPull(int vmid, String src) throws NodeShellException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    pctPull(vmid, src, out);
    return out.toByteArray();
  }

  /**
   * As {@link #pctPull(int, String)}, streaming the file into {@code local}, which is replaced
   * only once the whole file has arrived.
   */
  public void pctPull(int vmid, String src, Path local) throws NodeShellException {
    notNull(local, "local file");
    Path dir = local.toAbsolutePath().getParent();
    Path partial;
    try {
      partial = Files.createTempFile(dir, "." + local.getFileName(), ".part");
    } catch (IOException e) {
      throw new NodeShellException(NodeShellException.Kind.LOCAL_IO,
          "cannot create a file in " + dir + " to pull " + src + " into: " + e.getMessage(), e);
    }
    boolean moved = false;
    try {
      try (OutputStream out = Files.newOutputStream(partial)) {
        pctPull(vmid, src, out);
      }
      try {
        Files.move(partial, local, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(partial, local, StandardCopyOption.REPLACE_EXISTING);
      }
      moved = true;
    } catch (IOException e) {
      throw new NodeShellException(NodeShellException.Kind.LOCAL_IO,
          "cannot write " + local + " (pulled from CT " + vmid + "): " + e.getMessage(), e);
    } finally {
      if (!moved) {
        try {
          Files.deleteIfExists(partial);
        } catch (IOException ignored) {
          // best effort: a hidden .part file is left behind
        }
      }
    }
  }

  private void pctPull(int vmid, String src, OutputStream out) throws NodeShellException {
    Checks.vmid(vmid);
    containerPath(src, "source");
    LOG.debug("{}: pct pull from CT {}", this, vmid);
    String tmp = nodeTempFile("pvedeploy-pull");
    NodeShellException failure = null;
    try {
      invoke(List.of("pct", "pull", String.valueOf(vmid), src, tmp), null,
              OutputStream.nullOutputStream(), settings.commandTimeout, vmid)
          .orThrow("pct pull from CT " + vmid + " (" + src + ") failed");
      invoke(List.of("cat", "--", tmp), null, out, settings.commandTimeout, vmid)
          .orThrow("reading the pulled file from the node's temp file failed");
    } catch (NodeShellException e) {
      failure = e;
      throw e;
    } finally {
      removeNodeFile(tmp, vmid, failure);
    }
  }

  /**
   * {@code pct set VMID --key value…}, e.g. {@code Map.of("features", "nesting=1,keyctl=1")},
   * which PVE refuses to API tokens. Options are passed in the map's iteration order.
   *
   * @throws NodeShellException of kind {@code COMMAND_FAILED} with PVE's message if pct refuses
   */
  public void pctSet(int vmid, Map<String, String> options) throws NodeShellException {
    Checks.vmid(vmid);
    if (options == null || options.isEmpty()) {
      throw new IllegalArgumentException("pct set needs at least one option, e.g. features");
    }
    List<String> argv = new ArrayList<>(List.of("pct", "set", String.valueOf(vmid)));
    options.forEach(
        (key, value) -> {
          if (key == null || !OPTION_KEY.matcher(key).matches()) {
            throw new IllegalArgumentException(
                "'" + key + "' is not a pct option name (lower-case letters, digits, '-', '_',"
                    + " e.g. features, mp0, net0, delete)");
          }
          if (value == null || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("the value of pct option " + key + " must be one line");
          }
          ShellQuoting.checkArgument(value, argv.size());
          argv.add("--" + key);
          argv.add(value);
        });
    invoke(argv, null, OutputStream.nullOutputStream(), settings.commandTimeout, vmid)
        .orThrow("pct set " + vmid + " failed");
  }

  /** {@code pct set VMID --features …} (or {@code --delete features} for none). */
  public void pctSet(int vmid, LxcFeatures features) throws NodeShellException {
    notNull(features, "features");
    pctSet(vmid, features.isNone() ? Map.of("delete", "features") : Map.of("features", features.render()));
  }

  /**
   * Sets a raw LXC key of a container, e.g. {@code lxc.apparmor.profile: unconfined}: PVE has no
   * API parameter for these, so this edits {@code /etc/pve/lxc/VMID.conf} on the node as an admin
   * would, under pve-container's own config lock ({@code /run/lock/lxc/pve-config-VMID.lock}):
   * every line of that key in the main section (not the snapshots') gives way to one
   * {@code key: value} line at the section's end, and the file is replaced by rename. The
   * container takes it at its next start.
   *
   * @throws NodeShellException of kind {@code COMMAND_FAILED} if the container's config is not on
   *     this node, a task holds its {@code lock}, or the config lock stays taken for 10 s
   */
  public void setRawLxcKey(int vmid, String key, String value) throws NodeShellException {
    LxcRawEntry entry = new LxcRawEntry(key, value);
    editRawLxcKey(vmid, entry.key(), "set", entry.value());
  }

  /** Removes every line of a raw LXC key from the main section of a container's config; see {@link #setRawLxcKey}. */
  public void removeRawLxcKey(int vmid, String key) throws NodeShellException {
    LxcRawEntry entry = new LxcRawEntry(key, "");
    editRawLxcKey(vmid, entry.key(), "remove", "");
  }

  private void editRawLxcKey(int vmid, String key, String mode, String value) throws NodeShellException {
    Checks.vmid(vmid);
    List<String> argv = List.of("sh", "-c", RAW_LXC_EDIT, "pvedeploy-raw-lxc", String.valueOf(vmid), key, mode, value);
    invoke(argv, null, OutputStream.nullOutputStream(), settings.commandTimeout, vmid)
        .orThrow(mode + " " + key + " in the config of CT " + vmid);
  }

  /**
   * Edits a container's config file as pve-container's {@code lock_config} and
   * {@code write_pct_config} would: the flock, then a temporary file in the same directory and a
   * rename (pmxcfs supports both). Raw lines match as its parser reads them ({@code key: value} or
   * {@code key = value}); a set line goes at the end of the main section, before the blank line
   * that precedes a snapshot section; a {@code lock:} line (a running backup, snapshot, …)
   * refuses the edit as {@code pct set} would. Arguments: vmid, key, set|remove, value (read from the environment in
   * awk, so no escape in the value is interpreted).
   */
  static final String RAW_LXC_EDIT = String.join("\n",
      "set -eu",
      "vmid=$1 key=$2 mode=$3 value=$4",
      "conf=/etc/pve/lxc/$vmid.conf",
      "if [ ! -f \"$conf\" ]; then",
      "  echo \"CT $vmid has no config on this node ($conf does not exist): is it on another node?\" >&2; exit 3",
      "fi",
      "mkdir -p /run/lock/lxc",
      "exec 9>\"/run/lock/lxc/pve-config-$vmid.lock\"",
      "if ! flock -w 10 9; then",
      "  echo \"can't lock file '/run/lock/lxc/pve-config-$vmid.lock' - got timeout\" >&2; exit 4",
      "fi",
      "tmp=\"$conf.tmp.$$\"",
      "trap 'rm -f \"$tmp\"' EXIT",
      "KEY=$key MODE=$mode VALUE=$value awk '",
      "  BEGIN { key = ENVIRON[\"KEY\"]; line = key \": \" ENVIRON[\"VALUE\"]; set = ENVIRON[\"MODE\"] == \"set\"; main = 1 }",
      "  !main { print; next }",
      "  /^[ \\t]*$/ { blanks = blanks $0 \"\\n\"; next }",
      "  /^\\[/ { if (set) print line; printf \"%s\", blanks; main = 0; print; next }",
      "  /^lock:/ { sub(/^lock:[ \\t]*/, \"\"); print \"CT is locked (\" $0 \")\" > \"/dev/stderr\"; failed = 1; exit 5 }",
      "  index($0, key) == 1 && substr($0, length(key) + 1) ~ /^[ \\t]*[:=]/ { next }",
      "  { printf \"%s\", blanks; blanks = \"\"; print }",
      "  END { if (failed) exit 5; if (main) { if (set) print line; printf \"%s\", blanks } }",
      "' \"$conf\" > \"$tmp\"",
      "mv \"$tmp\" \"$conf\"");

  private static final Pattern OPTION_KEY = Pattern.compile("[a-z][a-z0-9_-]{0,63}");

  private static List<String> pctExecArgv(int vmid, List<String> argv) {
    Checks.vmid(vmid);
    checkArgv(argv);
    List<String> full = new ArrayList<>(List.of("pct", "exec", String.valueOf(vmid), "--"));
    full.addAll(argv);
    return full;
  }

  // ---------------------------------------------------------------- qm, vzdump

  /**
   * {@code qm guest exec VMID --timeout S -- argv…}: runs a command in a VM through its QEMU guest
   * agent and returns the agent's answer, as {@code GET …/agent/exec-status} would.
   *
   * @param timeout how long qm waits for the command (whole seconds, rounded up)
   * @throws NodeShellException of kind {@code TIMEOUT} if the command was still running when
   *     {@code timeout} passed (it goes on in the VM; the message has its pid), or {@code
   *     COMMAND_FAILED} if qm failed (VM not running, no agent)
   */
  public AgentExecStatus qmGuestExec(int vmid, List<String> argv, Duration timeout)
      throws NodeShellException {
    return qmGuestExec(vmid, argv, null, timeout);
  }

  /**
   * As {@link #qmGuestExec(int, List, Duration)}, passing {@code stdin} (at most 1 MiB, PVE's
   * limit) to the command ({@code --pass-stdin 1}).
   */
  public AgentExecStatus qmGuestExec(int vmid, List<String> argv, byte[] stdin, Duration timeout)
      throws NodeShellException {
    Checks.vmid(vmid);
    checkArgv(argv);
    positive(timeout, "timeout");
    if (stdin != null && stdin.length > QM_STDIN_LIMIT) {
      throw new IllegalArgumentException(
          "qm guest exec passes at most 1 MiB of stdin, got " + stdin.length
              + " bytes; copy larger input into the VM first");
    }
    long seconds = Math.max(1, ceilSeconds(timeout));
    List<String> full = new ArrayList<>(List.of("qm", "guest", "exec", String.valueOf(vmid),
        "--timeout", String.valueOf(seconds)));
    if (stdin != null) {
      full.addAll(List.of("--pass-stdin", "1"));
    }
    full.add("--");
    full.addAll(argv);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Invocation done = invoke(full, stdin == null ? null : new ByteArrayInputStream(stdin), out,
        Duration.ofSeconds(seconds).plus(QM_MARGIN), vmid);
    done.orThrow("qm guest exec in VM " + vmid + " failed");
    return parseGuestExec(vmid, out.toByteArray(), seconds);
  }

  static AgentExecStatus parseGuestExec(int vmid, byte[] stdout, long seconds)
      throws NodeShellException {
    String text = new String(stdout, StandardCharsets.UTF_8);
    int start = text.indexOf('{');
    Map<String, Object> answer;
    try {
      if (start < 0) {
        throw new IOException("no JSON object in its output");
      }
      Object value = Json.read(new Buffer().writeUtf8(text.substring(start)));
      if (!(value instanceof Map)) {
        throw new IOException("its output is not a JSON object");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) value;
      answer = map;
    } catch (IOException | RuntimeException e) {
      throw new NodeShellException(NodeShellException.Kind.UNEXPECTED_OUTPUT,
          "qm guest exec in VM " + vmid + " answered something that is not PVE's JSON result ("
              + e.getMessage() + "); its output begins: "
              + abbreviate(text, 200), e);
    }
    if (!Json.bool(answer, "exited", false) && answer.containsKey("pid")) {
      throw new NodeShellException(NodeShellException.Kind.TIMEOUT,
          "qm guest exec in VM " + vmid + " did not finish within " + seconds + " s; the command"
              + " is still running in the guest as pid " + Json.string(answer, "pid", "?")
              + ". Do not start it again on top; read its end with 'qm guest exec-status " + vmid
              + " <pid>' or the API's agent/exec-status, or pass a longer timeout", null);
    }
    return AgentExecStatus.from(answer);
  }

  /**
   * {@code vzdump VMID… --storage … --mode … --compress …} on the node's CLI, waiting for the
   * backup to end. The result holds vzdump's log (on stderr and stdout as vzdump writes them).
   *
   * @throws NodeShellException of kind {@code COMMAND_FAILED} with the end of vzdump's log if the
   *     backup failed
   */
  public RemoteCommandResult vzdump(VzdumpSpec spec, Duration timeout) throws NodeShellException {
    notNull(spec, "spec");
    positive(timeout, "timeout");
    List<String> argv = new ArrayList<>();
    argv.add("vzdump");
    spec.vmids().forEach(id -> argv.add(String.valueOf(id)));
    argv.addAll(List.of("--storage", spec.storage(), "--mode", spec.mode(), "--compress", spec.compress()));
    if (spec.notes() != null) {
      argv.addAll(List.of("--notes-template", spec.notes()));
    }
    if (spec.protect()) {
      argv.addAll(List.of("--protected", "1"));
    }
    RemoteCommandResult result = capture(argv, null, timeout, spec.vmids().get(0));
    if (!result.succeeded()) {
      throw new NodeShellException(NodeShellException.Kind.COMMAND_FAILED,
          "vzdump of " + spec.vmids() + " to storage " + spec.storage() + " on " + target()
              + " failed with status " + result.exitCode() + tail(result.stderrText(), result.stdoutText()),
          result.exitCode(), null);
    }
    return result;
  }

  // ---------------------------------------------------------------- connection

  /**
   * Whether a master connection is open ({@code ssh -O check}); false when multiplexing is off.
   * A master opens with the first command and closes {@link Builder#controlPersist} after the
   * last, or on {@link #close()}.
   */
  public boolean isMasterConnectionOpen() {
    if (!settings.multiplexing || closed.get()) {
      return false;
    }
    try {
      return control("check") == 0;
    } catch (NodeShellException e) {
      return false;
    }
  }

  /** Ends the master connection ({@code ssh -O exit}) and removes the private control directory. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (settings.multiplexing && Files.exists(controlDir.resolve("mux"))) {
      try {
        control("exit");
      } catch (NodeShellException e) {
        LOG.debug("{}: ending the master connection failed: {}", this, e.getMessage());
      }
    }
    try (Stream<Path> files = Files.walk(controlDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      LOG.debug("{}: removing {} failed: {}", this, controlDir, e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "NodeShell[" + target() + "]";
  }

  private String target() {
    return (settings.user == null ? "" : settings.user + "@") + settings.host
        + (settings.port == 0 ? "" : ":" + settings.port);
  }

  // ---------------------------------------------------------------- machinery

  private RemoteCommandResult capture(List<String> argv, InputStream stdin, Duration timeout, Integer vmid)
      throws NodeShellException {
    checkArgv(argv);
    positive(timeout, "timeout");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Invocation done = invoke(argv, stdin, out, timeout, vmid);
    return new RemoteCommandResult(done.exitCode, out.toByteArray(), done.stderr);
  }

  /** A finished remote command whose stdout went elsewhere. */
  private record Invocation(String target, int exitCode, byte[] stderr) {
    Invocation orThrow(String what) throws NodeShellException {
      if (exitCode != 0) {
        throw new NodeShellException(NodeShellException.Kind.COMMAND_FAILED,
            what + " on " + target + ": exit status " + exitCode
                + tail(new String(stderr, StandardCharsets.UTF_8), ""),
            exitCode, null);
      }
      return this;
    }
  }

  private Invocation invoke(List<String> argv, InputStream stdin, OutputStream stdout,
      Duration timeout, Integer vmid) throws NodeShellException {
    return invoke(argv, stdin, stdout, null, timeout, vmid);
  }

  /** Runs argv on the node; stderr is kept for diagnosis and also copied to {@code stderrSink}. */
  private Invocation invoke(List<String> argv, InputStream stdin, OutputStream stdout,
      OutputStream stderrSink, Duration timeout, Integer vmid) throws NodeShellException {
    if (closed.get()) {
      throw new IllegalStateException(this + " is closed");
    }
    if (vmid == null) {
      LOG.debug("{}: {}", this, argv.get(0));
    } else {
      LOG.debug("{}: {} (vmid {})", this, argv.get(0), vmid);
    }
    String remote = ShellQuoting.quote(remoteArgv(argv, timeout), settings.asciiOnly);
    Path log = controlDir.resolve("log-" + invocations.incrementAndGet());
    List<String> command = sshOptions(log);
    command.add("--");
    command.add(settings.host);
    command.add(remote);

    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    SshStreams streams = new SshStreams(stdin, stdout, stderrSink == null ? stderr : tee(stderr, stderrSink));
    Duration backstop = timeout.plus(KILL_AFTER).plus(settings.connectTimeout).plus(Duration.ofSeconds(5));
    ExecuteWatchdog watchdog = ExecuteWatchdog.builder().setTimeout(backstop).get();
    long started = System.nanoTime();
    int exit = execute(command, streams, watchdog);
    commandsRun.incrementAndGet();
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
    String sshLog = readAndDelete(log);
    byte[] err = stderr.toByteArray();

    if (streams.inputFailure() != null) {
      throw new NodeShellException(NodeShellException.Kind.LOCAL_IO,
          "reading the input for " + argv.get(0) + " on " + target() + " failed after "
              + streams.stdinBytes() + " bytes, so the command got a truncated stdin: "
              + streams.inputFailure().getMessage(), streams.inputFailure());
    }
    if (streams.outputFailure() != null) {
      throw new NodeShellException(NodeShellException.Kind.LOCAL_IO,
          "writing the output of " + argv.get(0) + " from " + target() + " failed: "
              + streams.outputFailure().getMessage(), streams.outputFailure());
    }
    if (watchdog.killedProcess()) {
      throw timeout(argv, timeout, "ssh did not end in time and was killed");
    }
    if (exit == 255) {
      NodeShellException sshFailure = diagnose(sshLog, target(), settings.knownHostsFile);
      if (sshFailure != null) {
        throw sshFailure;
      }
    }
    if ((exit == 124 || exit == 137) && elapsed.compareTo(timeout) >= 0) {
      throw timeout(argv, timeout, "the command was killed on the node");
    }
    String errText = new String(err, StandardCharsets.UTF_8);
    if (exit == 127 && (errText.contains("timeout: command not found") || errText.contains("timeout: not found"))) {
      throw new NodeShellException(NodeShellException.Kind.SSH_FAILED,
          target() + " has no 'timeout' command (coreutils), which NodeShell runs every command"
              + " under so that deadlines are enforced on the node", exit, null);
    }
    if (settings.sudo && exit == 1 && errText.startsWith("sudo: ") && SUDO_REFUSAL.matcher(errText).find()) {
      throw new NodeShellException(NodeShellException.Kind.SUDO,
          "sudo on " + target() + " refused to run " + argv.get(0) + " without a password: "
              + errText.strip() + ". Allow it with NOPASSWD in sudoers for this user, or log in"
              + " as root (PVE's CLI tools need root)", exit, null);
    }
    return new Invocation(target(), exit, err);
  }

  private static OutputStream tee(OutputStream kept, OutputStream sink) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        kept.write(b);
        sink.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        kept.write(b, off, len);
        sink.write(b, off, len);
      }

      @Override
      public void flush() throws IOException {
        sink.flush();
      }
    };
  }

  private static final Pattern SUDO_REFUSAL = Pattern.compile(
      "password is required|terminal is required|not in the sudoers|not allowed to execute"
          + "|may not run sudo|not allowed to run sudo");

  private NodeShellException timeout(List<String> argv, Duration timeout, String how) {
    return new NodeShellException(NodeShellException.Kind.TIMEOUT,
        argv.get(0) + " on " + target() + " did not finish within " + describe(timeout) + "; "
            + how + ". Pass a longer timeout if the command is just slow", null);
  }

  /** The argv the node's shell runs: under {@code timeout}, and {@code sudo -n} if so built. */
  List<String> remoteArgv(List<String> argv, Duration timeout) {
    List<String> full = new ArrayList<>();
    full.addAll(List.of("timeout", "-k", seconds(KILL_AFTER), seconds(timeout)));
    if (settings.sudo) {
      full.addAll(List.of("sudo", "-n", "--"));
    }
    full.addAll(argv);
    return full;
  }

  private int execute(List<String> command, SshStreams streams, ExecuteWatchdog watchdog)
      throws NodeShellException {
    CommandLine line = new CommandLine(command.get(0));
    for (String arg : command.subList(1, command.size())) {
      line.addArgument(arg, false);
    }
    DefaultExecutor executor = DefaultExecutor.builder().setExecuteStreamHandler(streams).get();
    executor.setExitValues(null);
    if (watchdog != null) {
      executor.setWatchdog(watchdog);
    }
    try {
      return executor.execute(line);
    } catch (IOException e) {
      throw new NodeShellException(NodeShellException.Kind.SSH_CLIENT,
          "cannot run the OpenSSH client '" + settings.ssh + "': " + e.getMessage()
              + ". Install it (Debian: apt-get install openssh-client) or point"
              + " NodeShell.builder().sshExecutable(…) at it", e);
    }
  }

  private int control(String operation) throws NodeShellException {
    Path log = controlDir.resolve("log-" + invocations.incrementAndGet());
    List<String> command = sshOptions(log);
    command.addAll(List.of("-O", operation, "--", settings.host));
    ExecuteWatchdog watchdog =
        ExecuteWatchdog.builder().setTimeout(settings.connectTimeout.plusSeconds(5)).get();
    int exit = execute(command, new SshStreams(null, OutputStream.nullOutputStream(),
        OutputStream.nullOutputStream()), watchdog);
    readAndDelete(log);
    return exit;
  }

  /** ssh and its options, up to (not including) the destination. */
  List<String> sshOptions(Path logFile) {
    List<String> a = new ArrayList<>();
    a.add(settings.ssh);
    if (settings.configFile != null) {
      a.addAll(List.of("-F", settings.configFile.toString()));
    }
    // ssh keeps the first value it gets for an option: the caller's extra options come first.
    settings.extraOptions.forEach((k, v) -> a.addAll(List.of("-o", k + "=" + v)));
    a.add("-T");
    opt(a, "BatchMode", "yes");
    opt(a, "ConnectTimeout", String.valueOf(Math.max(1, ceilSeconds(settings.connectTimeout))));
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
      opt(a, "ControlPersist", Math.max(1, ceilSeconds(settings.controlPersist)) + "s");
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
    opt(a, "RemoteCommand", "none");
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

  /** A path as an ssh_config value: quoted when it has spaces. */
  private static String configPath(Path path) {
    String s = path.toString();
    return s.chars().anyMatch(Character::isWhitespace) ? "\"" + s + "\"" : s;
  }

  private static final Pattern OFFENDING = Pattern.compile("Offending \\S+ key in (.+?):(\\d+)");
  private static final Pattern ADD_KEY = Pattern.compile("Add correct host key in (.+?) to get rid");

  /**
   * What ssh's own log ({@code -E}) says went wrong, or null when ssh reported nothing but
   * warnings: then exit status 255 is the remote command's.
   */
  static NodeShellException diagnose(String sshLog, String target, Path knownHostsFile) {
    List<String> lines = sshLog.lines().map(String::strip)
        .filter(l -> !l.isEmpty())
        .filter(l -> !l.startsWith("Warning: Permanently added"))
        .filter(l -> !l.contains("disabling multiplexing"))
        .collect(Collectors.toList());
    if (lines.isEmpty()) {
      return null;
    }
    String said = lastChars(sshLog.strip(), LOG_TAIL);
    String lower = sshLog.toLowerCase(Locale.ROOT);
    NodeShellException.Kind kind;
    String message;
    if (lower.contains("remote host identification has changed") || lower.contains("host key for")
        && lower.contains("has changed")) {
      Matcher offending = OFFENDING.matcher(sshLog);
      Matcher add = ADD_KEY.matcher(sshLog);
      String file = offending.find() ? offending.group(1) + " (line " + offending.group(2) + ")"
          : add.find() ? add.group(1)
          : knownHostsFile != null ? knownHostsFile.toString() : "your known_hosts file";
      String fileOnly = offending.find(0) ? offending.group(1)
          : knownHostsFile != null ? knownHostsFile.toString() : "~/.ssh/known_hosts";
      kind = NodeShellException.Kind.HOST_KEY_MISMATCH;
      message = "host key mismatch: the SSH host key that " + target + " presented differs from the"
          + " one recorded in " + file + ". Either the node was reinstalled (its keys regenerated)"
          + " or someone is intercepting the connection. Check the key on the node's console"
          + " (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub); only if it is the node's,"
          + " remove the old entry (ssh-keygen -R HOST -f " + fileOnly + ") and record the new one."
          + " ssh said:\n" + said;
    } else if (lower.contains("host key verification failed")
        || lower.contains("host key is known for")) {
      kind = NodeShellException.Kind.HOST_KEY_UNKNOWN;
      message = "the SSH host key of " + target + " is not known"
          + (knownHostsFile != null ? " in " + knownHostsFile : " (no known_hosts entry)")
          + " and strict host-key checking is on. Add the node's key, verified on its console"
          + " (ssh-keyscan gives it; compare with ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub),"
          + " or build with acceptNewHostKeys() on a network you trust. ssh said:\n" + said;
    } else if (lower.contains("permission denied")
        || lower.contains("too many authentication failures")
        || lower.contains("no more authentication methods")) {
      kind = NodeShellException.Kind.AUTHENTICATION;
      message = target + " refused the SSH login: no offered key was accepted (passwords are never"
          + " tried). Check identityFile(…) or your ssh-agent, and that the key is in the user's"
          + " authorized_keys on the node (root on PVE). ssh said:\n" + said;
    } else if (UNREACHABLE.matcher(lower).find()) {
      kind = NodeShellException.Kind.UNREACHABLE;
      message = "cannot reach " + target + " over SSH: check the host name, the port, that sshd"
          + " runs on the node and that no firewall is in the way. ssh said:\n" + said;
    } else {
      kind = NodeShellException.Kind.SSH_FAILED;
      message = "ssh to " + target + " failed. ssh said:\n" + said;
    }
    return new NodeShellException(kind, message, 255, null);
  }

  private static final Pattern UNREACHABLE = Pattern.compile(
      "connection refused|could not resolve hostname|connection timed out|no route to host"
          + "|network is unreachable|operation timed out|connection closed by|connection reset"
          + "|kex_exchange_identification|timeout, server not responding|broken pipe"
          + "|name or service not known|temporary failure in name resolution");

  private String nodeTempFile(String prefix) throws NodeShellException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    invoke(List.of("mktemp", "-t", prefix + ".XXXXXXXXXX"), null, out, settings.connectTimeout.plusSeconds(30), null)
        .orThrow("creating a temp file on the node (mktemp) failed");
    String path = out.toString(StandardCharsets.UTF_8).strip();
    if (!path.startsWith("/") || path.contains("\n")) {
      throw new NodeShellException(NodeShellException.Kind.UNEXPECTED_OUTPUT,
          "mktemp on " + target() + " answered '" + abbreviate(path, 200) + "', not a path", null);
    }
    return path;
  }

  private void removeNodeFile(String path, int vmid, NodeShellException pending)
      throws NodeShellException {
    try {
      invoke(List.of("rm", "-f", "--", path), null, OutputStream.nullOutputStream(),
              settings.connectTimeout.plusSeconds(30), vmid)
          .orThrow("removing the temp file " + path + " failed; remove it by hand");
    } catch (NodeShellException e) {
      if (pending != null) {
        pending.addSuppressed(e);
      } else {
        throw e;
      }
    }
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

  private static String tail(String stderr, String stdout) {
    String text = (stderr.isBlank() ? stdout : stderr).strip();
    if (text.isEmpty()) {
      return "";
    }
    if (text.length() > LOG_TAIL) {
      text = "…" + text.substring(text.length() - LOG_TAIL);
    }
    return ":\n" + text;
  }

  private static String lastChars(String s, int max) {
    return s.length() <= max ? s : "…" + s.substring(s.length() - max);
  }

  private static String abbreviate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "…";
  }

  private static void checkArgv(List<String> argv) {
    if (argv == null || argv.isEmpty()) {
      throw new IllegalArgumentException("argv must hold at least the program to run");
    }
    for (int i = 0; i < argv.size(); i++) {
      ShellQuoting.checkArgument(argv.get(i), i);
    }
    if (argv.get(0).isEmpty()) {
      throw new IllegalArgumentException("argv[0], the program to run, must not be empty");
    }
  }

  private static String containerPath(String path, String what) {
    if (path == null || !path.startsWith("/")) {
      throw new IllegalArgumentException(
          what + " '" + path + "' must be an absolute path inside the container, e.g. /etc/app.conf");
    }
    ShellQuoting.checkArgument(path, 0);
    return path;
  }

  private static <T> T notNull(T value, String what) {
    if (value == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    return value;
  }

  static Duration positive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be a positive duration, got " + d);
    }
    return d;
  }

  private static long ceilSeconds(Duration d) {
    return (d.toMillis() + 999) / 1000;
  }

  /** A duration as {@code timeout(1)} reads it: decimal seconds with millisecond precision. */
  static String seconds(Duration d) {
    long ms = d.toMillis();
    return String.format(Locale.ROOT, "%d.%03ds", ms / 1000, ms % 1000);
  }

  private static String describe(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  // ---------------------------------------------------------------- builder

  enum HostKeys { STRICT, ACCEPT_NEW, INSECURE }

  /** Options that {@link Builder#option} may not set, with the builder method to use instead. */
  private static final Map<String, String> MANAGED = Map.ofEntries(
      Map.entry("batchmode", "(always yes: NodeShell never prompts)"),
      Map.entry("stricthostkeychecking", "strictHostKeyChecking(), acceptNewHostKeys() or insecureIgnoreHostKeys(reason)"),
      Map.entry("userknownhostsfile", "knownHostsFile(path)"),
      Map.entry("globalknownhostsfile", "knownHostsFile(path)"),
      Map.entry("controlmaster", "multiplexing(boolean)"),
      Map.entry("controlpath", "multiplexing(boolean)"),
      Map.entry("controlpersist", "controlPersist(duration)"),
      Map.entry("connecttimeout", "connectTimeout(duration)"),
      Map.entry("identityfile", "identityFile(path)"),
      Map.entry("port", "port(int)"),
      Map.entry("user", "user(name)"),
      Map.entry("loglevel", "(NodeShell reads ssh's log to tell its failures apart)"),
      Map.entry("requesttty", "(a pseudo-terminal would mix stdout and stderr)"),
      Map.entry("remotecommand", "run(argv, …)"),
      Map.entry("localcommand", "(not supported)"),
      Map.entry("permitlocalcommand", "(not supported)"),
      Map.entry("sessiontype", "(not supported)"),
      Map.entry("stdinnull", "(not supported)"),
      Map.entry("forkafterauthentication", "(not supported)"));

  private static final Pattern HOST = Pattern.compile("[^\\s\\-@'\"\\\\][^\\s@'\"\\\\]*");
  private static final Pattern USER = Pattern.compile("[A-Za-z0-9_.][A-Za-z0-9_.@-]{0,63}");
  private static final Pattern OPTION_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9]*");

  /**
   * Settings of a {@link NodeShell}. Only the host is required; unset user and port come from the
   * user's ssh config (then ssh's defaults: the local user name, port 22).
   */
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
    private boolean sudo;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration commandTimeout = Duration.ofMinutes(10);
    private final Map<String, String> extraOptions = new java.util.LinkedHashMap<>();
    private String ssh = "ssh";
    private boolean asciiOnly = !ShellQuoting.platformPassesUtf8();

    private Builder() {}

    /** Forces ASCII-only command lines (tests reach the non-UTF-8 path with it). */
    Builder asciiOnlyCommandLines(boolean enabled) {
      this.asciiOnly = enabled;
      return this;
    }

    /** The node's host name or address (or a Host alias from ssh_config). */
    public Builder host(String host) {
      if (host == null || !HOST.matcher(host).matches()) {
        throw new IllegalArgumentException(
            "host '" + host + "' is not a host name, address or ssh_config alias (no spaces,"
                + " quotes or '@', not starting with '-'); give the user with user(…)");
      }
      this.host = host;
      return this;
    }

    /** The SSH port; unset, ssh_config's or 22. */
    public Builder port(int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port " + port + " is not a TCP port (1-65535)");
      }
      this.port = port;
      return this;
    }

    /** The login user, e.g. {@code root} (PVE's CLI tools need root, or {@link #sudo()}). */
    public Builder user(String user) {
      if (user == null || !USER.matcher(user).matches()) {
        throw new IllegalArgumentException(
            "user '" + user + "' is not a login name (letters, digits, '_', '.', '-', '@')");
      }
      this.user = user;
      return this;
    }

    /** The private key to log in with ({@code -i}); only this key is offered then. */
    public Builder identityFile(Path file) {
      this.identityFile = existingFile(file, "identity file");
      return this;
    }

    /** The known_hosts file that holds the node's host key, instead of ssh_config's. */
    public Builder knownHostsFile(Path file) {
      if (file == null || file.toString().indexOf('"') >= 0) {
        throw new IllegalArgumentException("known_hosts file must be a path without '\"'");
      }
      this.knownHostsFile = file;
      return this;
    }

    /** An ssh_config file to use instead of {@code ~/.ssh/config} ({@code -F}). */
    public Builder sshConfig(Path file) {
      this.configFile = existingFile(file, "ssh config file");
      return this;
    }

    /** Refuse a node whose host key is unknown or different (the default). */
    public Builder strictHostKeyChecking() {
      this.hostKeys = HostKeys.STRICT;
      this.insecureReason = null;
      return this;
    }

    /**
     * Record an unknown node's host key on first contact ({@code StrictHostKeyChecking=accept-new});
     * a changed key is still refused. For nodes first reached over a network you trust.
     */
    public Builder acceptNewHostKeys() {
      this.hostKeys = HostKeys.ACCEPT_NEW;
      this.insecureReason = null;
      return this;
    }

    /**
     * Accept any host key, recording none. Anyone on the path can then impersonate the node and
     * read everything sent to it, pushed files included. The reason is required and logged as a
     * warning whenever a shell is built this way.
     */
    public Builder insecureIgnoreHostKeys(String reason) {
      if (reason == null || reason.isBlank()) {
        throw new IllegalArgumentException(
            "turning host-key checking off needs a reason, e.g. \"throw-away lab on an isolated"
                + " network\"; prefer knownHostsFile(…) or acceptNewHostKeys()");
      }
      this.hostKeys = HostKeys.INSECURE;
      this.insecureReason = reason;
      return this;
    }

    /**
     * Keep one master connection and run every command over it (the default), so a command
     * costs one round trip instead of a new SSH handshake.
     */
    public Builder multiplexing(boolean enabled) {
      this.multiplexing = enabled;
      return this;
    }

    /** How long the master connection stays open after the last command. Default 60 s. */
    public Builder controlPersist(Duration idle) {
      this.controlPersist = positive(idle, "controlPersist");
      return this;
    }

    /** Run every remote command through {@code sudo -n --}, for a non-root login. */
    public Builder sudo() {
      return sudo(true);
    }

    public Builder sudo(boolean enabled) {
      this.sudo = enabled;
      return this;
    }

    /** How long ssh may take to connect. Default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /**
     * The deadline of each remote command of a typed operation ({@code pctPush}, {@code pctSet},
     * …) and of {@link #run(List)}. Default 10 minutes.
     */
    public Builder commandTimeout(Duration timeout) {
      this.commandTimeout = positive(timeout, "commandTimeout");
      return this;
    }

    /**
     * An extra ssh option ({@code -o key=value}), e.g. {@code option("ProxyJump", "bastion")}.
     * Options this builder manages are refused with the method to use instead.
     */
    public Builder option(String key, String value) {
      if (key == null || !OPTION_NAME.matcher(key).matches()) {
        throw new IllegalArgumentException("'" + key + "' is not an ssh option name");
      }
      String managed = MANAGED.get(key.toLowerCase(Locale.ROOT));
      if (managed != null) {
        throw new IllegalArgumentException(
            "ssh option " + key + " is set by NodeShell; use " + managed);
      }
      if (value == null || value.isEmpty() || value.chars().anyMatch(c -> c == '\n' || c == '\r' || c == 0)) {
        throw new IllegalArgumentException("the value of ssh option " + key + " must be one non-empty line");
      }
      extraOptions.put(key, value);
      return this;
    }

    /** The OpenSSH client to run. Default {@code ssh} from the PATH. */
    public Builder sshExecutable(String executable) {
      this.ssh = Checks.singleLine(executable, "ssh executable");
      return this;
    }

    /**
     * Creates the shell and its private control directory (mode 0700); connects lazily, on the
     * first command.
     */
    public NodeShell build() {
      if (host == null) {
        throw new IllegalStateException("no host: call host(\"pve1.example\")");
      }
      if (hostKeys == HostKeys.INSECURE) {
        LOG.warn("NodeShell for {}: host-key checking is OFF ({}); anyone on the path can"
            + " impersonate the node", host, insecureReason);
      }
      Builder copy = copy();
      return new NodeShell(copy, controlDirectory());
    }

    private Builder copy() {
      Builder b = new Builder();
      b.host = host;
      b.port = port;
      b.user = user;
      b.identityFile = identityFile;
      b.knownHostsFile = knownHostsFile;
      b.configFile = configFile;
      b.hostKeys = hostKeys;
      b.insecureReason = insecureReason;
      b.multiplexing = multiplexing;
      b.controlPersist = controlPersist;
      b.sudo = sudo;
      b.connectTimeout = connectTimeout;
      b.commandTimeout = commandTimeout;
      b.extraOptions.putAll(extraOptions);
      b.ssh = ssh;
      b.asciiOnly = asciiOnly;
      return b;
    }

    /**
     * A private directory for the control socket and ssh's logs. Unix sockets have a ~104-byte
     * path limit, so /tmp is preferred over a possibly long java.io.tmpdir.
     */
    private static Path controlDirectory() {
      Set<java.nio.file.attribute.PosixFilePermission> owner = PosixFilePermissions.fromString("rwx------");
      List<Path> candidates = new ArrayList<>();
      candidates.add(Path.of("/tmp"));
      candidates.add(Path.of(System.getProperty("java.io.tmpdir")));
      IOException last = null;
      for (Path base : candidates) {
        if (!Files.isDirectory(base)) {
          continue;
        }
        try {
          Path dir = Files.createTempDirectory(base, "pvd-ssh-", PosixFilePermissions.asFileAttribute(owner));
          // ssh appends ".XXXXXXXXXXXXXXXX" to the socket path while it creates it.
          if (dir.resolve("mux").toString().getBytes(StandardCharsets.UTF_8).length + 17 <= 100) {
            return dir;
          }
          Files.delete(dir);
        } catch (IOException | UnsupportedOperationException e) {
          last = e instanceof IOException ? (IOException) e : new IOException(e);
        }
      }
      throw new IllegalStateException(
          "cannot create a private directory with a short path for ssh's control socket in /tmp"
              + " or java.io.tmpdir" + (last == null ? "" : ": " + last.getMessage()), last);
    }

    private static Path existingFile(Path file, String what) {
      if (file == null) {
        throw new IllegalArgumentException(what + " must not be null");
      }
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException(what + " " + file + " does not exist or is not a file");
      }
      return file;
    }

    @Override
    public String toString() {
      return "NodeShell.Builder[" + (user == null ? "" : user + "@") + host
          + (port == 0 ? "" : ":" + port) + "]";
    }
  }
}
