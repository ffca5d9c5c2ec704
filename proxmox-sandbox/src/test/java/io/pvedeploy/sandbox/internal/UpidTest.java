package io.pvedeploy.sandbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UpidTest {
  @Test
  void formatsLikePveWithUpperCaseZeroPaddedHex() {
    Upid u = new Upid("pve1", 0x1a2b, 0x3c4d5e, 1764000000L, "vzcreate", "101", "root@pam!sandbox");
    assertThat(u.toString()).isEqualTo("UPID:pve1:00001A2B:003C4D5E:69248100:vzcreate:101:root@pam!sandbox:");
  }

  @Test
  void parsesItsOwnFormatAndPveExamples() {
    Upid u = Upid.parse("UPID:pve2:000C1A2B:0567ABCD:6740F1C3:vzdump::root@pam:");
    assertThat(u).isEqualTo(new Upid("pve2", 0xC1A2B, 0x567ABCD, 0x6740F1C3L, "vzdump", "", "root@pam"));
    assertThat(Upid.parse(u.toString())).isEqualTo(u);
    assertThat(Upid.parse("UPID:pve1:123:00000001:00000001:x:1:root@pam:")).isNull();
    assertThat(Upid.parse("not a upid")).isNull();
  }
}
