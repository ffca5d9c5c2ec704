package io.pvedeploy.sandbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a VM's data disks are named inside its container, as Linux and udev name a QEMU VM's. */
class LxcBackendDisksTest {
  @Test
  void devicesAreNamedAsLinuxNamesAVmsDisks() {
    assertThat(LxcBackend.deviceName("scsi0")).isEqualTo("sda");
    assertThat(LxcBackend.deviceName("scsi1")).isEqualTo("sdb");
    assertThat(LxcBackend.deviceName("scsi25")).isEqualTo("sdz");
    assertThat(LxcBackend.deviceName("scsi26")).isEqualTo("sdaa");
    assertThat(LxcBackend.deviceName("scsi30")).isEqualTo("sdae");
    assertThat(LxcBackend.deviceName("virtio1")).isEqualTo("vdb");
    assertThat(LxcBackend.deviceName("virtio15")).isEqualTo("vdp");
    assertThat(LxcBackend.byIdLink("scsi1")).isEqualTo("scsi-0QEMU_QEMU_HARDDISK_drive-scsi1");
  }
}
