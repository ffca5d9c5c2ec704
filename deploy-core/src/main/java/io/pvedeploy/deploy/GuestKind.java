package io.pvedeploy.deploy;

/** What runs the app: an LXC container, or a QEMU VM cloned from a cloud-init template. */
public enum GuestKind {
  /** An unprivileged LXC container (features {@code nesting=1,keyctl=1}) from an OS template. */
  LXC("lxc"),
  /** A QEMU VM cloned from a template with cloud-init and the QEMU guest agent. */
  VM("vm");

  private final String yamlName;

  GuestKind(String yamlName) {
    this.yamlName = yamlName;
  }

  /** The name in YAML: {@code lxc} or {@code vm}. */
  public String yamlName() {
    return yamlName;
  }
}
