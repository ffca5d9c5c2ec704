package io.pvedeploy.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pvedeploy.deploy.DeployException;
import io.pvedeploy.deploy.GuestSsh;
import io.pvedeploy.docker.LocalShell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestSshAccessTest {
  @TempDir Path tmp;

  private Path keygen(String name) throws Exception {
    Path key = tmp.resolve(name);
    LocalShell.create().run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "c@" + name, "-f", key.toString())
        .orThrow("ssh-keygen (apt-get install openssh-client)");
    return key;
  }

  @Test
  void theFingerprintIsTheOneSshKeygenPrints() throws Exception {
    Path key = keygen("k1");
    String printed = LocalShell.create().run("ssh-keygen", "-l", "-E", "sha256", "-f", key + ".pub")
        .orThrow("ssh-keygen -l").stdoutText().split(" ")[1];
    String line = Files.readString(Path.of(key + ".pub")).strip();

    assertThat(GuestSshAccess.fingerprint(line)).isEqualTo(printed).startsWith("SHA256:");
    assertThat(GuestSshAccess.fingerprint("10.0.0.5 " + line)).isEqualTo(printed);
  }

  @Test
  void theCreateTaskLogGivesOneFingerprintPerKey() {
    List<String> log = List.of(
        "extracting archive '/var/lib/vz/template/cache/debian-12-standard_12.7-1_amd64.tar.zst'",
        "Creating SSH host key 'ssh_host_rsa_key' - this may take some time ...",
        "done: SHA256:qhSpHOY9VQGm5h4dF0Q7Yy8v9Ixq1bXwQ2LbJd7mFc8 root@web",
        "Creating SSH host key 'ssh_host_ed25519_key' - this may take some time ...",
        "done: SHA256:2lLwfyx4vLxJ1o1UgvOQ7kCuBOzsQ1yP9o8C0R0S2Ck root@web",
        "done: not a fingerprint",
        "TASK OK");

    assertThat(GuestSshAccess.fingerprintsFromTaskLog(log)).containsExactly(
        "SHA256:qhSpHOY9VQGm5h4dF0Q7Yy8v9Ixq1bXwQ2LbJd7mFc8", "SHA256:2lLwfyx4vLxJ1o1UgvOQ7kCuBOzsQ1yP9o8C0R0S2Ck");
  }

  @Test
  void recordingReplacesTheAddresssEntriesKeepsTheRestAndIsPrivate() throws Exception {
    Path known = tmp.resolve("dir/known_hosts");
    Files.createDirectories(known.getParent());
    Files.write(known, List.of("10.0.0.5 ssh-ed25519 AAAAold", "10.0.0.50 ssh-ed25519 AAAAkeep",
        "[10.0.0.5]:2222 ssh-ed25519 AAAAotherport", "host.example,10.0.0.5 ssh-rsa AAAAalias"));
    GuestSsh ssh = GuestSsh.builder().identityFile(tmp.resolve("id")).knownHostsFile(known).build();

    GuestSshAccess.record(ssh, "10.0.0.5", List.of("ssh-ed25519 AAAAnew1", "ecdsa-sha2-nistp256 AAAAnew2"));

    assertThat(Files.readAllLines(known)).containsExactly("10.0.0.50 ssh-ed25519 AAAAkeep",
        "[10.0.0.5]:2222 ssh-ed25519 AAAAotherport", "10.0.0.5 ssh-ed25519 AAAAnew1",
        "10.0.0.5 ecdsa-sha2-nistp256 AAAAnew2");
    assertThat(Files.getPosixFilePermissions(known)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

    GuestSsh onPort = GuestSsh.builder().identityFile(tmp.resolve("id")).knownHostsFile(known).port(2222).build();
    GuestSshAccess.record(onPort, "10.0.0.5", List.of("ssh-ed25519 AAAAp"));
    assertThat(Files.readAllLines(known)).contains("[10.0.0.5]:2222 ssh-ed25519 AAAAp")
        .doesNotContain("[10.0.0.5]:2222 ssh-ed25519 AAAAotherport").contains("10.0.0.5 ssh-ed25519 AAAAnew1");
  }

  @Test
  void pinningTakesOnlyPublicKeyLines() throws Exception {
    Path known = tmp.resolve("known_hosts");
    GuestSsh ssh = GuestSsh.builder().identityFile(tmp.resolve("id")).knownHostsFile(known).build();

    GuestSshAccess.pin(ssh, "10.0.0.7", List.of("ssh-ed25519 AAAAC3Nza root@web", "cat: no such file", ""));

    assertThat(Files.readAllLines(known)).containsExactly("10.0.0.7 ssh-ed25519 AAAAC3Nza");
    assertThatThrownBy(() -> GuestSshAccess.pin(ssh, "10.0.0.8", List.of("cat: /etc/ssh/ssh_host_*_key.pub: No such file")))
        .isInstanceOf(DeployException.class).hasMessageContaining("no SSH host keys");
  }

  @Test
  void aMissingOrForeignPublicKeyIsReportedWithHowToMakeIt() throws Exception {
    GuestSsh missing = GuestSsh.builder().identityFile(tmp.resolve("nokey")).knownHostsFile(tmp.resolve("kh")).build();
    assertThatThrownBy(() -> GuestSshAccess.publicKey(missing)).isInstanceOf(DeployException.class)
        .hasMessageContaining(tmp.resolve("nokey.pub").toString()).hasMessageContaining("ssh-keygen -y -f");

    Path key = keygen("k2");
    GuestSsh good = GuestSsh.builder().identityFile(key).knownHostsFile(tmp.resolve("kh")).build();
    assertThat(GuestSshAccess.publicKey(good)).startsWith("ssh-ed25519 AAAA").endsWith("c@k2");

    Files.writeString(Path.of(key + ".pub"), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    assertThatThrownBy(() -> GuestSshAccess.publicKey(good)).isInstanceOf(DeployException.class)
        .hasMessageContaining("does not hold one OpenSSH public key");
  }

  @Test
  void settingsAreCheckedWhenBuilt() {
    assertThatThrownBy(() -> GuestSsh.builder().identityFile(tmp).knownHostsFile(tmp).user("Root; rm").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a user name");
    assertThatThrownBy(() -> GuestSsh.builder().identityFile(tmp).knownHostsFile(tmp).port(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1-65535");
    assertThatThrownBy(() -> GuestSsh.builder().acceptNewHostKeys(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reason");
    assertThat(GuestSsh.builder().identityFile(tmp.resolve("id_ed25519")).knownHostsFile(tmp).build().publicKeyFile())
        .isEqualTo(tmp.resolve("id_ed25519.pub"));
  }
}
