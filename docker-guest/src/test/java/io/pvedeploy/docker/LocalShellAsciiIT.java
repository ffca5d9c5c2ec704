package io.pvedeploy.docker;

import org.junit.jupiter.api.Tag;

/**
 * {@link LocalShell} as it runs on a JVM whose platform charset is not UTF-8 ({@code LANG=C}):
 * non-ASCII arguments take the quoted {@code sh -c} path and must still arrive byte for byte.
 */
@Tag("integration")
class LocalShellAsciiIT extends GuestShellContract {
  private static final LocalShell SHELL = LocalShell.asciiOnlyForTests();

  @Override
  protected GuestShell shell() {
    return SHELL;
  }
}
