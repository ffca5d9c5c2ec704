package io.pvedeploy.sandbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BridgeOwnerTest {
  @Test
  void rendersAndParsesBack() {
    BridgeOwner owner = new BridgeOwner(4242, "123456", "pvedeploy-sandbox-5e9d69f7", "/var/lib/pvedeploy demo/lxc-runtime");
    assertThat(owner.render())
        .isEqualTo("pvedeploy-sandbox pid=4242 start=123456 nat=pvedeploy-sandbox-5e9d69f7 dir=/var/lib/pvedeploy demo/lxc-runtime");
    assertThat(BridgeOwner.parse(owner.render())).contains(owner);
    assertThat(BridgeOwner.parse(owner.render() + "\n")).contains(owner);
  }

  @Test
  void aLongDirectoryIsCutToTheKernelsAliasLimit() {
    BridgeOwner owner = new BridgeOwner(1, "2", "pvedeploy-sandbox-00000000", "/" + "d".repeat(400));
    assertThat(owner.render()).hasSize(255);
    assertThat(BridgeOwner.parse(owner.render())).hasValueSatisfying(o -> {
      assertThat(o.pid()).isEqualTo(1);
      assertThat(o.natComment()).isEqualTo("pvedeploy-sandbox-00000000");
    });
  }

  @Test
  void bridgesOthersMadeHaveNoOwner() {
    assertThat(BridgeOwner.parse("")).isEmpty();
    assertThat(BridgeOwner.parse(null)).isEmpty();
    assertThat(BridgeOwner.parse("lxcbr0 of lxc-net")).isEmpty();
    assertThat(BridgeOwner.parse("pvedeploy-sandbox pid=x start=1 nat=a dir=/b")).isEmpty();
  }
}
