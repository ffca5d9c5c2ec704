package io.pvedeploy.proxmox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpConfigPropertyTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ip=10.0.0.5/24,gw=10.0.0.1",
        "ip=dhcp",
        "ip=dhcp,ip6=auto",
        "ip6=dhcp",
        "ip=192.168.1.50/24,gw=192.168.1.1,ip6=2001:db8::50/64,gw6=2001:db8::1",
        ""
      })
  void stringsAsTheWebUiWritesThemRoundTripIdentically(String text) {
    assertThat(IpConfig.parse(text).render()).isEqualTo(text);
  }

  @Test
  void factoriesAndKeyOrder() {
    assertThat(IpConfig.dhcp().render()).isEqualTo("ip=dhcp");
    assertThat(IpConfig.staticIpv4("10.0.0.5/24", "10.0.0.1").withIp6("auto", null).render())
        .isEqualTo("ip=10.0.0.5/24,gw=10.0.0.1,ip6=auto");
    assertThat(IpConfig.parse("gw=10.0.0.1,ip=10.0.0.5/24").render())
        .isEqualTo("ip=10.0.0.5/24,gw=10.0.0.1");
  }

  @Test
  void gatewaysNeedAStaticAddressAsQemuServerRequires() {
    assertThatThrownBy(() -> IpConfig.parse("gw=10.0.0.1"))
        .isInstanceOf(MalformedPropertyException.class)
        .hasMessage(
            "ipconfig[n]: gateway 'gw' without an address 'ip' (expected ip=<IPv4/CIDR> with gw)");
    assertThatThrownBy(() -> IpConfig.parse("ip=dhcp,gw=10.0.0.1"))
        .hasMessage("ipconfig[n]: gateway 'gw' together with ip=dhcp (expected no gw with DHCP)");
    assertThatThrownBy(() -> IpConfig.parse("ip6=auto,gw6=fd00::1"))
        .hasMessageStartingWith(
            "ipconfig[n]: gateway 'gw6' without a static IPv6 address (ip6=auto)");
    assertThatThrownBy(() -> IpConfig.parse("gw6=fd00::1"))
        .hasMessageStartingWith("ipconfig[n]: gateway 'gw6' without a static IPv6 address");
  }

  @Test
  void malformedInputIsExplained() {
    assertThatThrownBy(() -> IpConfig.parse("ip=10.0.0.5/24,gateway=10.0.0.1"))
        .hasMessage("ipconfig[n]: unknown key 'gateway' (expected one of gw, gw6, ip, ip6)");
    assertThatThrownBy(() -> IpConfig.parse("ip=10.0.0.5"))
        .hasMessageStartingWith(
            "ipconfig[n]: 'ip' is not valid: '10.0.0.5' (expected dhcp, manual or an IPv4 CIDR");
    assertThatThrownBy(() -> IpConfig.parse("ip6=fd00::5/200"))
        .hasMessageStartingWith("ipconfig[n]: 'ip6' is not valid: 'fd00::5/200'");
    assertThatThrownBy(() -> IpConfig.parse("10.0.0.5/24"))
        .hasMessageStartingWith("ipconfig[n]: '10.0.0.5/24' has no key");
  }
}
