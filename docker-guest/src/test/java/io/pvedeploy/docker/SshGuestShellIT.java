package io.pvedeploy.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link SshGuestShell} against the shell contract, through a real sshd on loopback. */
@Tag("integration")
class SshGuestShellIT extends GuestShellContract {
  static SshdFixture sshd;
  static SshGuestShell shell;
  static SshGuestShell asciiShell;

  @BeforeAll
  static void startSshd() throws Exception {
    sshd = SshdFixture.start();
    shell = sshd.shell().build();
    asciiShell = sshd.shell().asciiOnlyCommandLines(true).build();
  }

  @AfterAll
  void stopSshd() throws Exception {
    removeScratchRoot();
    if (shell != null) {
      shell.close();
    }
    if (asciiShell != null) {
      asciiShell.close();
    }
    if (sshd != null) {
      sshd.close();
    }
  }

  @Override
  protected GuestShell shell() {
    return shell;
  }

  @Test
  void commandsShareOneMasterConnection() throws Exception {
    shell.run(Exec.of("true"));
    long before = sshd.acceptedLogins();
    for (int i = 0; i < 5; i++) {
      assertThat(shell.run(Exec.of("true")).exitCode()).isZero();
    }
    assertThat(shell.isMasterConnectionOpen()).isTrue();
    assertThat(sshd.acceptedLogins()).isEqualTo(before);
  }

  @Test
  void theControlDirectoryIsPrivate() throws Exception {
    try (SshGuestShell s = sshd.shell().build()) {
      s.run(Exec.of("true"));
      java.lang.reflect.Field f = SshGuestShell.class.getDeclaredField("controlDir");
      f.setAccessible(true);
      java.nio.file.Path dir = (java.nio.file.Path) f.get(s);
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
          .isEqualTo("rwx------");
      s.close();
      assertThat(Files.exists(dir)).isFalse();
    }
  }

  @Test
  void anUnknownHostKeyIsRefusedByDefault() throws Exception {
    java.nio.file.Path empty = Files.createTempFile("pvd-known-hosts", "");
    try (SshGuestShell s = sshd.shell().knownHostsFile(empty).multiplexing(false).build()) {
      assertThatThrownBy(() -> s.run(Exec.of("true")))
          .isInstanceOf(GuestShellException.class)
          .hasMessageContaining("not known")
          .satisfies(e -> assertThat(((GuestShellException) e).reason())
              .isEqualTo(GuestShellException.Reason.HOST_KEY_UNKNOWN));
    } finally {
      Files.deleteIfExists(empty);
    }
  }

  @Test
  void aRemoteExit255IsTheCommandsOwn() throws Exception {
    assertThat(shell.run(Exec.of("sh", "-c", "exit 255")).exitCode()).isEqualTo(255);
  }

  @Test
  void turningHostKeyCheckingOffNeedsAReason() {
    assertThatThrownBy(() -> SshGuestShell.builder().insecureIgnoreHostKeys(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reason");
  }

  @Test
  void aRefusedConnectionIsUnreachable() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (SshGuestShell s = sshd.shell().port(closedPort).multiplexing(false)
        .connectTimeout(Duration.ofSeconds(2)).build()) {
      assertThatThrownBy(() -> s.run(Exec.of("true")))
          .isInstanceOf(GuestShellException.class)
          .satisfies(e -> assertThat(((GuestShellException) e).reason())
              .isEqualTo(GuestShellException.Reason.UNREACHABLE));
    }
  }

  /**
   * The ASCII-only command lines of a non-UTF-8 JVM ({@code LANG=C}) carry every argument, the
   * non-ASCII ones included, byte for byte.
   */
  @Test
  void asciiOnlyCommandLinesCarryEveryArgumentIntact() throws Exception {
    java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("printf", "%s\\0"));
    argv.addAll(NASTY);
    ExecResult r = asciiShell.run(Exec.of(argv));
    assertThat(splitNul(r.stdout())).containsExactlyElementsOf(NASTY);
    String path = scratch + "/é 🚀 $(x)";
    asciiShell.put(path, new byte[] {7}, FileOptions.defaults());
    assertThat(asciiShell.read(path)).containsExactly(7);
  }
}
