package io.pvedeploy.docker;

/**
 * An image's bytes are not what their digests say: a layer arrived on the guest with another
 * sha256 or size than it left with, the saved image did not match its id, or the image the
 * guest's Docker holds after the load has another id or other layers than the source's. The
 * bad staged file is removed, so running the transfer again sends it afresh.
 */
public class ImageVerificationException extends DockerGuestException {
  private static final long serialVersionUID = 1L;

  public ImageVerificationException(String message, Throwable cause) {
    super(message, cause);
  }
}
