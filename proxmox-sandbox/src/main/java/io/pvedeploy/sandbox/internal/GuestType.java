package io.pvedeploy.sandbox.internal;

/** The two kinds of guest, with the words and paths PVE uses for each. */
enum GuestType {
  LXC("lxc", "lxc", "CT", "/run/lock/lxc/pve-config-%d.lock", "vz"),
  QEMU("qemu", "qemu-server", "VM", "/var/lock/qemu-server/lock-%d.conf", "qm");

  /** In API paths: {@code /nodes/{node}/qemu/{vmid}}. */
  final String path;
  /** The config files' directory under {@code /etc/pve/nodes/<node>} (cfs_config_path). */
  final String confDir;
  final String word;
  private final String lockFile;
  final String taskPrefix;

  GuestType(String path, String confDir, String word, String lockFile, String taskPrefix) {
    this.path = path;
    this.confDir = confDir;
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
