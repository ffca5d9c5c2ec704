package io.pvedeploy.sandbox.internal;

/** The two kinds of guest, with the words and paths PVE uses for each. */
enum GuestType {
  LXC("lxc", "CT", "/run/lock/lxc/pve-config-%d.lock", "vz"),
  QEMU("qemu", "VM", "/var/lock/qemu-server/lock-%d.conf", "qm");

  final String path;
  final String word;
  private final String lockFile;
  final String taskPrefix;

  GuestType(String path, String word, String lockFile, String taskPrefix) {
    this.path = path;
    this.word = word;
    this.lockFile = lockFile;
    this.taskPrefix = taskPrefix;
  }

  String lockFile(int vmid) {
    return String.format(lockFile, vmid);
  }

  static GuestType of(String path) {
    return path.equals("lxc") ? LXC : QEMU;
  }
}
