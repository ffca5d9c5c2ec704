package io.pvedeploy.docker;

import java.time.Duration;

/**
 * What one {@link ImageTransfer#transfer} did.
 *
 * @param imageId the image's id ({@code sha256:…}), the same on both sides
 * @param reference the reference the destination now has the image under (the tag given, or the id)
 * @param layers the image's layers
 * @param layersSent layers uploaded, whole or resumed
 * @param layersSkipped layers the destination had, or had staged
 * @param layerBytesSent layer bytes that crossed the wire
 * @param bytesSent everything that crossed the wire: layer bytes, config and manifest
 * @param duration the whole transfer, from the first look at the image to the verification
 */
public record TransferResult(String imageId, String reference, int layers, int layersSent,
    int layersSkipped, long layerBytesSent, long bytesSent, Duration duration) {}
