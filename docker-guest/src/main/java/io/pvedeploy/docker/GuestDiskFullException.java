package io.pvedeploy.docker;

/**
 * A guest's disk has no room for what a transfer needs: found before anything was sent (then
 * {@link #bytesNeeded()} and {@link #bytesAvailable()} are what {@code df} said), or hit while
 * writing ({@code No space left on device}). Either way the transfer's partial files are removed
 * and nothing that ran before (containers, images, the previous release) is touched.
 */
public class GuestDiskFullException extends DockerGuestException {
  private static final long serialVersionUID = 1L;

  private final String path;
  private final long bytesNeeded;
  private final long bytesAvailable;

  public GuestDiskFullException(String message, String path, long bytesNeeded, long bytesAvailable,
      Throwable cause) {
    super(message, cause);
    this.path = path;
    this.bytesNeeded = bytesNeeded;
    this.bytesAvailable = bytesAvailable;
  }

  /** The guest directory whose file system is full. */
  public String path() {
    return path;
  }

  /** Bytes the step needed there (an estimate for {@code docker load}), or -1 if unknown. */
  public long bytesNeeded() {
    return bytesNeeded;
  }

  /** Bytes free there when it was checked, or -1 if unknown. */
  public long bytesAvailable() {
    return bytesAvailable;
  }
}
