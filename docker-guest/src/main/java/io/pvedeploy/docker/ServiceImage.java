package io.pvedeploy.docker;

import java.util.Optional;

/**
 * The image a Compose service is configured with, and whether the guest has it.
 *
 * @param service the Compose service
 * @param reference the image reference in the compose file (after interpolation)
 * @param imageId the local image's id ({@code sha256:…}), empty if the guest lacks it
 */
public record ServiceImage(String service, String reference, Optional<String> imageId) {}
