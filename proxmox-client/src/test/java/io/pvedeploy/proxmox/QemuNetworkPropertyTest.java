package io.pvedeploy.proxmox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pvedeploy.proxmox.QemuNetwork.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class QemuNetworkPropertyTest {

  /** As PVE writes them: print_net puts the model first, carrying the MAC, then sorted keys. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1",
        "virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,tag=20",
        "e1000=BC:24:11:8D:2E:01,bridge=vmbr0",
        "vmxnet3=BC:24:11:2A:3B:4D,bridge=vmbr1,link_down=1",
        "e1000-82540em=BC:24:11:2A:3B:4E,bridge=vmbr0",
        "virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,link_down=1,mtu=1,queues=4,rate=50,tag=20,trunks=30;40-50",
        "virtio=BC:24:11:2A:3B:4C,rate=0.5",
        "virtio"
      })
  void pveWrittenStringsRoundTripIdentically(String text) {
    assertThat(QemuNetwork.parse(text).render()).isEqualTo(text);
  }

  @Test
  void theModelKeyCarriesTheMac() {
    QemuNetwork net = QemuNetwork.parse("virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,tag=20,firewall=1");
    assertThat(net.model()).isEqualTo(Model.VIRTIO);
    assertThat(net.macaddr()).isEqualTo("BC:24:11:2A:3B:4C");
    assertThat(net.tag()).isEqualTo(20);
    assertThat(net.render()).isEqualTo("virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,tag=20");
  }

  @Test
  void explicitModelAndMacaddrKeysAreReadToo() {
    assertThat(QemuNetwork.parse("model=virtio,macaddr=bc:24:11:2a:3b:4c,bridge=vmbr0").render())
        .isEqualTo("virtio=BC:24:11:2A:3B:4C,bridge=vmbr0");
    assertThat(QemuNetwork.parse("bridge=vmbr0,virtio,macaddr=BC:24:11:2A:3B:4C"))
        .isEqualTo(QemuNetwork.parse("virtio=BC:24:11:2A:3B:4C,bridge=vmbr0"));
    assertThat(QemuNetwork.parse("bridge=vmbr0,e1000e").model()).isEqualTo(Model.E1000E);
  }

  @Test
  void builder() {
    QemuNetwork net =
        QemuNetwork.builder(Model.VIRTIO).bridge("vmbr0").tag(20).firewall(true).queues(4).build();
    assertThat(net.render()).isEqualTo("virtio,bridge=vmbr0,firewall=1,queues=4,tag=20");
    assertThat(net.toBuilder().macaddr("bc:24:11:2a:3b:4c").trunks("10", "20-30").build().render())
        .isEqualTo(
            "virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,queues=4,tag=20,trunks=10;20-30");
  }

  @Test
  void malformedInputIsExplained() {
    assertThatThrownBy(() -> QemuNetwork.parse("virtio=BC:24:11:2A:3B:4C,brige=vmbr0"))
        .isInstanceOf(MalformedPropertyException.class)
        .hasMessageStartingWith("net[n]: unknown key 'brige' (expected one of bridge, e1000,");
    assertThatThrownBy(() -> QemuNetwork.parse("bridge=vmbr0"))
        .hasMessageStartingWith("net[n]: missing NIC model (expected one of e1000, e1000-82540em,");
    assertThatThrownBy(() -> QemuNetwork.parse("virtio=BC:24:11:2A:3B:4C,e1000=BC:24:11:2A:3B:4D"))
        .hasMessageStartingWith("net[n]: the NIC model is given twice");
    assertThatThrownBy(() -> QemuNetwork.parse("model=virtio,virtio=BC:24:11:2A:3B:4C"))
        .hasMessageStartingWith("net[n]: the NIC model is given twice ('virtio' and 'virtio')");
    assertThatThrownBy(
            () -> QemuNetwork.parse("virtio=BC:24:11:2A:3B:4C,macaddr=BC:24:11:2A:3B:4D"))
        .hasMessageStartingWith("net[n]: the MAC address is given twice");
    assertThatThrownBy(() -> QemuNetwork.parse("virtio,e1000"))
        .hasMessage("net[n]: duplicate key 'model' (expected each key at most once)");
    assertThatThrownBy(() -> QemuNetwork.parse("virtio=01:00:5E:00:00:01"))
        .hasMessageStartingWith(
            "net[n]: 'macaddr' is not valid: '01:00:5E:00:00:01' (expected a unicast MAC");
    assertThatThrownBy(() -> QemuNetwork.parse("rtl8139x"))
        .hasMessageStartingWith("net[n]: unknown NIC model 'rtl8139x'");
    assertThatThrownBy(() -> QemuNetwork.parse("virtio,bridge=vmbr0,trunks=20-10"))
        .hasMessage(
            "net[n]: 'trunks' has an invalid VLAN id or range: '20-10' (expected VLAN ids from 1 to"
                + " 4094 or ranges like 20-30)");
    assertThatThrownBy(() -> QemuNetwork.parse("virtio,bridge=vmbr0,queues=65"))
        .hasMessage("net[n]: 'queues' is out of range: 65 (expected an integer from 0 to 64)");
    assertThatThrownBy(() -> QemuNetwork.parse("virtio,bridge=vm br0"))
        .hasMessageStartingWith("net[n]: 'bridge' is not valid: 'vm br0'");
    assertThatThrownBy(() -> QemuNetwork.builder(Model.VIRTIO).bridge("vmbr0,tag=5").build())
        .hasMessageStartingWith("net[n]: 'bridge' must not contain a comma");
    assertThatThrownBy(() -> QemuNetwork.builder(null).build())
        .hasMessageStartingWith("net[n]: missing NIC model");
  }
}
