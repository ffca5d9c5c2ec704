package io.pvedeploy.docker;

import java.nio.file.Path;

/**
 * A bundle directory cannot be shipped as it is: a file name that is not a plain portable name
 * (spaces, quotes, {@code $}, control characters, a leading {@code -}), a symbolic link, a missing
 * compose file, an env file with a key that is not a variable name. Nothing was sent to the guest.
 */
public class InvalidBundleException extends DockerGuestException {
  private static final long serialVersionUID = 1L;

  private final transient Path bundle;

  public InvalidBundleException(Path bundle, String message) {
    super(message, null);
    this.bundle = bundle;
  }

  /** The local bundle directory. */
  public Path bundle() {
    return bundle;
  }
}
