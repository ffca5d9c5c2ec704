package io.pvedeploy.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GeneratorsTest {
  private final SecureRandom random = new SecureRandom();

  @Test
  void passwordUsesOnlyItsAlphabetAndLength() {
    String value = Generators.password("abc", 200).generate(random).asString();
    assertThat(value).hasSize(200).matches("[abc]+");
    Set<Character> seen = new HashSet<>();
    value.chars().forEach(c -> seen.add((char) c));
    assertThat(seen).containsExactlyInAnyOrder('a', 'b', 'c');
    assertThat(Generators.password(32).generate(random).asString()).matches("[A-Za-z0-9_-]{32}");
  }

  @Test
  void passwordRefusesBadAlphabetsAndLengths() {
    assertThatThrownBy(() -> Generators.password("aa", 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Generators.password("a b", 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Generators.password(2)).hasMessageContaining("4 to 4096");
  }

  @Test
  void tokens() {
    assertThat(Generators.hex(16).generate(random).asString()).matches("[0-9a-f]{32}");
    assertThat(Generators.base64(32).generate(random).asString()).matches("[A-Za-z0-9_-]{43}");
    assertThat(Generators.bytes(64).generate(random).length()).isEqualTo(64);
    assertThat(Generators.hex(16).generate(random)).isNotEqualTo(Generators.hex(16).generate(random));
  }

  @Test
  void ageKeyPairIsAnAgeKeygenFile() throws Exception {
    Secret keyFile = Generators.ageKeyPair().generate(random);
    String text = keyFile.asString();
    assertThat(text).startsWith("# created: ").contains("\n# public key: age1").contains("\nAGE-SECRET-KEY-1");
    AgeIdentity identity = AgeIdentity.fromSecret(keyFile);
    assertThat(text).contains("# public key: " + identity.recipient().value() + "\n");
    assertThat(identity.toString()).doesNotContain("AGE-SECRET-KEY");
  }

  @Test
  void sshKeyPairInOpenSshFormat() {
    Secret key = Generators.sshEd25519("deploy@app").generate(random);
    String text = key.asString();
    assertThat(text).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n").endsWith("-----END OPENSSH PRIVATE KEY-----\n");
    String publicKey = Generators.sshPublicKey(key);
    assertThat(publicKey).matches("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43} deploy@app");
  }
}
