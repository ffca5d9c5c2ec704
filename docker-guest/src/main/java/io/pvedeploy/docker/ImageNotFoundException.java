package io.pvedeploy.docker;

/** The image to transfer is not in the source's Docker ({@code docker image inspect} knows it not). */
public class ImageNotFoundException extends DockerGuestException {
  private static final long serialVersionUID = 1L;

  private final String reference;

  public ImageNotFoundException(String reference, String message, Throwable cause) {
    super(message, cause);
    this.reference = reference;
  }

  /** The reference that was looked up. */
  public String reference() {
    return reference;
  }
}
