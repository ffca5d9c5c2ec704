package io.pvedeploy.proxmox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LxcFeaturesPropertyTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "nesting=1",
        "keyctl=1,nesting=1",
        "fuse=1,keyctl=1,nesting=1",
        "force_rw_sys=1,mknod=1",
        "mount=nfs;cifs,nesting=1",
        ""
      })
  void canonicalStringsRoundTripIdentically(String text) {
    assertThat(LxcFeatures.parse(text).render()).isEqualTo(text);
  }

  @Test
  void dockerIsNestingAndKeyctl() {
    assertThat(LxcFeatures.docker().render()).isEqualTo("keyctl=1,nesting=1");
    assertThat(LxcFeatures.parse("nesting=1,keyctl=1")).isEqualTo(LxcFeatures.docker());
    assertThat(LxcFeatures.none().isNone()).isTrue();
    assertThat(LxcFeatures.none().render()).isEmpty();
  }

  @Test
  void acceptsWhatPveParseBooleanAcceptsAndDropsDefaults() {
    assertThat(LxcFeatures.parse("nesting=yes,keyctl=ON,fuse=0,mknod=false"))
        .isEqualTo(LxcFeatures.docker());
    assertThat(LxcFeatures.parse("nesting=0").render()).isEmpty();
  }

  @Test
  void mountIsAListJoinedWithSemicolons() {
    LxcFeatures features = LxcFeatures.none().withNesting(true).withMount("nfs", "cifs");
    assertThat(features.mount()).containsExactly("nfs", "cifs");
    assertThat(features.render()).isEqualTo("mount=nfs;cifs,nesting=1");
    assertThatThrownBy(() -> LxcFeatures.none().withMount("nfs;cifs"))
        .isInstanceOf(MalformedPropertyException.class)
        .hasMessageStartingWith("features: 'mount' is not valid: 'nfs;cifs'");
    assertThatThrownBy(() -> features.mount().add("ext4"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void listsAreCopied() {
    List<String> types = new java.util.ArrayList<>(List.of("nfs"));
    LxcFeatures features = LxcFeatures.none().withMount(types);
    types.add("cifs");
    assertThat(features.mount()).containsExactly("nfs");
  }

  @Test
  void onlyNestingIsAllowedToApiTokens() {
    assertThat(LxcFeatures.none().withNesting(true).requiresRootPam()).isFalse();
    assertThat(LxcFeatures.none().requiresRootPam()).isFalse();
    assertThat(LxcFeatures.docker().requiresRootPam()).isTrue();
    assertThat(LxcFeatures.none().withFuse(true).requiresRootPam()).isTrue();
    assertThat(LxcFeatures.none().withMount("nfs").requiresRootPam()).isTrue();
  }

  @Test
  void malformedInputIsExplained() {
    assertThatThrownBy(() -> LxcFeatures.parse("nesting=maybe"))
        .isInstanceOf(MalformedPropertyException.class)
        .hasMessage(
            "features: 'nesting' must be 0 or 1, got 'maybe' (expected 1 or 0; PVE also reads"
                + " on/off, yes/no, true/false)");
    assertThatThrownBy(() -> LxcFeatures.parse("nestng=1"))
        .hasMessage(
            "features: unknown key 'nestng' (expected one of force_rw_sys, fuse, keyctl, mknod,"
                + " mount, nesting)");
    assertThatThrownBy(() -> LxcFeatures.parse("nesting=1,nesting=0"))
        .hasMessage("features: duplicate key 'nesting' (expected each key at most once)");
    assertThatThrownBy(() -> LxcFeatures.parse("nesting"))
        .hasMessageStartingWith("features: 'nesting' has no key (expected key=value");
    assertThatThrownBy(() -> LxcFeatures.parse("nesting=1\nkeyctl=1"))
        .hasMessage("features: contains a control character (U+000A) (expected a single line)");
    assertThatThrownBy(() -> LxcFeatures.parse("mount=nfs-x"))
        .hasMessageStartingWith("features: 'mount' is not valid: 'nfs-x'");
    MalformedPropertyException e =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            MalformedPropertyException.class, () -> LxcFeatures.parse("keyctl="));
    assertThat(e.property()).isEqualTo("features");
    assertThat(e.key()).isEqualTo("keyctl");
    assertThat(e).hasMessage("features: 'keyctl=' has an empty value (expected key=value)");
  }
}
