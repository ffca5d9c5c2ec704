package io.pvedeploy.deploy.internal;

import io.pvedeploy.deploy.Change;
import io.pvedeploy.deploy.DataVolume;
import io.pvedeploy.deploy.DeployException;
import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.GuestKind;
import io.pvedeploy.deploy.GuestSpec;
import io.pvedeploy.docker.DockerGuestException;
import io.pvedeploy.docker.Exec;
import io.pvedeploy.docker.ExecResult;
import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.proxmox.MountPoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The app's {@link DataVolume} on each kind of guest. A container's is {@code mp0}, which PVE
 * formats and mounts. A VM's is the disk {@value #VM_DISK}, which the deployer formats (ext4, and
 * only when the disk is blank) and mounts inside the VM with {@link #PREPARE_SCRIPT}.
 *
 * <p>The deployer makes a data volume with its guest and grows it; it never shrinks, moves,
 * adds to an existing guest or removes one, because that is where the app's state is: each of
 * those is refused before anything changes, with what to do by hand.
 */
public final class DataVolumes {
  static final String LXC_MOUNT = "mp0";
  static final String VM_DISK = "scsi1";
  /**
   * udev's name for {@value #VM_DISK} on PVE's virtio-scsi controllers: the same disk across
   * reboots and added disks, whichever {@code sdX} the kernel gives it.
   */
  static final String VM_DEVICE = "/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-" + VM_DISK;
  private static final Duration PREPARE_TIMEOUT = Duration.ofMinutes(5);

  private DataVolumes() {}

  /**
   * Mounts the VM's data disk: waits for the device, formats it ext4 only when {@code blkid -p}
   * finds nothing on it (exit 2), puts it in {@code /etc/fstab} by its stable name ({@code nofail},
   * so a missing disk does not stop the boot; the survey then sees it unmounted), mounts it, and
   * grows the filesystem to the disk (an unmounted ext filesystem offline, after {@code e2fsck -f};
   * a mounted one online, which needs {@code CAP_SYS_RESOURCE}, as root in a VM has). Refuses a
   * disk mounted elsewhere, a disk holding something other than an ext, xfs or btrfs filesystem (a
   * partition table, swap), and a non-empty mount directory (mounting would hide its files).
   * Under systemd, a drop-in makes {@code docker.service} require the mount. Constant text;
   * {@code $1} the device, {@code $2} the mount path.
   */
  static final String PREPARE_SCRIPT = String.join("\n",
      "dev=$1; mp=$2; i=0",
      "grow() {",
      "  out=$(resize2fs \"$1\" 2>&1) || { echo \"resize2fs $1 failed: $out\" >&2; exit 10; }",
      "  case \"$out\" in *'is now'*) echo \"grew the filesystem on $1 to the disk\";; esac",
      "}",
      "while [ ! -b \"$dev\" ]; do",
      "  i=$((i + 1))",
      "  if [ \"$i\" -gt 30 ]; then echo \"the data disk $dev did not appear in the guest within 30 s\" >&2; exit 3; fi",
      "  sleep 1",
      "done",
      "real=$(readlink -f \"$dev\")",
      "at=$(findmnt -rn -o TARGET -S \"$real\" | head -n 1)",
      "if [ -n \"$at\" ] && [ \"$at\" != \"$mp\" ]; then",
      "  echo \"the data disk $dev is mounted at $at, not at $mp; the deployer does not move a data volume (the"
          + " app's files would move with it): set guest.data.path back to $at\" >&2; exit 4",
      "fi",
      "blkid -p \"$dev\" >/dev/null 2>&1; rc=$?",
      "if [ \"$rc\" -eq 2 ]; then",
      "  mkfs.ext4 -q -L pvedeploy-data \"$dev\" || exit 5",
      "  echo \"formatted $dev (ext4)\"",
      "elif [ \"$rc\" -ne 0 ]; then",
      "  echo \"blkid -p $dev failed (exit $rc); a disk that cannot be probed is not formatted\" >&2; exit 5",
      "fi",
      "type=$(blkid -p -o value -s TYPE \"$dev\")",
      "case \"$type\" in",
      "  ext2|ext3|ext4|xfs|btrfs) ;;",
      "  '') echo \"the data disk $dev is not blank but holds no filesystem ($(blkid -p -o value -s PTTYPE \"$dev\")"
          + " partition table?); only a blank disk is formatted\" >&2; exit 6 ;;",
      "  *) echo \"the data disk $dev holds $type, not a filesystem for app data; only a blank disk is formatted\" >&2;"
          + " exit 6 ;;",
      "esac",
      "line=\"$dev $mp $type defaults,nofail 0 2\"",
      "if ! grep -qxF -- \"$line\" /etc/fstab; then",
      "  { awk -v d=\"$dev\" '$1 != d' /etc/fstab && echo \"$line\"; } > /etc/fstab.pvedeploy"
          + " && chmod 0644 /etc/fstab.pvedeploy && mv /etc/fstab.pvedeploy /etc/fstab || exit 7",
      "fi",
      "if [ -z \"$at\" ]; then",
      "  mkdir -p -- \"$mp\"",
      "  if mountpoint -q \"$mp\"; then echo \"another filesystem is mounted at $mp\" >&2; exit 8; fi",
      "  if [ -n \"$(ls -A -- \"$mp\")\" ]; then",
      "    echo \"$mp is not empty: mounting the data disk there would hide its files. Move them onto the disk"
          + " (mount $dev elsewhere, copy, empty $mp), then apply again\" >&2; exit 8",
      "  fi",
      "  case \"$type\" in ext2|ext3|ext4)",
      // Unmounted, an ext filesystem grows offline, checked first as resize2fs requires. Exit 8
      // is also e2fsck's answer for a filesystem still mounted in another mount namespace (a
      // container's bind mount): that one is neither checked nor grown offline.
      "    e2fsck -f -p \"$dev\" >/dev/null 2>&1; rc=$?",
      "    if [ \"$rc\" -ge 4 ] && [ \"$rc\" -ne 8 ]; then",
      "      echo \"e2fsck -f -p $dev found errors it could not fix (exit $rc); run e2fsck $dev by hand\" >&2; exit 10",
      "    fi",
      "    if [ \"$rc\" -lt 4 ]; then grow \"$dev\"; fi ;;",
      "  esac",
      "  mount \"$mp\" || exit 9",
      "  echo \"mounted $dev at $mp\"",
      "fi",
      // nofail lets a VM boot without the disk; Docker must not then start the app on an empty
      // directory (a database would initialise a new one): systemd starts it only with the mount.
      "if [ -d /run/systemd/system ]; then",
      "  unit=\"[Unit]",
      "RequiresMountsFor=$mp\"",
      "  if [ \"$(cat /etc/systemd/system/docker.service.d/pvedeploy-data.conf 2>/dev/null)\" != \"$unit\" ]; then",
      "    mkdir -p /etc/systemd/system/docker.service.d"
          + " && echo \"$unit\" > /etc/systemd/system/docker.service.d/pvedeploy-data.conf"
          + " && systemctl daemon-reload || exit 11",
      "    echo \"docker.service now requires the mount of $mp\"",
      "  fi",
      "fi",
      "case \"$type\" in",
      "  ext2|ext3|ext4) grow \"$dev\" ;;",
      "  xfs) xfs_growfs \"$mp\" >/dev/null || exit 10 ;;",
      "  btrfs) btrfs filesystem resize max \"$mp\" >/dev/null || exit 10 ;;",
      "esac",
      "exit 0");

  /** The argv that runs {@link #PREPARE_SCRIPT} for {@code mountPath}. */
  static List<String> prepareArgv(String mountPath) {
    return List.of("sh", "-c", PREPARE_SCRIPT, "pvedeploy-data", VM_DEVICE, mountPath);
  }

  /** Formats (when blank), mounts and grows the VM's data disk; returns what it did, line by line. */
  static String prepareInVm(DataVolume data, GuestShell shell) throws DeployException {
    try {
      ExecResult r = shell.run(Exec.builder(prepareArgv(data.mountPath())).timeout(PREPARE_TIMEOUT).build());
      if (!r.succeeded()) {
        throw new DeployException("preparing the data volume (" + VM_DISK + " at " + data.mountPath() + ") in "
            + shell.target() + " failed (exit " + r.exitCode() + "): " + r.outputTail().strip(), null);
      }
      return r.stdoutText().strip();
    } catch (DockerGuestException e) {
      throw new DeployException("preparing the data volume (" + VM_DISK + " at " + data.mountPath() + ") in "
          + shell.target() + " failed: " + e.getMessage(), e);
    }
  }

  /** What a new guest's plan shows for its data volume. */
  static List<Change> created(GuestSpec g) {
    if (g.data().isEmpty()) {
      return List.of();
    }
    DataVolume d = g.data().get();
    if (g.kind() == GuestKind.VM) {
      return List.of(Change.set(VM_DISK, g.storage() + ":" + d.sizeGb() + "G"), Change.set("data", d.mountPath()));
    }
    return List.of(Change.set(LXC_MOUNT, g.storage() + ":" + d.sizeGb() + ",mp=" + d.mountPath()));
  }

  /**
   * What an existing guest's plan shows: a grown volume; a VM's volume that the survey found
   * unmounted. Assumes {@link #check} passed.
   */
  static List<Change> updated(GuestSpec g, Observed.GuestState now, Optional<Survey> survey) {
    List<Change> c = new ArrayList<>();
    if (g.data().isEmpty()) {
      return c;
    }
    DataVolume d = g.data().get();
    String key = g.kind() == GuestKind.VM ? VM_DISK : LXC_MOUNT;
    long have = Optional.ofNullable(now.config().get(key)).map(VmDriver::sizeBytes).orElse(0L);
    if (have < gib(d.sizeGb())) {
      c.add(Change.update(key, size(have), d.sizeGb() + "G"));
    }
    if (g.kind() == GuestKind.VM && survey.flatMap(Survey::dataMounted).equals(Optional.of(false))) {
      c.add(Change.update("data", "(not mounted)", d.mountPath()));
    }
    return c;
  }

  /**
   * Refuses, before anything changes, what the deployer does not do to a data volume: adding one
   * to an existing guest, shrinking one, moving a container's. (A spec without {@code guest.data}
   * leaves an existing volume alone.)
   */
  public static void check(DeploymentSpec spec, Observed.GuestState now, int vmid) throws DeployException {
    GuestSpec g = spec.guest();
    if (g.data().isEmpty()) {
      return;
    }
    DataVolume d = g.data().get();
    boolean vm = g.kind() == GuestKind.VM;
    String key = vm ? VM_DISK : LXC_MOUNT;
    String guest = (vm ? "VM " : "CT ") + vmid;
    String value = now.config().get(key);
    if (value == null || (vm && value.contains("media=cdrom"))) {
      throw new DeployException("guest.data of " + spec.app() + " asks for a data volume, but " + guest + " was made"
          + " without one (" + key + " is " + (value == null ? "not set" : value) + "). The deployer makes a data"
          + " volume with its guest only: added later it would hide what " + d.mountPath() + " holds. Add it by hand ("
          + (vm ? "qm set " + vmid + " --" + VM_DISK + " " + g.storage() + ":" + d.sizeGb()
              + "; the next apply formats it when blank and mounts it if " + d.mountPath() + " is empty"
              : "pct set " + vmid + " --mp0 " + g.storage() + ":" + d.sizeGb() + ",mp=" + d.mountPath()
              + " after moving " + d.mountPath() + "'s files aside")
          + "), or remove guest.data. Nothing was changed", null);
    }
    long have = VmDriver.sizeBytes(value);
    if (have > gib(d.sizeGb())) {
      throw new DeployException("guest.data.size " + d.sizeGb() + " of " + spec.app() + " is below the data volume's "
          + size(have) + " (" + key + " of " + guest + "); PVE cannot shrink a disk. Set guest.data.size to "
          + (have + gib(1) - 1) / gib(1) + " or more. Nothing was changed", null);
    }
    if (!vm) {
      String path = MountPoint.parseMountPoint(value).mp();
      if (path != null && !path.equals(d.mountPath())) {
        throw new DeployException("guest.data.path of " + spec.app() + " is " + d.mountPath() + ", but the data volume"
            + " of " + guest + " is mounted at " + path + "; the deployer does not move a data volume (the app's"
            + " files would move with it). Set guest.data.path back to " + path + ", or move it by hand (pct set "
            + vmid + " --mp0 …,mp=" + d.mountPath() + " and restart the container). Nothing was changed", null);
      }
    }
  }

  private static long gib(long n) {
    return n << 30;
  }

  /** {@code 4G}, or a smaller unit when the size is not whole GiB. */
  static String size(long bytes) {
    if (bytes == 0) {
      return "(none)";
    }
    return bytes % gib(1) == 0 ? (bytes >> 30) + "G" : bytes % (1L << 20) == 0 ? (bytes >> 20) + "M" : bytes + "B";
  }
}
