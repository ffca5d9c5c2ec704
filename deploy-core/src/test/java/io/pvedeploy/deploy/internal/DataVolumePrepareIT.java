package io.pvedeploy.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.pvedeploy.docker.ExecResult;
import io.pvedeploy.docker.LocalShell;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DataVolumes#PREPARE_SCRIPT} on real block devices: a sparse file on a loop device, the
 * script run as root in a private mount namespace over a copy of {@code /etc} and an empty
 * {@code /run}, so its mounts, its {@code /etc} edits and any systemd never reach the machine.
 */
@Tag("integration")
class DataVolumePrepareIT {
  private static final long MIB = 1 << 20;

  @TempDir Path tmp;
  private final LocalShell host = LocalShell.create();
  private Path image;
  private String dev;
  private Path mount;

  @BeforeEach
  void attach() throws Exception {
    image = tmp.resolve("disk.img");
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(64 * MIB);
    }
    ExecResult r = host.run("losetup", "-f", "--show", image.toString());
    assertThat(r.succeeded()).as("losetup -f (needs root and loop devices: modprobe loop): %s", r.outputTail()).isTrue();
    dev = r.stdoutText().strip();
    mount = tmp.resolve("data");
  }

  @AfterEach
  void detach() throws Exception {
    host.run("losetup", "-d", dev);
  }

  /**
   * Runs {@code steps} in a private mount namespace with {@code /etc} a copy; {@code prep} runs
   * the script once, printing its output then {@code rc=N}.
   */
  private String inNamespace(String... steps) throws Exception {
    Path etc = Files.createDirectory(tmp.resolve("etc-" + System.nanoTime()));
    String body = String.join("\n",
        "etc=$1; script=$2; dev=$3; mp=$4",
        "cp -a /etc/. \"$etc\" && mount --bind \"$etc\" /etc && : > /etc/fstab || exit 99",
        "mount -t tmpfs tmpfs /run || exit 99 # no systemd here, whatever the machine runs",
        "prep() { sh -c \"$script\" pvedeploy-data \"$dev\" \"$mp\" 2>&1; echo \"rc=$?\"; }",
        String.join("\n", steps));
    List<String> argv = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", body,
        "harness", etc.toString(), DataVolumes.PREPARE_SCRIPT, dev, mount.toString()));
    ExecResult r = host.run(argv.toArray(String[]::new));
    assertThat(r.exitCode()).as("the harness itself: %s", r.outputTail()).isZero();
    return r.stdoutText();
  }

  @Test
  void aBlankDiskIsFormattedOnceMountedAndRecordedInFstabAndItsFilesSurviveARemount() throws Exception {
    String out = inNamespace("prep", "echo ---", "prep", "echo ---", "cat /etc/fstab",
        "echo kept > \"$mp/kept\"", "umount \"$mp\"", "echo ---", "prep", "cat \"$mp/kept\"",
        "findmnt -rn -o SOURCE,FSTYPE --target \"$mp\"");
    String[] parts = out.split("---\n");
    assertThat(parts[0]).contains("formatted " + dev + " (ext4)", "mounted " + dev + " at " + mount, "rc=0");
    assertThat(parts[1]).as("the second run changes nothing").isEqualTo("rc=0\n");
    assertThat(parts[2]).startsWith(dev + " " + mount + " ext4 defaults,nofail 0 2\n");
    assertThat(parts[3]).as("an existing filesystem is mounted, never formatted again")
        .doesNotContain("formatted").contains("mounted " + dev, "rc=0", "kept\n", dev + " ext4");
  }

  @Test
  void underSystemdDockerStartsOnlyWithTheMount() throws Exception {
    // The namespace's /run says systemd runs, and its systemctl records what it was asked.
    Path bin = Files.createDirectory(tmp.resolve("bin"));
    Path calls = tmp.resolve("systemctl.calls");
    Files.writeString(bin.resolve("systemctl"), "#!/bin/sh\necho \"$*\" >> " + calls + "\n");
    Files.setPosixFilePermissions(bin.resolve("systemctl"), PosixFilePermissions.fromString("rwxr-xr-x"));
    String out = inNamespace("mkdir -p /run/systemd/system", "export PATH=" + bin + ":$PATH",
        "prep", "echo ---", "prep", "echo ---", "cat /etc/systemd/system/docker.service.d/pvedeploy-data.conf");
    String[] parts = out.split("---\n");
    assertThat(parts[0]).contains("docker.service now requires the mount of " + mount, "rc=0");
    assertThat(parts[1]).as("written once").isEqualTo("rc=0\n");
    assertThat(parts[2]).isEqualTo("[Unit]\nRequiresMountsFor=" + mount + "\n");
    assertThat(Files.readString(calls)).isEqualTo("daemon-reload\n");
  }

  @Test
  void aDirectoryWithFilesIsNotHidden() throws Exception {
    Files.createDirectories(mount);
    Files.writeString(mount.resolve("own"), "the app's");
    String out = inNamespace("prep", "findmnt -rn --target \"$mp\" -o TARGET | grep -qxF \"$mp\" && echo MOUNTED", "true");
    assertThat(out).contains("is not empty: mounting the data disk there would hide its files", "rc=8")
        .doesNotContain("MOUNTED");
    assertThat(Files.readString(mount.resolve("own"))).isEqualTo("the app's");
  }

  @Test
  void aDiskWithAPartitionTableOrSwapIsNotFormatted() throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.seek(446); // one MBR entry (Linux, from sector 2048) and the boot signature
      f.write(new byte[] {0, 0, 0, 0, (byte) 0x83, 0, 0, 0, 0, 8, 0, 0, (byte) 0xa0, (byte) 0x86, 1, 0});
      f.seek(510);
      f.write(new byte[] {0x55, (byte) 0xaa});
    }
    assertThat(inNamespace("prep")).contains("not blank but holds no filesystem (dos partition table?)", "rc=6");
    assertThat(host.run("blkid", "-p", "-o", "value", "-s", "PTTYPE", dev).stdoutText().strip()).isEqualTo("dos");

    assertThat(host.run("mkswap", dev).succeeded()).isTrue();
    assertThat(inNamespace("prep")).contains("holds swap, not a filesystem for app data", "rc=6");
    assertThat(host.run("blkid", "-p", "-o", "value", "-s", "TYPE", dev).stdoutText().strip()).isEqualTo("swap");
  }

  @Test
  void aDiskMountedElsewhereIsNotMoved() throws Exception {
    assertThat(host.run("mkfs.ext4", "-q", dev).succeeded()).isTrue();
    Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
    String out = inNamespace("mount \"$dev\" " + elsewhere, "prep");
    assertThat(out).contains("is mounted at " + elsewhere + ", not at " + mount, "set guest.data.path back", "rc=4");
  }

  @Test
  void aDiskGrownWhileUnmountedGetsAGrownFilesystemBeforeItIsMounted() throws Exception {
    // Offline, the way a disk grown while its VM was off is met at the next apply. (Online growth,
    // of a mounted filesystem, needs CAP_SYS_RESOURCE, which this test machine's root lacks.)
    String out = inNamespace("prep", "df -k --output=size \"$mp\" | tail -n 1", "umount \"$mp\"",
        "truncate -s 128M " + image, "losetup -c \"$dev\"", "prep", "df -k --output=size \"$mp\" | tail -n 1");
    List<String> lines = out.lines().toList();
    long before = Long.parseLong(lines.get(lines.indexOf("rc=0") + 1).strip());
    long after = Long.parseLong(lines.get(lines.size() - 1).strip());
    assertThat(out).containsOnlyOnce("formatted").contains("grew the filesystem on " + dev + " to the disk");
    assertThat(after).as("df size in KiB, before %s", before).isGreaterThan(before + 50_000);
  }
}
