package io.pvedeploy.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generated SSH keys are what OpenSSH's own ssh-keygen reads. */
@Tag("integration")
class OpenSshCliIT {
  @TempDir Path dir;

  @Test
  void sshKeygenDerivesTheSamePublicKey() throws Exception {
    Cli.requireOnPath("ssh-keygen", "apt-get install openssh-client");
    AgeIdentity me = AgeIdentity.generate();
    SecretStore store = SecretStore.create(dir.resolve("s.secrets"), me);
    Secret key = store.getOrGenerate("deploy_key", Generators.sshEd25519("deploy@app"));
    Path written = store.files("deploy_key").mode(0400).writeTo(dir.resolve("keys")).get(0);
    Cli.Result r = Cli.run(List.of("ssh-keygen", "-y", "-f", written.toString()), new byte[0]);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(new String(r.out()).strip()).isEqualTo(Generators.sshPublicKey(key));
    assertThat(Generators.sshEd25519("x").generate(new SecureRandom()).asString()).isNotEqualTo(key.asString());
  }
}
