package io.pvedeploy.proxmox.archfixture;

/** A deliberate violation, for {@code ModuleArrowsTest#aCrossedArrowFailsTheBuild} only. */
public final class ClientThatUsesTheSandbox {
  private ClientThatUsesTheSandbox() {}

  public static Class<?> crossTheArrow() {
    return io.pvedeploy.sandbox.Sandbox.class;
  }
}
