package io.pvedeploy.proxmox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class UpidTest {

  @Test
  void parsesEveryFieldOfAPveUpidAndPrintsItBackByteForByte() {
    String text = "UPID:pve1:0002A3B4:00C0FFEE:6565F1B2:vzcreate:101:root@pam!ci:";
    Upid upid = Upid.parse(text);

    assertThat(upid.node()).isEqualTo("pve1");
    assertThat(upid.pid()).isEqualTo(0x2A3B4);
    assertThat(upid.processStart()).isEqualTo(0xC0FFEE);
    assertThat(upid.startTime()).isEqualTo(Instant.ofEpochSecond(0x6565F1B2L));
    assertThat(upid.type()).isEqualTo("vzcreate");
    assertThat(upid.id()).isEqualTo("101");
    assertThat(upid.user()).isEqualTo("root@pam!ci");
    assertThat(upid.vmid()).contains(101);
    assertThat(upid.toString()).isEqualTo(text);
  }

  @Test
  void acceptsAnEmptyIdAndAPlainUser() {
    Upid upid = Upid.parse("UPID:node-2:00001234:00000001:00000002:aptupdate::root@pam:");
    assertThat(upid.id()).isEmpty();
    assertThat(upid.vmid()).isEmpty();
    assertThat(upid.user()).isEqualTo("root@pam");
  }

  @Test
  void rejectsWhatIsNotAUpidWithAMessageSayingWhatWasExpected() {
    assertThatThrownBy(() -> Upid.parse("UPID:pve1:xyz"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected UPID:node:pid:pstart:starttime:type:id:user:");
    assertThatThrownBy(() -> Upid.parse("UPID:pve1:GGGG:0:0:vzcreate:101:root@pam:"))
        .hasMessageContaining("hexadecimal");
    assertThat(Upid.isUpid(null)).isFalse();
    assertThat(Upid.isUpid("OK")).isFalse();
  }
}
