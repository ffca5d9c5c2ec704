package io.pvedeploy.deploy;

import io.pvedeploy.docker.CommandTimeoutException;
import io.pvedeploy.docker.Exec;
import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.docker.GuestShellException;
import io.pvedeploy.docker.GuestShellException.Reason;
import io.pvedeploy.proxmox.Agent;
import io.pvedeploy.proxmox.AgentExecStatus;
import io.pvedeploy.proxmox.AuthenticationException;
import io.pvedeploy.proxmox.ConnectionException;
import io.pvedeploy.proxmox.PermissionDeniedException;
import io.pvedeploy.proxmox.ProxmoxException;
import io.pvedeploy.proxmox.ProxyException;
import io.pvedeploy.proxmox.Qemu;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A {@link GuestShell} into a QEMU VM through its guest agent, over the PVE API alone: {@code
 * POST …/agent/exec}, polling {@code GET …/agent/exec-status}, and {@code POST …/agent/file-write}
 * for stdin. Needs no network path to the VM and no SSH anywhere, only {@code agent=1} in the VM's
 * config, {@code qemu-guest-agent} running inside, and the privilege {@code
 * VM.GuestAgent.Unrestricted} on {@code /vms/VMID}. Commands run as the agent's user (root).
 *
 * <pre>{@code
 * Qemu vm = pve.nodes().node("pve1").qemu(152);
 * GuestShell shell = AgentGuestShell.of(vm);
 * DockerEngine.on(shell).setup(DaemonConfig.defaults());
 * }</pre>
 *
 * <p><b>How bytes stay bytes.</b> The agent runs an argv without a shell, but PVE hands back a
 * command's output as a JSON <em>string</em>: it base64-decodes what qemu-ga sends and prints the
 * raw bytes as if each were a Latin-1 character, so UTF-8 text comes back mangled and a client
 * that reads the string as text cannot tell. Input has the mirror problem ({@code input-data} is
 * decoded as UTF-8, re-encoded as Latin-1, and refused with "Wide character" beyond U+00FF). So
 * every command runs under one constant {@code /bin/sh -c} wrapper (its argv only ever data, in
 * positional parameters) that writes the command's stdout and stderr to files in a private
 * {@code mktemp -d} directory and prints them base64-encoded: pure ASCII, which every layer
 * carries unchanged. Output up to {@value #INLINE_OUTPUT_BYTES} bytes comes back in the one
 * {@code exec-status} answer (qemu-ga caps captured output at 16 MiB); more is fetched in
 * {@value #FETCH_CHUNK_BYTES}-byte slices. Stdin up to {@value #INLINE_STDIN_BYTES} bytes travels
 * base64-encoded as {@code input-data}; more is staged with chunked {@code file-write} (base64,
 * {@code encode=0}, {@link Agent#MAX_FILE_WRITE_BYTES} per call, one file per chunk because
 * file-write truncates) into the private directory and fed to the command through a pipe, each
 * chunk removed once read. The directory is removed when the output has been delivered.
 *
 * <p><b>Output is delivered when the command ends</b>, not as it runs: the agent captures it and
 * hands it over only with the exit status. The sinks get stdout's bytes, then stderr's, from the
 * calling thread. Prefer SSH into the guest (where configured) to follow a long command's output.
 *
 * <p><b>Timeouts.</b> The command runs under {@code timeout -k 5 SECONDS} inside the VM, so the
 * deadline kills it (and its process group) there; this side stops polling a while after the
 * deadline as a backstop. A missing program is exit 127 ({@code timeout} reports it), as with a
 * shell. The guest needs POSIX {@code sh} and coreutils ({@code timeout}, {@code base64},
 * {@code mktemp}, {@code dd}, {@code wc}) or BusyBox's equivalents.
 *
 * <p>Files move through {@link GuestShell}'s default {@code put}/{@code read} (stdin and stdout of
 * a command, a private temp file renamed into place): atomic, with mode and owner, where the
 * agent's own file-write is neither. The shell holds no state and is safe to share between threads.
 */
public final class AgentGuestShell implements GuestShell {
  /** Stdin up to this size goes as {@code input-data} (base64, well under PVE's 64 KiB limit). */
  static final int INLINE_STDIN_BYTES = 32 * 1024;
  /** Stdout plus stderr up to this size come back inline (base64 of it fits qemu-ga's 16 MiB cap). */
  static final int INLINE_OUTPUT_BYTES = 8 * 1024 * 1024;
  /** Larger output is fetched in slices of this size. */
  static final int FETCH_CHUNK_BYTES = 4 * 1024 * 1024;
  private static final int KILL_AFTER_SECONDS = 5;
  /** How long after the in-guest deadline this side stops waiting, as a backstop. */
  private static final Duration POLL_SLACK = Duration.ofSeconds(20);
  /** Deadline of the wrapper's helpers (temp directory, slices of output, cleanup). */
  private static final Duration HELPER_TIMEOUT = Duration.ofMinutes(2);
  private static final long MAX_POLL_PAUSE_MILLIS = 250;
  private static final String SH = "/bin/sh";
  private static final String TEMP_TEMPLATE = "/tmp/pvd-agent.XXXXXXXXXX";
  static final String HEADER = "pvd-agent";

  /**
   * The constant wrapper. {@code $1} stdin mode ({@code none}, {@code inline}: base64 on the
   * wrapper's stdin, {@code staged}: {@code $3} chunk files {@code $2/in.N}); {@code $2} the
   * private directory or empty to make one; {@code $4} the timeout in seconds; {@code $5} the
   * kill-after seconds; {@code $6} the inline output limit; the command's argv after that. Prints
   * {@code pvd-agent EXIT OUTSIZE ERRSIZE DIR}, then, when small enough, base64 of stdout, a line
   * {@code .}, base64 of stderr, and removes the directory.
   */
  static final String WRAPPER = String.join("\n",
      "mode=$1 d=$2 n=$3 t=$4 k=$5 max=$6",
      "shift 6",
      "for tool in timeout base64 mktemp wc; do",
      "  command -v \"$tool\" >/dev/null 2>&1 || { echo \"pvd-agent: $tool is missing in the guest"
          + " (install coreutils)\" >&2; exit 2; }",
      "done",
      "if [ -z \"$d\" ]; then d=$(mktemp -d " + TEMP_TEMPLATE + ") || exit 2; fi",
      "case $mode in",
      "  none) timeout -k \"$k\" \"$t\" \"$@\" </dev/null >\"$d/out\" 2>\"$d/err\" ;;",
      "  inline) base64 -d | timeout -k \"$k\" \"$t\" \"$@\" >\"$d/out\" 2>\"$d/err\" ;;",
      "  staged) i=0",
      "    while [ \"$i\" -lt \"$n\" ]; do cat -- \"$d/in.$i\" || break; rm -f -- \"$d/in.$i\";"
          + " i=$((i + 1)); done | timeout -k \"$k\" \"$t\" \"$@\" >\"$d/out\" 2>\"$d/err\" ;;",
      "  *) echo \"pvd-agent: unknown stdin mode $mode\" >&2; exit 2 ;;",
      "esac",
      "s=$?",
      "o=$(wc -c <\"$d/out\") && e=$(wc -c <\"$d/err\") || exit 2",
      "printf '" + HEADER + " %s %s %s %s\\n' \"$s\" $o $e \"$d\"",
      "if [ $((o + e)) -le \"$max\" ]; then",
      "  base64 <\"$d/out\" && echo . && base64 <\"$d/err\" && rm -rf -- \"$d\"",
      "fi",
      "");

  /** Prints base64 of one slice of the file {@code $1}: block {@code $3} of size {@code $2}. */
  static final String FETCH = "dd if=\"$1\" bs=\"$2\" skip=\"$3\" count=1 2>/dev/null | base64";

  private static final Pattern AGENT_DOWN = Pattern.compile(
      "QEMU guest agent is not running|No QEMU guest agent configured"
          + "|qmp command '[^']*' failed - got timeout");
  private static final Pattern VM_STOPPED = Pattern.compile("VM \\d+ is not running");
  private static final Pattern CANNOT_EXECUTE = Pattern.compile(
      "Failed to execute child process|can't execute command");

  private final Qemu vm;

  private AgentGuestShell(Qemu vm) {
    this.vm = vm;
  }

  /**
   * A shell into the VM {@code vm} ({@code pve.nodes().node("pve1").qemu(152)}). The client
   * behind it stays the caller's: {@link #close()} does not close it.
   */
  public static AgentGuestShell of(Qemu vm) {
    if (vm == null) {
      throw new IllegalArgumentException("the VM handle must not be null: pass pve.nodes().node(name).qemu(vmid)");
    }
    return new AgentGuestShell(vm);
  }

  public int vmid() {
    return vm.vmid();
  }

  @Override
  public String target() {
    return "VM " + vm.vmid() + " on " + vm.node().name() + " (guest agent)";
  }

  @Override
  public int exec(Exec exec, OutputStream stdout, OutputStream stderr) throws GuestShellException {
    if (exec == null || stdout == null || stderr == null) {
      throw new IllegalArgumentException("exec, stdout and stderr must not be null");
    }
    Agent agent = vm.agent();
    Stdin stdin = stageStdin(agent, exec);
    List<String> argv = new ArrayList<>(List.of(SH, "-c", WRAPPER, HEADER, stdin.mode(), stdin.dir(),
        String.valueOf(stdin.chunks()), LxcGuestShell.seconds(exec.timeout()),
        String.valueOf(KILL_AFTER_SECONDS), String.valueOf(INLINE_OUTPUT_BYTES)));
    argv.addAll(exec.argv());
    long started = System.nanoTime();
    Duration backstop = exec.timeout().plusSeconds(KILL_AFTER_SECONDS).plus(POLL_SLACK);
    AgentExecStatus status;
    try {
      status = runToEnd(agent, argv, stdin.inputData(), backstop);
    } catch (ProxmoxException e) {
      removeQuietly(agent, stdin.dir());
      throw translate(e, "running " + exec.program());
    } catch (DeadlinePassed e) {
      throw timeout(exec, "this side stopped waiting " + describe(backstop) + " after it started (the"
          + " in-guest timeout did not end it; it may go on running in the VM, and " + e.getMessage()
          + " with it)");
    }
    Report report = Report.parse(status, target(), exec.program());
    deliver(agent, exec, report, stdout, stderr);
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
    if ((report.exitCode() == 124 || report.exitCode() == 137) && elapsed.compareTo(exec.timeout()) >= 0) {
      throw timeout(exec, "it was killed inside the VM");
    }
    return report.exitCode();
  }

  // ------------------------------------------------------------------ stdin

  /** How the command's stdin reaches the wrapper. */
  record Stdin(String mode, String dir, int chunks, String inputData) {
    static final Stdin NONE = new Stdin("none", "", 0, null);
  }

  private Stdin stageStdin(Agent agent, Exec exec) throws GuestShellException {
    try (InputStream in = exec.openStdin()) {
      if (in == null) {
        return Stdin.NONE;
      }
      byte[] first = in.readNBytes(INLINE_STDIN_BYTES + 1);
      if (first.length == 0) {
        return Stdin.NONE;
      }
      if (first.length <= INLINE_STDIN_BYTES) {
        return new Stdin("inline", "", 0, Base64.getEncoder().encodeToString(first));
      }
      String dir = makeTempDir(agent, exec);
      int chunks = 0;
      try {
        byte[] pending = first;
        int offset = 0;
        byte[] chunk = new byte[Agent.MAX_FILE_WRITE_BYTES];
        while (true) {
          int n = 0;
          while (n < chunk.length && offset < pending.length) {
            int take = Math.min(chunk.length - n, pending.length - offset);
            System.arraycopy(pending, offset, chunk, n, take);
            n += take;
            offset += take;
          }
          if (n < chunk.length) {
            n += in.readNBytes(chunk, n, chunk.length - n);
          }
          if (n == 0) {
            break;
          }
          agent.fileWrite(dir + "/in." + chunks, n == chunk.length ? chunk : Arrays.copyOf(chunk, n));
          chunks++;
          if (n < chunk.length) {
            break;
          }
        }
      } catch (ProxmoxException e) {
        removeQuietly(agent, dir);
        throw translate(e, "staging the stdin of " + exec.program() + " in " + dir);
      } catch (IOException | RuntimeException e) {
        removeQuietly(agent, dir);
        throw e;
      }
      return new Stdin("staged", dir, chunks, null);
    } catch (IOException e) {
      throw new GuestShellException(Reason.LOCAL_IO, "reading the stdin of " + exec.program() + " for "
          + target() + " failed: " + e.getMessage(), e);
    }
  }

  private String makeTempDir(Agent agent, Exec exec) throws GuestShellException {
    AgentExecStatus st = helper(agent, List.of("mktemp", "-d", TEMP_TEMPLATE), "making a private directory"
        + " for the stdin of " + exec.program());
    String dir = st.stdout().strip();
    if (!st.succeeded() || !dir.startsWith("/tmp/pvd-agent.") || dir.contains("\n")) {
      throw new GuestShellException(Reason.CANNOT_START, "mktemp -d in " + target() + " failed (exit "
          + st.exitCode().map(String::valueOf).orElse("?") + "): " + st.stderr().strip(), null);
    }
    return dir;
  }

  // ------------------------------------------------------------------ output

  /** What the wrapper reported: the exit status, the output sizes, and the output if inline. */
  record Report(int exitCode, long outSize, long errSize, String dir, byte[] out, byte[] err) {
    boolean inline() {
      return out != null;
    }

    /** Parses the wrapper's stdout, or says why the wrapper itself failed. */
    static Report parse(AgentExecStatus status, String target, String program) throws GuestShellException {
      if (status.stdoutTruncated() || status.stderrTruncated()) {
        throw new GuestShellException(Reason.OTHER, "the guest agent of " + target + " cut the output of "
            + program + " short (qemu-ga captures at most 16 MiB); this is a bug in AgentGuestShell's"
            + " inline limit", null);
      }
      String text = status.stdout();
      String[] header = text.lines().findFirst().orElse("").strip().split(" +");
      if (!status.exited() || status.exitCode().isEmpty() || status.exitCode().get() != 0
          || header.length != 5 || !header[0].equals(HEADER)) {
        String why = status.signal().map(s -> "was killed by signal " + s)
            .orElseGet(() -> "exited " + status.exitCode().map(String::valueOf).orElse("?"));
        String said = (status.stderr() + text).strip();
        throw new GuestShellException(Reason.CANNOT_START, "the command wrapper for " + program + " in "
            + target + " " + why + " without its report"
            + (said.isEmpty() ? "" : "; it said: " + tail(said)), null);
      }
      try {
        int exit = Integer.parseInt(header[1]);
        long outSize = Long.parseLong(header[2]);
        long errSize = Long.parseLong(header[3]);
        String dir = header[4];
        int body = text.indexOf('\n');
        String rest = body < 0 ? "" : text.substring(body + 1);
        if (rest.isEmpty()) {
          return new Report(exit, outSize, errSize, dir, null, null);
        }
        int dot = rest.startsWith(".\n") ? 0 : rest.indexOf("\n.\n");
        if (dot < 0) {
          throw new IllegalArgumentException("no '.' line between stdout and stderr");
        }
        byte[] out = Base64.getMimeDecoder().decode(rest.substring(0, dot));
        byte[] err = Base64.getMimeDecoder().decode(rest.substring(dot == 0 ? 2 : dot + 3));
        if (out.length != outSize || err.length != errSize) {
          throw new IllegalArgumentException("sizes " + out.length + "/" + err.length + " where the wrapper"
              + " counted " + outSize + "/" + errSize);
        }
        return new Report(exit, outSize, errSize, dir, out, err);
      } catch (IllegalArgumentException e) {
        throw new GuestShellException(Reason.OTHER, "the output of " + program + " came back garbled from "
            + target + ": " + e.getMessage(), e);
      }
    }
  }

  private void deliver(Agent agent, Exec exec, Report report, OutputStream stdout, OutputStream stderr)
      throws GuestShellException {
    try {
      if (report.inline()) {
        write(stdout, report.out(), exec);
        write(stderr, report.err(), exec);
        return;
      }
      fetch(agent, exec, report.dir() + "/out", report.outSize(), stdout);
      fetch(agent, exec, report.dir() + "/err", report.errSize(), stderr);
    } finally {
      if (!report.inline()) {
        removeQuietly(agent, report.dir());
      }
    }
  }

  private void fetch(Agent agent, Exec exec, String file, long size, OutputStream sink) throws GuestShellException {
    for (long block = 0; block * FETCH_CHUNK_BYTES < size; block++) {
      AgentExecStatus st = helper(agent, List.of(SH, "-c", FETCH, "pvd-agent-fetch", file,
          String.valueOf(FETCH_CHUNK_BYTES), String.valueOf(block)), "fetching the output of " + exec.program());
      byte[] bytes;
      try {
        bytes = Base64.getMimeDecoder().decode(st.stdout());
      } catch (IllegalArgumentException e) {
        throw new GuestShellException(Reason.OTHER, "a slice of the output of " + exec.program()
            + " came back garbled from " + target() + ": " + e.getMessage(), e);
      }
      long expected = Math.min(FETCH_CHUNK_BYTES, size - block * FETCH_CHUNK_BYTES);
      if (!st.succeeded() || bytes.length != expected) {
        throw new GuestShellException(Reason.OTHER, "reading back the output of " + exec.program() + " from "
            + file + " in " + target() + " gave " + bytes.length + " bytes where " + expected
            + " were expected: " + st.stderr().strip(), null);
      }
      write(sink, bytes, exec);
    }
  }

  private void write(OutputStream sink, byte[] bytes, Exec exec) throws GuestShellException {
    if (bytes.length == 0) {
      return;
    }
    try {
      sink.write(bytes);
      sink.flush();
    } catch (IOException e) {
      throw new GuestShellException(Reason.LOCAL_IO, "writing the output of " + exec.program() + " from "
          + target() + " to the caller's sink failed: " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------ the agent

  /** Our own deadline passed while the command still ran; the message names its agent pid. */
  private static final class DeadlinePassed extends Exception {
    private static final long serialVersionUID = 1L;

    DeadlinePassed(String message) {
      super(message, null, false, false);
    }
  }

  /** Starts {@code argv} and polls {@code exec-status} until it ends or {@code deadline} passes. */
  private static AgentExecStatus runToEnd(Agent agent, List<String> argv, String inputData, Duration deadline)
      throws ProxmoxException, DeadlinePassed {
    int pid = agent.exec(argv, inputData);
    long end = System.nanoTime() + deadline.toNanos();
    long pause = 10;
    while (true) {
      AgentExecStatus status = agent.execStatus(pid);
      if (status.exited()) {
        return status;
      }
      long left = (end - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw new DeadlinePassed("its wrapper (agent pid " + pid + ")");
      }
      try {
        Thread.sleep(Math.min(pause, left));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ProxmoxException("interrupted while waiting for agent pid " + pid
            + " (it goes on running in the VM)", e);
      }
      pause = Math.min(pause * 2, MAX_POLL_PAUSE_MILLIS);
    }
  }

  /** Runs one of our own helper commands (no stdin, short deadline). */
  private AgentExecStatus helper(Agent agent, List<String> argv, String what) throws GuestShellException {
    try {
      return runToEnd(agent, argv, null, HELPER_TIMEOUT);
    } catch (ProxmoxException e) {
      throw translate(e, what);
    } catch (DeadlinePassed e) {
      throw new GuestShellException(Reason.OTHER, what + " in " + target() + " did not finish within "
          + describe(HELPER_TIMEOUT) + "; " + e.getMessage() + " still runs", null);
    }
  }

  /** Removes our private directory, best effort: a failure here must not hide the result. */
  private void removeQuietly(Agent agent, String dir) {
    if (dir == null || dir.isEmpty()) {
      return;
    }
    try {
      runToEnd(agent, List.of("rm", "-rf", "--", dir), null, HELPER_TIMEOUT);
    } catch (ProxmoxException | DeadlinePassed e) {
      // The directory is private (0700) and under /tmp; leaving it is the lesser harm.
    }
  }

  /** A PVE failure as the shell's failure, with what to do about it. */
  GuestShellException translate(ProxmoxException e, String what) {
    return translate(e, what, vm.vmid(), target());
  }

  static GuestShellException translate(ProxmoxException e, String what, int vmid, String target) {
    String pve = e.pveMessage().orElse("");
    String prefix = what + " in " + target + " failed: ";
    if (e instanceof AuthenticationException || e instanceof PermissionDeniedException) {
      return new GuestShellException(Reason.AUTHENTICATION, prefix + e.getMessage()
          + (e instanceof PermissionDeniedException ? " Running commands through the guest agent needs"
              + " VM.GuestAgent.Unrestricted on /vms/" + vmid + "." : ""), e);
    }
    if (e instanceof ConnectionException || e instanceof ProxyException) {
      return new GuestShellException(Reason.UNREACHABLE, prefix + e.getMessage(), e);
    }
    if (VM_STOPPED.matcher(pve).find()) {
      return new GuestShellException(Reason.UNREACHABLE, prefix + "VM " + vmid + " is not running; start it"
          + " (qemu(" + vmid + ").status().start()) and wait for its guest agent. PVE said: " + pve, e);
    }
    if (AGENT_DOWN.matcher(pve).find()) {
      return new GuestShellException(Reason.UNREACHABLE, prefix + "the QEMU guest agent in VM " + vmid
          + " does not answer: install and start qemu-guest-agent in the VM and set agent=1 in its"
          + " config. PVE said: " + pve, e);
    }
    if (CANNOT_EXECUTE.matcher(pve).find()) {
      return new GuestShellException(Reason.CANNOT_START, prefix + "the guest agent could not start "
          + SH + " (every command runs under it). PVE said: " + pve, e);
    }
    return new GuestShellException(Reason.OTHER, prefix + e.getMessage(), e);
  }

  private CommandTimeoutException timeout(Exec exec, String how) {
    return new CommandTimeoutException(exec.program(), exec.timeout(),
        exec.program() + " in " + target() + " did not finish within " + describe(exec.timeout())
            + "; " + how + ". Pass a longer timeout (Exec.builder(…).timeout(…)) if it is just slow");
  }

  private static String describe(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static String tail(String s) {
    return s.length() > 2000 ? "…" + s.substring(s.length() - 2000) : s;
  }

  @Override
  public String toString() {
    return "AgentGuestShell[" + target() + "]";
  }
}
