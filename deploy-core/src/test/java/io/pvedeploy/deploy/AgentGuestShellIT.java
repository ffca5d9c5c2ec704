package io.pvedeploy.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pvedeploy.docker.Exec;
import io.pvedeploy.docker.ExecResult;
import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.docker.GuestShellContract;
import io.pvedeploy.docker.GuestShellException;
import io.pvedeploy.proxmox.AgentExecStatus;
import io.pvedeploy.proxmox.ConfigUpdate;
import io.pvedeploy.proxmox.Qemu;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link AgentGuestShell} (the QEMU guest agent through the PVE API) passes the shell contract
 * against the sandbox's VM, whose inside runs Debian's real qemu-ga.
 */
@ExtendWith(SandboxContainer.class)
class AgentGuestShellIT extends GuestShellContract {

  @Override
  protected GuestShell shell() {
    try {
      return AgentGuestShell.of(SandboxContainer.vm());
    } catch (Exception e) {
      throw new IllegalStateException("the sandbox VM could not be made", e);
    }
  }

  @Override
  protected Duration timeout() {
    return Duration.ofSeconds(120);
  }

  @Test
  void itIsRootInTheVmAndSaysWhere() throws Exception {
    assertThat(shell().run("id", "-u").stdoutText().strip()).isEqualTo("0");
    assertThat(shell().target()).isEqualTo("VM 152 on pve1 (guest agent)");
  }

  @Test
  void outputLargerThanTheInlineLimitIsFetchedInSlicesIntact() throws Exception {
    // 10 MiB + 3 of stdout (more than one exec-status answer carries) and a little stderr.
    int size = 10 * 1024 * 1024 + 3;
    ExecResult r = shell().run(Exec.builder("sh", "-c", "head -c \"$1\" /dev/urandom | tee \"$2\"; echo done >&2",
        "sh", String.valueOf(size), scratch + "/big").timeout(timeout()).build());
    assertThat(r.exitCode()).as(r.stderrText()).isZero();
    assertThat(r.stdout()).hasSize(size);
    assertThat(r.stderrText()).isEqualTo("done\n");
    assertThat(Arrays.equals(shell().read(scratch + "/big"), r.stdout())).isTrue();
    assertThat(leftovers()).as("no private directory left behind").isEmpty();
  }

  @Test
  void stdinAtTheInlineLimitAndJustAboveArrivesIntact() throws Exception {
    for (int size : new int[] {AgentGuestShell.INLINE_STDIN_BYTES, AgentGuestShell.INLINE_STDIN_BYTES + 1,
        io.pvedeploy.proxmox.Agent.MAX_FILE_WRITE_BYTES, io.pvedeploy.proxmox.Agent.MAX_FILE_WRITE_BYTES + 1}) {
      byte[] data = random(size, size);
      ExecResult r = shell().run(Exec.builder("cat").stdin(data).timeout(timeout()).build());
      assertThat(Arrays.equals(r.stdout(), data)).as("%d bytes echoed intact", size).isTrue();
    }
    assertThat(leftovers()).as("no staged stdin left behind").isEmpty();
  }

  @Test
  void aCommandThatStopsReadingEarlyStillEndsAndCleansUp() throws Exception {
    byte[] data = random(512 * 1024, 9);
    ExecResult r = shell().run(Exec.builder("head", "-c", "10").stdin(data).timeout(timeout()).build());
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).isEqualTo(Arrays.copyOf(data, 10));
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void sinksGetTheOutputWhenTheCommandEnds() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = shell().exec(Exec.of("printf", "\\377\\000é"), out, err);
    assertThat(code).isZero();
    assertThat(out.toByteArray()).containsExactly(0xff, 0, 0xc3, 0xa9);
    assertThat(err.toByteArray()).isEmpty();
  }

  /**
   * Why the wrapper base64-encodes, as PVE does it (and the sandbox after it): the agent's own
   * out-data prints each byte as the character of the same number (Latin-1), so 0xff is "ÿ" and
   * UTF-8 "é" comes back as "Ã©"; input-data takes characters up to U+00FF as one byte each and
   * refuses anything beyond. Only ASCII passes both ways unchanged.
   */
  @Test
  void theAgentsOwnTextFieldsAreLatin1NotUtf8() throws Exception {
    io.pvedeploy.proxmox.Agent agent = SandboxContainer.vm().agent();
    AgentExecStatus raw = agent.run(List.of("printf", "\\377A\\303\\251"), null, Duration.ofSeconds(30));
    assertThat(raw.stdout()).isEqualTo("\u00ffA\u00c3\u00a9");
    AgentExecStatus latin1 = agent.run(List.of("od", "-An", "-tx1"), "\u00e9", Duration.ofSeconds(30));
    assertThat(latin1.stdout().strip()).as("é went in as the one byte 0xe9").isEqualTo("e9");
    assertThatThrownBy(() -> agent.exec(List.of("cat"), "\u65e5\u672c"))
        .isInstanceOf(io.pvedeploy.proxmox.ProxmoxException.class)
        .hasMessageContaining("Wide character");
  }

  @Test
  void aVmWhoseAgentIsOffIsAClearUnreachableError() throws Exception {
    Qemu vm = SandboxContainer.vm();
    vm.updateConfig(ConfigUpdate.builder().set("agent", "0").build());
    try {
      assertThatThrownBy(() -> shell().run("true"))
          .isInstanceOf(GuestShellException.class)
          .satisfies(e -> assertThat(((GuestShellException) e).reason()).isEqualTo(GuestShellException.Reason.UNREACHABLE))
          .hasMessageContaining("the QEMU guest agent in VM 152 does not answer: install and start"
              + " qemu-guest-agent in the VM and set agent=1 in its config");
    } finally {
      vm.updateConfig(ConfigUpdate.builder().set("agent", "1").build());
    }
  }

  @Test
  void aVmThatDoesNotExistIsAnErrorNamingIt() throws Exception {
    Qemu missing = SandboxContainer.get().pve().nodes().node("pve1").qemu(159);
    assertThatThrownBy(() -> AgentGuestShell.of(missing).run("true"))
        .isInstanceOf(GuestShellException.class)
        .hasMessageContaining("VM 159 on pve1");
  }

  @Test
  void nullsAreRefused() {
    assertThatThrownBy(() -> AgentGuestShell.of(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("qemu(vmid)");
    assertThatThrownBy(() -> shell().exec(null, new ByteArrayOutputStream(), new ByteArrayOutputStream()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Private directories in the guest's /tmp, but for the one of the command listing them. */
  private List<String> leftovers() throws Exception {
    ExecResult ls = shell().run("sh", "-c", "own=$(readlink /proc/$$/fd/1); for d in /tmp/pvd-agent.*; do"
        + " [ -e \"$d\" ] && [ \"$d/out\" != \"$own\" ] && echo \"$d\"; done; true");
    return ls.stdoutText().lines().toList();
  }
}
