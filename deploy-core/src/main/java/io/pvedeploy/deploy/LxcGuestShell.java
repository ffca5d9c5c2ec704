package io.pvedeploy.deploy;

import io.pvedeploy.docker.CommandTimeoutException;
import io.pvedeploy.docker.Exec;
import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.docker.GuestShellException;
import io.pvedeploy.proxmox.NodeShell;
import io.pvedeploy.proxmox.NodeShellException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link GuestShell} into an LXC container, through the node: {@code pct exec VMID -- argv…}
 * over {@link NodeShell}'s SSH connection to the node, as root inside the container. Needs no
 * network path to the guest and nothing installed in it but {@code timeout} (coreutils or
 * BusyBox).
 *
 * <p>The command runs under {@code timeout} <em>inside</em> the container, so a deadline kills
 * it there: killing {@code pct exec} on the node would not reach a process already attached to
 * the container. Files move through {@link GuestShell}'s default {@code put}/{@code read}
 * (stdin and stdout of the command, into a private temp file renamed into place), which is
 * atomic where {@code pct push} is not.
 *
 * <pre>{@code
 * try (NodeShell node = NodeShell.builder().host("pve1.example.org").build()) {
 *   GuestShell ct = LxcGuestShell.of(node, 120);
 *   DockerEngine.on(ct).setup(DaemonConfig.defaults());
 * }
 * }</pre>
 */
public final class LxcGuestShell implements GuestShell {
  /** How long after the in-guest deadline the node's own deadline fires, as a backstop. */
  private static final Duration NODE_SLACK = Duration.ofSeconds(20);
  private static final int KILL_AFTER_SECONDS = 5;

  private final NodeShell node;
  private final int vmid;

  private LxcGuestShell(NodeShell node, int vmid) {
    this.node = node;
    this.vmid = vmid;
  }

  /**
   * A shell into container {@code vmid} on the node {@code node} reaches. The node shell stays
   * the caller's: {@link #close()} does not close it.
   */
  public static LxcGuestShell of(NodeShell node, int vmid) {
    if (node == null) {
      throw new IllegalArgumentException("node shell must not be null");
    }
    if (vmid < 100 || vmid > 999_999_999) {
      throw new IllegalArgumentException("vmid must be within 100–999999999, got " + vmid);
    }
    return new LxcGuestShell(node, vmid);
  }

  public int vmid() {
    return vmid;
  }

  @Override
  public String target() {
    return "CT " + vmid + " on " + node.host();
  }

  @Override
  public int exec(Exec exec, OutputStream stdout, OutputStream stderr) throws GuestShellException {
    if (exec == null || stdout == null || stderr == null) {
      throw new IllegalArgumentException("exec, stdout and stderr must not be null");
    }
    List<String> argv = new ArrayList<>(List.of("timeout", "-k", String.valueOf(KILL_AFTER_SECONDS),
        seconds(exec.timeout())));
    argv.addAll(exec.argv());
    Duration nodeDeadline = exec.timeout().plusSeconds(KILL_AFTER_SECONDS).plus(NODE_SLACK);
    long started = System.nanoTime();
    int exit;
    try (InputStream stdin = exec.openStdin()) {
      exit = node.pctExec(vmid, argv, stdin, stdout, stderr, nodeDeadline);
    } catch (NodeShellException e) {
      throw translate(exec, e);
    } catch (java.io.IOException e) {
      throw new GuestShellException(GuestShellException.Reason.LOCAL_IO,
          "closing the stdin of " + exec.program() + " for " + target() + " failed: " + e.getMessage(), e);
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
    if ((exit == 124 || exit == 137) && elapsed.compareTo(exec.timeout()) >= 0) {
      throw timeout(exec, "it was killed inside the container");
    }
    return exit;
  }

  private GuestShellException translate(Exec exec, NodeShellException e) {
    GuestShellException.Reason reason = switch (e.kind()) {
      case TIMEOUT -> null;
      case UNREACHABLE -> GuestShellException.Reason.UNREACHABLE;
      case HOST_KEY_MISMATCH -> GuestShellException.Reason.HOST_KEY_CHANGED;
      case HOST_KEY_UNKNOWN -> GuestShellException.Reason.HOST_KEY_UNKNOWN;
      case AUTHENTICATION, SUDO -> GuestShellException.Reason.AUTHENTICATION;
      case LOCAL_IO -> GuestShellException.Reason.LOCAL_IO;
      case SSH_CLIENT -> GuestShellException.Reason.CANNOT_START;
      default -> GuestShellException.Reason.OTHER;
    };
    if (reason == null) {
      return timeout(exec, "the node's deadline passed too (" + e.getMessage() + ")");
    }
    return new GuestShellException(reason, "running " + exec.program() + " in " + target()
        + " through pct exec failed: " + e.getMessage(), e);
  }

  private CommandTimeoutException timeout(Exec exec, String how) {
    return new CommandTimeoutException(exec.program(), exec.timeout(),
        exec.program() + " in " + target() + " did not finish within " + describe(exec.timeout())
            + "; " + how + ". Pass a longer timeout (Exec.builder(…).timeout(…)) if it is just slow");
  }

  /** {@code timeout}'s duration argument: whole or fractional seconds, never 0 (no deadline). */
  static String seconds(Duration d) {
    long millis = Math.max(1, d.toMillis());
    return BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString();
  }

  private static String describe(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  @Override
  public String toString() {
    return "LxcGuestShell[" + target() + "]";
  }
}
