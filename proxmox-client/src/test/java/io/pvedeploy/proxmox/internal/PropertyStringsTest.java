package io.pvedeploy.proxmox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.pvedeploy.proxmox.internal.PropertyStrings.Format;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PropertyStringsTest {

  /** PVE's format_size: the largest unit dividing the byte count; zero becomes "0T". */
  @ParameterizedTest
  @CsvSource({
    "0, 0T",
    "1, 1",
    "1023, 1023",
    "1024, 1K",
    "1536, 1536",
    "1048576, 1M",
    "1610612736, 1536M",
    "8589934592, 8G",
    "1099511627776, 1T",
    "2199023255552, 2T",
    "1125899906842624, 1024T"
  })
  void formatSize(long bytes, String text) {
    assertThat(PropertyStrings.formatSize(bytes)).isEqualTo(text);
    assertThat(PropertyStrings.parseSize(text)).isEqualTo(bytes);
  }

  /** PVE's parse_size: digits with an optional fraction and K/M/G/T (or KiB…TiB), truncated. */
  @Test
  void parseSize() {
    assertThat(PropertyStrings.parseSize("8G")).isEqualTo(8L << 30);
    assertThat(PropertyStrings.parseSize("8GiB")).isEqualTo(8L << 30);
    assertThat(PropertyStrings.parseSize("1.5K")).isEqualTo(1536L);
    assertThat(PropertyStrings.parseSize("0.3")).isEqualTo(0L);
    assertThat(PropertyStrings.parseSize("1.0000001K")).isEqualTo(1024L);
    for (String bad :
        new String[] {"8g", "8 G", "8GB", "-1G", ".5G", "5.G", "", "G", "99999999999T"}) {
      assertThat(PropertyStrings.parseSize(bad)).as(bad).isNull();
    }
  }

  @Test
  void formatNumber() {
    assertThat(PropertyStrings.formatNumber(10.0)).isEqualTo("10");
    assertThat(PropertyStrings.formatNumber(12.5)).isEqualTo("12.5");
    assertThat(PropertyStrings.formatNumber(0.0001)).isEqualTo("0.0001");
    assertThat(PropertyStrings.formatNumber(1e20)).isEqualTo("100000000000000000000");
  }

  @Test
  void formats() {
    assertThat(Format.IPV4.accepts("192.168.1.1")).isTrue();
    assertThat(Format.IPV4.accepts("192.168.1.01")).isFalse();
    assertThat(Format.IPV4.accepts("192.168.1")).isFalse();
    assertThat(Format.IPV6.accepts("::")).isTrue();
    assertThat(Format.IPV6.accepts("::1")).isTrue();
    assertThat(Format.IPV6.accepts("2001:db8::")).isTrue();
    assertThat(Format.IPV6.accepts("1:2:3:4:5:6:7:8")).isTrue();
    assertThat(Format.IPV6.accepts("1:2:3:4:5:6:1.2.3.4")).isTrue();
    assertThat(Format.IPV6.accepts("1:2:3:4:5:6:7:8:9")).isFalse();
    assertThat(Format.IPV6.accepts("1::2::3")).isFalse();
    assertThat(Format.IPV6.accepts("12345::")).isFalse();
    assertThat(Format.MAC_ADDR.accepts("bc:24:11:00:00:01")).isTrue();
    assertThat(Format.MAC_ADDR.accepts("BD:24:11:00:00:01")).isFalse(); // I/G bit set
    assertThat(Format.BRIDGE_ID.accepts("vmbr0.100")).isTrue();
    assertThat(Format.BRIDGE_ID.accepts("vmbr0:1")).isFalse();
    assertThat(Format.LXC_MP_STRING.accepts("/srv/data")).isTrue();
    assertThat(Format.LXC_MP_STRING.accepts("/srv/..data")).isTrue();
    for (String bad : new String[] {"/srv/./x", "/srv/../x", "/srv/.", "/srv/..", "../srv"}) {
      assertThat(Format.LXC_MP_STRING.accepts(bad)).as(bad).isFalse();
    }
  }

  @Test
  void writerOrdersLikePrintPropertyString() {
    String text =
        PropertyStrings.writer()
            .positional("local:8")
            .first("mp", "/x")
            .put("size", "8G")
            .put("backup", true)
            .flag("replicate", false, true)
            .flag("ro", false, false)
            .put("acl", null)
            .render();
    assertThat(text).isEqualTo("local:8,mp=/x,backup=1,replicate=0,size=8G");
  }
}
