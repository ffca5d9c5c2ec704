package io.pvedeploy.docker;

/**
 * Compose rejected the bundle's compose file(s) ({@code config -q} failed) before anything was
 * started. The message holds compose's own words; fix the bundle and ship it again.
 */
public class ComposeConfigException extends DockerGuestException {
  private static final long serialVersionUID = 1L;

  private final String composeOutput;

  public ComposeConfigException(String message, String composeOutput, Throwable cause) {
    super(message, cause);
    this.composeOutput = composeOutput == null ? "" : composeOutput;
  }

  /** What compose said, verbatim (the end of it when long). */
  public String composeOutput() {
    return composeOutput;
  }
}
