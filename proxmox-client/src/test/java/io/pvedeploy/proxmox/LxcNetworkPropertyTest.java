package io.pvedeploy.proxmox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LxcNetworkPropertyTest {

  /** As PVE writes them: parse_lxc_network adds hwaddr and type, print_property_string orders. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:5E:7A:01,ip=dhcp,type=veth",
        "name=eth0,bridge=vmbr0,firewall=1,gw=192.168.1.1,hwaddr=BC:24:11:A3:4F:2C,ip=192.168.1.50/24,ip6=auto,type=veth",
        "name=eth1,bridge=vmbr1,hwaddr=BC:24:11:00:11:22,ip=10.10.0.5/16,mtu=9000,tag=20,type=veth",
        "name=eth0,bridge=vmbr0,gw=10.0.0.1,gw6=fd00::1,hwaddr=BC:24:11:00:11:23,ip=10.0.0.5/24,ip6=fd00::5/64,rate=12.5,trunks=10;20;30,type=veth",
        "name=eth0,bridge=vmbr0,host-managed=1,hwaddr=BC:24:11:00:11:24,ip=dhcp,ip6=dhcp,link_down=1,type=veth",
        "name=veth.lan-1,bridge=vmbr0.20,hwaddr=02:00:00:00:00:01,ip=manual,ip6=manual,type=veth"
      })
  void pveWrittenStringsRoundTripIdentically(String text) {
    assertThat(LxcNetwork.parse(text).render()).isEqualTo(text);
  }

  @Test
  void builderRendersCanonically() {
    LxcNetwork net =
        LxcNetwork.builder("eth0")
            .bridge("vmbr0")
            .staticIp("10.0.0.5/24", "10.0.0.1")
            .firewall(true)
            .tag(20)
            .build();
    assertThat(net.render())
        .isEqualTo("name=eth0,bridge=vmbr0,firewall=1,gw=10.0.0.1,ip=10.0.0.5/24,tag=20,type=veth");
    assertThat(net.toBuilder().dhcp().build().render())
        .isEqualTo("name=eth0,bridge=vmbr0,firewall=1,ip=dhcp,tag=20,type=veth");
  }

  @Test
  void nonCanonicalInputIsNormalised() {
    LxcNetwork net =
        LxcNetwork.parse("ip=dhcp,bridge=vmbr0,name=eth0,firewall=0,hwaddr=bc:24:11:5e:7a:01");
    assertThat(net.hwaddr()).isEqualTo("BC:24:11:5E:7A:01");
    assertThat(net.render())
        .isEqualTo("name=eth0,bridge=vmbr0,hwaddr=BC:24:11:5E:7A:01,ip=dhcp,type=veth");
  }

  @Test
  void addressesAreCheckedAsPveChecksThem() {
    for (String ip :
        new String[] {"10.0.0.5/8", "10.0.0.5/32", "0.0.0.0/24", "255.255.255.255/24"}) {
      assertThat(LxcNetwork.builder("eth0").ip(ip).build().ip()).isEqualTo(ip);
    }
    for (String ip :
        new String[] {
          "10.0.0.5",
          "10.0.0.5/7",
          "10.0.0.5/33",
          "10.0.0.256/24",
          "010.0.0.5/24",
          "10.0.0/24",
          "static",
          "fd00::1/64"
        }) {
      assertThatThrownBy(() -> LxcNetwork.builder("eth0").ip(ip).build())
          .as(ip)
          .isInstanceOf(MalformedPropertyException.class)
          .hasMessageStartingWith("net[n]: 'ip' is not valid: '" + ip + "' (expected dhcp, manual");
    }
    for (String ip6 :
        new String[] {
          "auto",
          "dhcp",
          "manual",
          "fd00::5/64",
          "2001:db8::1/128",
          "::/8",
          "::ffff:10.0.0.1/96",
          "FD00:0:0:0:0:0:0:5/64"
        }) {
      assertThat(LxcNetwork.builder("eth0").ip6(ip6).build().ip6()).isEqualTo(ip6);
    }
    for (String ip6 :
        new String[] {
          "fd00::5",
          "fd00::5/129",
          "fd00::5/7",
          "fd00:::5/64",
          "fe80::1%eth0/64",
          "1:2:3:4:5:6:7:8:9/64",
          "10.0.0.5/24"
        }) {
      assertThatThrownBy(() -> LxcNetwork.builder("eth0").ip6(ip6).build())
          .as(ip6)
          .isInstanceOf(MalformedPropertyException.class);
    }
    assertThatThrownBy(() -> LxcNetwork.builder("eth0").gw("10.0.0.1/24").build())
        .hasMessage(
            "net[n]: 'gw' is not valid: '10.0.0.1/24' (expected an IPv4 address like 10.0.0.1)");
    assertThatThrownBy(() -> LxcNetwork.builder("eth0").hwaddr("01:00:5E:00:00:01").build())
        .hasMessageContaining("unicast MAC");
    assertThatThrownBy(() -> LxcNetwork.builder("eth0").hwaddr("BC-24-11-00-00-01").build())
        .hasMessageContaining("'hwaddr' is not valid");
  }

  @Test
  void valuesCannotInjectKeys() {
    assertThatThrownBy(() -> LxcNetwork.builder("eth0").bridge("vmbr0,firewall=1").build())
        .hasMessage(
            "net[n]: 'bridge' must not contain a comma, got 'vmbr0,firewall=1' (expected a value"
                + " without ',' (a comma would start another key))");
    assertThatThrownBy(() -> LxcNetwork.builder("eth0\nnet1: name=eth1").build())
        .hasMessageContaining("control character");
    assertThatThrownBy(() -> LxcNetwork.builder("eth0=x").build())
        .hasMessageStartingWith("net[n]: 'name' is not valid");
  }

  @Test
  void rangesAndRules() {
    assertThatThrownBy(() -> LxcNetwork.builder("eth0").tag(4095).build())
        .hasMessage("net[n]: 'tag' is out of range: 4095 (expected an integer from 1 to 4094)");
    assertThatThrownBy(() -> LxcNetwork.builder("eth0").mtu(63).build())
        .hasMessage("net[n]: 'mtu' is out of range: 63 (expected an integer from 64 to 65535)");
    assertThatThrownBy(() -> LxcNetwork.builder("eth0").trunks(10, 0).build())
        .hasMessage("net[n]: 'trunks' is out of range: 0 (expected an integer from 1 to 4094)");
    assertThatThrownBy(() -> LxcNetwork.parse("name=eth0,trunks=10;5000"))
        .hasMessage(
            "net[n]: 'trunks' has an invalid VLAN id: 5000 (expected VLAN ids from 1 to 4094)");
    assertThatThrownBy(() -> LxcNetwork.builder("eth0").rate(-1.0).build())
        .hasMessageStartingWith("net[n]: 'rate' is out of range");
    assertThatThrownBy(() -> LxcNetwork.builder("eth0").hostManaged(true).ip6("auto").build())
        .hasMessageStartingWith("net[n]: SLAAC (ip6=auto) is not supported with host-managed=1");
    assertThat(
            LxcNetwork.builder("eth0").hostManaged(true).linkDown(true).ip6("auto").build().ip6())
        .isEqualTo("auto");
  }

  @Test
  void malformedInputIsExplained() {
    assertThatThrownBy(() -> LxcNetwork.parse("name=eth0,brige=vmbr0"))
        .isInstanceOf(MalformedPropertyException.class)
        .hasMessage(
            "net[n]: unknown key 'brige' (expected one of bridge, firewall, gw, gw6, host-managed,"
                + " hwaddr, ip, ip6, link_down, mtu, name, rate, tag, trunks, type)");
    assertThatThrownBy(() -> LxcNetwork.parse("bridge=vmbr0,ip=dhcp"))
        .hasMessage("net[n]: missing required key 'name' (expected name=…)");
    assertThatThrownBy(() -> LxcNetwork.parse("name=eth0,bridge=vmbr0,bridge=vmbr1"))
        .hasMessage("net[n]: duplicate key 'bridge' (expected each key at most once)");
    assertThatThrownBy(() -> LxcNetwork.parse("name=eth0,type=macvlan"))
        .hasMessage("net[n]: 'type' is not valid: 'macvlan' (expected one of veth)");
    assertThatThrownBy(() -> LxcNetwork.parse("name=eth0,tag=ten"))
        .hasMessage(
            "net[n]: 'tag' must be an integer, got 'ten' (expected an integer from 1 to 4094)");
    assertThatThrownBy(() -> LxcNetwork.parse("name=eth0,rate=fast"))
        .hasMessageStartingWith("net[n]: 'rate' must be a number, got 'fast'");
    assertThatThrownBy(() -> LxcNetwork.parse("name=eth0,ip=10.0.0.5/24/8"))
        .hasMessageStartingWith("net[n]: 'ip' is not valid: '10.0.0.5/24/8'");
    assertThatThrownBy(() -> LxcNetwork.parse("name=eth0,=dhcp"))
        .hasMessage("net[n]: '=dhcp' has an empty key (expected key=value)");
  }

  @Test
  void blankPartsAreSkippedAsPveDoes() {
    assertThat(LxcNetwork.parse(",name=eth0,, ,bridge=vmbr0,"))
        .isEqualTo(LxcNetwork.builder("eth0").bridge("vmbr0").build());
  }
}
