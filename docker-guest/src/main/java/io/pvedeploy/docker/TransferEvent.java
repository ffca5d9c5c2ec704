package io.pvedeploy.docker;

/**
 * What an {@link ImageTransfer} is doing, in order: one {@link Planned}, then for each layer of
 * the image either {@link LayerSkipped} or {@link LayerStarted}, {@link LayerProgress}… and
 * {@link LayerFinished}; then {@link Loaded} and {@link Verified}. Events reach the listener one
 * at a time, never concurrently, though progress may come from the thread that feeds the
 * upload.
 *
 * <pre>{@code
 * transfer.transfer("shop/web:1.4", event -> {
 *   switch (event) {
 *     case TransferEvent.LayerProgress p -> bar.set(p.sent(), p.size());
 *     default -> log.info("{}", event);
 *   }
 * });
 * }</pre>
 */
public sealed interface TransferEvent {

  /** The image id ({@code sha256:…}) this event is about. */
  String imageId();

  /**
   * What the transfer will do.
   *
   * @param layers the image's layers
   * @param layersToSend layers the destination lacks and that are not staged there yet
   * @param bytesToSend what will cross the wire: layer bytes still to send plus config and manifest
   */
  record Planned(String imageId, int layers, int layersToSend, long bytesToSend) implements TransferEvent {}

  /** Why a layer is not sent. */
  enum SkipReason {
    /** The destination's Docker has the layer (the same chain of layers up to it). */
    PRESENT,
    /** An earlier, interrupted transfer left it staged and verified on the destination. */
    STAGED
  }

  /** A layer that is not sent. */
  record LayerSkipped(String imageId, int index, String diffId, SkipReason reason) implements TransferEvent {}

  /**
   * A layer upload begins.
   *
   * @param size the layer's size in bytes
   * @param offset where the upload starts: non-zero when it resumes a partial upload
   */
  record LayerStarted(String imageId, int index, String diffId, long size, long offset) implements TransferEvent {}

  /** Bytes of a layer that reached the destination so far (counting from 0, not the offset). */
  record LayerProgress(String imageId, int index, String diffId, long sent, long size) implements TransferEvent {}

  /**
   * A layer is staged on the destination and its size and digest checked there.
   *
   * @param bytesSent bytes of this layer sent by this transfer (less than its size after a resume)
   */
  record LayerFinished(String imageId, int index, String diffId, long bytesSent) implements TransferEvent {}

  /** {@code docker load} on the destination took the image. */
  record Loaded(String imageId, String reference) implements TransferEvent {}

  /** The destination's image has the expected id and diff ids. */
  record Verified(String imageId, String reference) implements TransferEvent {}
}
