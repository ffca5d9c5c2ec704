package io.pvedeploy.deploy;

/**
 * What a guest is made from: for {@link GuestKind#LXC} an OS template volume, for {@link
 * GuestKind#VM} the vmid of a VM template (with cloud-init and the QEMU guest agent) to clone.
 */
public sealed interface GuestTemplate permits GuestTemplate.OsTemplate, GuestTemplate.VmTemplate {

  /** An LXC OS template volume, e.g. {@code local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst}. */
  record OsTemplate(String volumeId) implements GuestTemplate {}

  /** A VM template to clone, e.g. {@code 9000}. */
  record VmTemplate(int vmid) implements GuestTemplate {}

  static OsTemplate os(String volumeId) {
    return new OsTemplate(volumeId);
  }

  static VmTemplate vm(int vmid) {
    return new VmTemplate(vmid);
  }
}
