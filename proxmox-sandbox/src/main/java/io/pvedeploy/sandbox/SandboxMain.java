package io.pvedeploy.sandbox;

/** Placeholder; replaced by the standalone entry point. */
public final class SandboxMain {
  private SandboxMain() {}

  public static void main(String[] args) {}
}
