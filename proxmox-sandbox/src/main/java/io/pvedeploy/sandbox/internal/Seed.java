package io.pvedeploy.sandbox.internal;

import java.util.UUID;

/** The state of a freshly installed cluster: storages' templates, a cloud-init VM template. */
final class Seed {
  static final int TEMPLATE_VMID = 9000;
  static final int FIRST_SIMULATED_VMID = 10_000;

  private Seed() {}

  static void fresh(Cluster cluster, int simulatedGuests) {
    for (String node : cluster.nodes) {
      cluster.seedNode(node);
    }
    Guest t = new Guest(TEMPLATE_VMID, GuestType.QEMU, cluster.nodes.get(0));
    t.config.put("name", "debian-12-cloudinit");
    t.config.put("template", "1");
    t.config.put("agent", "enabled=1");
    t.config.put("memory", "2048");
    t.config.put("cores", "2");
    t.config.put("ostype", "l26");
    t.config.put("scsihw", "virtio-scsi-single");
    t.config.put("scsi0", "local-lvm:base-9000-disk-0,discard=on,iothread=1,size=4G");
    t.config.put("ide2", "local-lvm:vm-9000-cloudinit,media=cdrom");
    t.config.put("boot", "order=scsi0");
    t.config.put("net0", "virtio=" + cluster.newMac() + ",bridge=vmbr0");
    t.config.put("ipconfig0", "ip=dhcp");
    t.config.put("serial0", "socket");
    t.config.put("vga", "serial0");
    t.config.put("smbios1", "uuid=" + UUID.randomUUID());
    t.config.put("vmgenid", UUID.randomUUID().toString());
    t.config.put("meta", "creation-qemu=10.1.2,ctime=" + (cluster.bootTime - 86_400));
    cluster.guests.put(t.vmid, t);
    for (int i = 0; i < simulatedGuests; i++) {
      int vmid = FIRST_SIMULATED_VMID + i;
      String node = cluster.nodes.get(i % cluster.nodes.size());
      boolean lxc = i % 2 == 0;
      Guest g = new Guest(vmid, lxc ? GuestType.LXC : GuestType.QEMU, node);
      if (lxc) {
        g.config.put("hostname", "sim-ct-" + vmid);
        g.config.put("arch", "amd64");
        g.config.put("ostype", "debian");
        g.config.put("memory", "512");
        g.config.put("swap", "512");
        g.config.put("cores", "1");
        g.config.put("unprivileged", "1");
        g.config.put("rootfs", "local-lvm:vm-" + vmid + "-disk-0,size=8G");
        g.config.put("net0", "name=eth0,bridge=vmbr0,hwaddr=" + cluster.newMac() + ",ip=dhcp,type=veth");
      } else {
        g.config.put("name", "sim-vm-" + vmid);
        g.config.put("memory", "2048");
        g.config.put("cores", "2");
        g.config.put("ostype", "l26");
        g.config.put("agent", "1");
        g.config.put("scsi0", "local-lvm:vm-" + vmid + "-disk-0,size=32G");
        g.config.put("net0", "virtio=" + cluster.newMac() + ",bridge=vmbr0");
      }
      g.config.put("tags", "sandbox;simulated");
      cluster.guests.put(vmid, g);
    }
  }
}
