package io.pvedeploy.proxmox;

import java.io.IOException;

/**
 * A body that {@link JsonScanner} cannot read: malformed JSON, or JSON of another shape than the
 * decoder expects. An {@link IOException} so a decoder's signature stays one {@code throws}, but
 * {@link Transport} turns it into an {@link UnexpectedResponseException} (PVE's fault), never a
 * connection failure.
 */
final class JsonScanException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int offset;

  JsonScanException(String message, int offset) {
    super(message + " at byte " + offset);
    this.offset = offset;
  }

  /** Where in the body the scanner stopped, counted in bytes from 0. */
  int offset() {
    return offset;
  }
}
