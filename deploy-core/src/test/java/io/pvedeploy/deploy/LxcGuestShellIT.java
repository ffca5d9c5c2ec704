package io.pvedeploy.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.docker.GuestShellContract;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link LxcGuestShell} (pct exec through the node's sshd) passes the shell contract. */
@ExtendWith(SandboxContainer.class)
class LxcGuestShellIT extends GuestShellContract {

  @Override
  protected GuestShell shell() {
    SandboxContainer.Handle h = SandboxContainer.get();
    return LxcGuestShell.of(h.node(), h.vmid());
  }

  @Override
  protected Duration timeout() {
    return Duration.ofSeconds(120);
  }

  @Test
  void itIsRootInsideAnUnprivilegedContainer() throws Exception {
    assertThat(shell().run("id", "-u").stdoutText().strip()).isEqualTo("0");
    assertThat(shell().run("cat", "/proc/self/uid_map").stdoutText().strip()).matches("0\\s+100000\\s+65536");
    assertThat(shell().target()).isEqualTo("CT 151 on " + SandboxContainer.get().node().host());
  }

  @Test
  void invalidVmidsAndNullsAreRefused() {
    SandboxContainer.Handle h = SandboxContainer.get();
    assertThatThrownBy(() -> LxcGuestShell.of(h.node(), 99)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("100");
    assertThatThrownBy(() -> LxcGuestShell.of(null, 151)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void timeoutArgumentsAreWholeOrFractionalSecondsNeverZero() {
    assertThat(LxcGuestShell.seconds(Duration.ofSeconds(90))).isEqualTo("90");
    assertThat(LxcGuestShell.seconds(Duration.ofMillis(1500))).isEqualTo("1.5");
    assertThat(LxcGuestShell.seconds(Duration.ofNanos(1))).isEqualTo("0.001");
  }
}
