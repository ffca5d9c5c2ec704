package io.pvedeploy.docker;

import org.junit.jupiter.api.Tag;

/** {@link LocalShell} against the shell contract. */
@Tag("integration")
class LocalShellIT extends GuestShellContract {
  private static final LocalShell SHELL = LocalShell.create();

  @Override
  protected GuestShell shell() {
    return SHELL;
  }
}
