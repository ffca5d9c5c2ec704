package io.pvedeploy.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pvedeploy.deploy.AgentGuestShell.Report;
import io.pvedeploy.docker.GuestShellException;
import io.pvedeploy.docker.GuestShellException.Reason;
import io.pvedeploy.proxmox.AgentExecStatus;
import io.pvedeploy.proxmox.AuthenticationException;
import io.pvedeploy.proxmox.ConnectionException;
import io.pvedeploy.proxmox.PermissionDeniedException;
import io.pvedeploy.proxmox.ProxmoxException;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The wrapper's report and PVE's failures, read without a guest. */
class AgentGuestShellTest {
  private static final String TARGET = "VM 152 on pve1 (guest agent)";

  private static AgentExecStatus exited(int code, String out, String err) {
    return new AgentExecStatus(true, Optional.of(code), Optional.empty(), out, err, false, false);
  }

  private static String b64(byte[] bytes) {
    // As coreutils' base64 prints it: lines of 76 characters.
    return Base64.getMimeEncoder(76, new byte[] {'\n'}).encodeToString(bytes) + (bytes.length > 0 ? "\n" : "");
  }

  @Test
  void anInlineReportGivesExitCodeAndBothStreamsByteForByte() throws Exception {
    byte[] out = new byte[300];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) i;
    }
    byte[] err = {(byte) 0xc3, (byte) 0xa9, 0, '\n'};
    String text = "pvd-agent 42 300 4 /tmp/pvd-agent.abc\n" + b64(out) + ".\n" + b64(err);
    Report r = Report.parse(exited(0, text, ""), TARGET, "prog");
    assertThat(r.exitCode()).isEqualTo(42);
    assertThat(r.inline()).isTrue();
    assertThat(r.out()).isEqualTo(out);
    assertThat(r.err()).isEqualTo(err);
  }

  @Test
  void emptyStreamsAreEmpty() throws Exception {
    Report r = Report.parse(exited(0, "pvd-agent 0 0 0 /tmp/pvd-agent.x\n.\n", ""), TARGET, "true");
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEmpty();
    Report onlyErr = Report.parse(exited(0, "pvd-agent 1 0 2 /tmp/pvd-agent.x\n.\n" + b64(new byte[] {'e', '\n'}), ""),
        TARGET, "x");
    assertThat(onlyErr.err()).containsExactly('e', '\n');
  }

  @Test
  void aLargeReportHasSizesAndTheDirectoryButNoContent() throws Exception {
    Report r = Report.parse(exited(0, "pvd-agent 0 10485763 5 /tmp/pvd-agent.q1\n", ""), TARGET, "cat");
    assertThat(r.inline()).isFalse();
    assertThat(r.outSize()).isEqualTo(10485763L);
    assertThat(r.errSize()).isEqualTo(5L);
    assertThat(r.dir()).isEqualTo("/tmp/pvd-agent.q1");
  }

  @Test
  void aWrapperThatFailedBeforeItsReportSaysWhat() {
    assertThatThrownBy(() -> Report.parse(exited(2, "", "pvd-agent: timeout is missing in the guest (install coreutils)\n"),
        TARGET, "docker"))
        .isInstanceOf(GuestShellException.class)
        .hasMessageContaining("docker").hasMessageContaining(TARGET).hasMessageContaining("timeout is missing")
        .satisfies(e -> assertThat(((GuestShellException) e).reason()).isEqualTo(Reason.CANNOT_START));
    assertThatThrownBy(() -> Report.parse(new AgentExecStatus(true, Optional.empty(), Optional.of(9), "", "", false, false),
        TARGET, "docker"))
        .hasMessageContaining("signal 9");
  }

  @Test
  void garbledOrTruncatedOutputIsRefusedNotPassedOn() {
    assertThatCode(() -> Report.parse(exited(0, "pvd-agent 0 3 0 /tmp/d\nYWJj\n.\n", ""), TARGET, "x"))
        .as("three bytes decoded where the wrapper counted three: fine; now a wrong count")
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> Report.parse(exited(0, "pvd-agent 0 4 0 /tmp/d\nYWJj\n.\n", ""), TARGET, "x"))
        .isInstanceOf(GuestShellException.class).hasMessageContaining("garbled");
    assertThatThrownBy(() -> Report.parse(exited(0, "pvd-agent 0 3 0 /tmp/d\nYWJj\n", ""), TARGET, "x"))
        .isInstanceOf(GuestShellException.class).hasMessageContaining("'.'");
    assertThatThrownBy(() -> Report.parse(new AgentExecStatus(true, Optional.of(0), Optional.empty(), "pvd-agent", "",
        true, false), TARGET, "x"))
        .isInstanceOf(GuestShellException.class).hasMessageContaining("16 MiB");
  }

  @Test
  void pveFailuresBecomeReasonsWithWhatToDo() {
    GuestShellException agentDown = AgentGuestShell.translate(
        pve(500, "QEMU guest agent is not running"), "running docker", 152, TARGET);
    assertThat(agentDown.reason()).isEqualTo(Reason.UNREACHABLE);
    assertThat(agentDown.getMessage()).contains("the QEMU guest agent in VM 152 does not answer: install and start"
        + " qemu-guest-agent in the VM and set agent=1 in its config");
    assertThat(agentDown.getCause()).isNotNull();

    assertThat(AgentGuestShell.translate(pve(500, "No QEMU guest agent configured"), "x", 152, TARGET).getMessage())
        .contains("set agent=1");
    assertThat(AgentGuestShell.translate(pve(500, "VM 152 qmp command 'guest-exec-status' failed - got timeout"),
        "x", 152, TARGET).getMessage()).contains("does not answer");

    GuestShellException stopped = AgentGuestShell.translate(pve(500, "VM 152 is not running"), "x", 152, TARGET);
    assertThat(stopped.reason()).isEqualTo(Reason.UNREACHABLE);
    assertThat(stopped.getMessage()).contains("start it");

    assertThat(AgentGuestShell.translate(new AuthenticationException("401 no ticket", null), "x", 152, TARGET).reason())
        .isEqualTo(Reason.AUTHENTICATION);
    GuestShellException denied = AgentGuestShell.translate(new PermissionDeniedException("403 Permission check failed",
        403, "POST", "/nodes/pve1/qemu/152/agent/exec", "Permission check failed", "/vms/152",
        "VM.GuestAgent.Unrestricted"), "x", 152, TARGET);
    assertThat(denied.reason()).isEqualTo(Reason.AUTHENTICATION);
    assertThat(denied.getMessage()).contains("VM.GuestAgent.Unrestricted on /vms/152");
    assertThat(AgentGuestShell.translate(new ConnectionException("connect refused", null), "x", 152, TARGET).reason())
        .isEqualTo(Reason.UNREACHABLE);
    assertThat(AgentGuestShell.translate(pve(500, "Agent error: Guest agent command failed, error was 'Failed to"
        + " execute child process \u201c/bin/sh\u201d (No such file or directory)'"), "x", 152, TARGET).reason())
        .isEqualTo(Reason.CANNOT_START);
    GuestShellException other = AgentGuestShell.translate(pve(500, "something new"), "running ls", 152, TARGET);
    assertThat(other.reason()).isEqualTo(Reason.OTHER);
    assertThat(other.getMessage()).startsWith("running ls in " + TARGET + " failed: ");
  }

  private static ProxmoxException pve(int status, String said) {
    return new ProxmoxException("POST /nodes/pve1/qemu/152/agent/exec failed: " + said + " (HTTP " + status + ").",
        status, "POST", "/nodes/pve1/qemu/152/agent/exec", said, null);
  }
}
