package io.pvedeploy.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SecretTest {

  @Test
  void neverPrintsItself() {
    Secret s = Secret.ofUtf8("hunter2");
    assertThat(s.toString()).isEqualTo("Secret[***]");
    assertThat(new SecretFile("x", s, 0400, null, null).toString()).doesNotContain("hunter2");
    assertThat(String.valueOf(java.util.List.of(s))).doesNotContain("hunter2");
  }

  @Test
  void copiesInAndOut() {
    byte[] raw = "abc".getBytes(StandardCharsets.UTF_8);
    Secret s = Secret.of(raw);
    raw[0] = 'x';
    byte[] out = s.bytes();
    out[1] = 'y';
    assertThat(s.asString()).isEqualTo("abc");
    assertThat(s.length()).isEqualTo(3);
  }

  @Test
  void equalityByContentWithoutHashLeak() {
    assertThat(Secret.ofUtf8("a")).isEqualTo(Secret.ofUtf8("a")).isNotEqualTo(Secret.ofUtf8("b"));
    assertThat(Secret.ofUtf8("a").hashCode()).isEqualTo(Secret.ofUtf8("b").hashCode());
  }

  @Test
  void destroyZeroesAndRefuses() {
    Secret s = Secret.ofUtf8("value");
    s.destroy();
    assertThat(s.isDestroyed()).isTrue();
    assertThatThrownBy(s::bytes).isInstanceOf(IllegalStateException.class).hasMessageContaining("destroyed");
  }

  @Test
  void nonUtf8ValueSaysSoWithoutBytes() {
    Secret s = Secret.of(new byte[] {(byte) 0xff, (byte) 0xfe});
    assertThatThrownBy(s::asString).isInstanceOf(IllegalStateException.class).hasMessageContaining("bytes()");
  }
}
