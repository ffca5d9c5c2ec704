package io.pvedeploy.sandbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The order a booting node starts its guests in, as pve-guests' startall computes it. */
class NodeBootTest {
  private static Guest guest(int vmid, String node, String onboot, String startup) {
    Guest g = new Guest(vmid, vmid >= 200 ? GuestType.QEMU : GuestType.LXC, node);
    if (onboot != null) {
      g.config.put("onboot", onboot);
    }
    if (startup != null) {
      g.config.put("startup", startup);
    }
    return g;
  }

  @Test
  void onbootGuestsOfTheNodeByOrderThenVmidUnorderedLast() {
    List<Guest> guests = List.of(
        guest(101, "pve1", "1", null),
        guest(102, "pve1", "1", "order=10"),
        guest(103, "pve1", "1", "up=30,order=2"),
        guest(104, "pve1", "0", "order=1"),
        guest(105, "pve1", null, "order=1"),
        guest(106, "pve2", "1", "order=1"),
        guest(200, "pve1", "1", "2"),
        guest(99, "pve1", "1", null));
    assertThat(NodeBoot.startList(guests, "pve1")).extracting(g -> g.vmid).containsExactly(103, 200, 102, 99, 101);
    assertThat(NodeBoot.startList(guests, "pve2")).extracting(g -> g.vmid).containsExactly(106);
    assertThat(NodeBoot.startList(guests, "pve3")).isEmpty();
  }

  @Test
  void startupOrderParsesAsPveDoes() {
    assertThat(NodeBoot.order("order=3")).isEqualTo(3);
    assertThat(NodeBoot.order("7")).isEqualTo(7);
    assertThat(NodeBoot.order("up=10,down=5,order=0")).isZero();
    assertThat(NodeBoot.order("up=10")).isEqualTo(Long.MAX_VALUE);
    assertThat(NodeBoot.order(null)).isEqualTo(Long.MAX_VALUE);
    assertThat(NodeBoot.order("order=x")).isEqualTo(Long.MAX_VALUE);
    assertThat(Formats.check("pve-startup-order", "order=1,up=30,down=60")).isNull();
    assertThat(Formats.check("pve-startup-order", "order=first")).isEqualTo("unable to parse startup options");
  }
}
