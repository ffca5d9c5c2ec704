package io.pvedeploy.proxmox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MountPointPropertyTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "local-lvm:vm-101-disk-0,size=8G",
        "local-zfs:subvol-101-disk-0,size=32G",
        "local-lvm:vm-101-disk-0,mountoptions=noatime;discard,size=8G",
        "local-lvm:vm-101-disk-0,acl=1,quota=1,size=4G",
        "ceph-pool:vm-101-disk-0,replicate=0,size=512M",
        "local:101/vm-101-disk-0.raw,size=1T"
      })
  void pveWrittenRootfsRoundTripsIdentically(String text) {
    MountPoint rootfs = MountPoint.parseRootfs(text);
    assertThat(rootfs.isRootfs()).isTrue();
    assertThat(rootfs.render()).isEqualTo(text);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "local-lvm:vm-101-disk-1,mp=/srv/data,backup=1,size=8G",
        "local-zfs:subvol-101-disk-1,mp=/var/lib/docker,backup=1,size=64G",
        "/mnt/bindmounts/shared,mp=/shared",
        "/mnt/nas,mp=/mnt/nas,ro=1,shared=1",
        "/dev/sdb1,mp=/mnt/usb",
        "local-lvm:vm-101-disk-2,mp=/srv/cache,acl=0,keepattrs=1,mountoptions=nodev;nosuid,replicate=0,size=1536M",
        "local-lvm:8,mp=/srv/a=b,backup=1"
      })
  void pveWrittenMountPointsRoundTripIdentically(String text) {
    MountPoint mp = MountPoint.parseMountPoint(text);
    assertThat(mp.isRootfs()).isFalse();
    assertThat(mp.render()).isEqualTo(text);
  }

  @Test
  void newVolumesAreStorageColonGib() {
    assertThat(MountPoint.newRootfs("local-lvm", 8).render()).isEqualTo("local-lvm:8");
    MountPoint data = MountPoint.newMountPoint("local-lvm", 8, "/srv/data");
    assertThat(data.render()).isEqualTo("local-lvm:8,mp=/srv/data,backup=1");
    assertThat(data.volume()).isEqualTo("local-lvm:8");
    assertThat(data.mp()).isEqualTo("/srv/data");
    assertThat(data.requiresRootPam()).isFalse();
    assertThatThrownBy(() -> MountPoint.newRootfs("local-lvm:x", 8))
        .hasMessageStartingWith(
            "mp[n]: 'volume' is not valid: 'local-lvm:x' (expected a storage id");
    assertThatThrownBy(() -> MountPoint.newRootfs("local-lvm", -1))
        .hasMessageStartingWith("mp[n]: negative size for a new volume: -1");
  }

  @Test
  void sizesAreNormalisedAsPveFormatsThem() {
    assertThat(MountPoint.parseRootfs("local-lvm:vm-101-disk-0,size=8192M").render())
        .isEqualTo("local-lvm:vm-101-disk-0,size=8G");
    assertThat(MountPoint.parseRootfs("local-lvm:vm-101-disk-0,size=1.5G").sizeBytes())
        .isEqualTo(1536L << 20);
    assertThat(MountPoint.parseRootfs("local-lvm:vm-101-disk-0,size=8GiB").render())
        .isEqualTo("local-lvm:vm-101-disk-0,size=8G");
    assertThat(MountPoint.builder().volume("local:8").size("2048K").build().render())
        .isEqualTo("local:8,size=2M");
  }

  @Test
  void bindAndDeviceMountsNeedRoot() {
    assertThat(MountPoint.parseMountPoint("/mnt/nas,mp=/nas").requiresRootPam()).isTrue();
    assertThat(MountPoint.parseMountPoint("/dev/sdb1,mp=/usb").requiresRootPam()).isTrue();
    assertThat(MountPoint.parseMountPoint("local-lvm:vm-1-disk-0,mp=/x").requiresRootPam())
        .isFalse();
  }

  @Test
  void flagsDefaultsAreNotWritten() {
    MountPoint mp = MountPoint.parseMountPoint("local:8,mp=/x,backup=0,replicate=1,shared=0,acl=0");
    assertThat(mp.render()).isEqualTo("local:8,mp=/x,acl=0");
    assertThat(mp.acl()).isFalse();
    assertThat(MountPoint.parseMountPoint("local:8,mp=/x").acl()).isNull();
  }

  @Test
  void malformedInputIsExplained() {
    assertThatThrownBy(() -> MountPoint.parseMountPoint("local-lvm:8"))
        .isInstanceOf(MalformedPropertyException.class)
        .hasMessage("mp[n]: missing required key 'mp' (expected mp=…)");
    assertThatThrownBy(() -> MountPoint.parseRootfs("local-lvm:8,mp=/srv"))
        .hasMessage(
            "rootfs: unknown key 'mp' (expected one of acl, mountoptions, quota, replicate, ro,"
                + " shared, size, volume)");
    assertThatThrownBy(() -> MountPoint.parseRootfs("local-lvm:8,backup=1"))
        .hasMessageStartingWith("rootfs: unknown key 'backup'");
    assertThatThrownBy(() -> MountPoint.parseRootfs("local:8,local:9"))
        .hasMessage("rootfs: duplicate key 'volume' (expected each key at most once)");
    assertThatThrownBy(() -> MountPoint.parseRootfs("volume=local:8,local:9"))
        .hasMessage("rootfs: duplicate key 'volume' (expected each key at most once)");
    assertThatThrownBy(() -> MountPoint.parseRootfs("size=8G"))
        .hasMessage("rootfs: missing required key 'volume' (expected volume=…)");
    assertThatThrownBy(() -> MountPoint.parseRootfs("local:8,size=8X"))
        .hasMessage(
            "rootfs: 'size' is not a disk size: '8X' (expected a size like 512M, 8G or 1T)");
    assertThatThrownBy(() -> MountPoint.parseMountPoint("local:8,mp=/srv/../etc"))
        .hasMessageStartingWith("mp[n]: 'mp' is not valid: '/srv/../etc' (expected a path");
    assertThatThrownBy(() -> MountPoint.parseMountPoint("local:8,mp=/x,mountoptions=noatime;bogus"))
        .hasMessage(
            "mp[n]: 'mountoptions' has an unknown option 'bogus' (expected one of discard,"
                + " lazytime, noatime, nodev, noexec, nosuid)");
    assertThatThrownBy(() -> MountPoint.parseMountPoint("local:8,mp=/x,mountoptions=noatime;"))
        .hasMessageStartingWith("mp[n]: 'mountoptions' is not valid: 'noatime;'");
    assertThatThrownBy(
            () -> MountPoint.builder().volume("local:8").mountOptions("noatime;nodev").build())
        .hasMessageStartingWith("rootfs: 'mountoptions' has an unknown option 'noatime;nodev'");
  }

  @Test
  void valuesCannotInjectKeys() {
    assertThatThrownBy(() -> MountPoint.builder().volume("local:8,mp=/etc").build())
        .hasMessageStartingWith("rootfs: 'volume' must not contain a comma");
    assertThatThrownBy(() -> MountPoint.builder().volume("mp=/etc").build())
        .hasMessageStartingWith("rootfs: 'volume' must not contain '='");
    assertThatThrownBy(() -> MountPoint.builder().volume("local:8").mp("/x\nmp1: /etc").build())
        .hasMessageContaining("control character");
    assertThatThrownBy(() -> MountPoint.builder().volume("local:8").backup(true).build())
        .hasMessageStartingWith("rootfs: 'backup' is only for mount points");
  }
}
