package io.pvedeploy.docker;

import java.util.List;

/**
 * What {@link ComposeProject#prune(int)} did.
 *
 * @param keptReleases the releases left on the guest, most recently used first
 * @param removedReleases the releases whose directories were removed
 * @param removedImages image references removed because only removed releases named them
 * @param imagesInUse image references only removed releases named, kept because a container
 *     still uses them
 */
public record PruneResult(
    List<String> keptReleases, List<String> removedReleases, List<String> removedImages, List<String> imagesInUse) {
  public PruneResult {
    keptReleases = List.copyOf(keptReleases);
    removedReleases = List.copyOf(removedReleases);
    removedImages = List.copyOf(removedImages);
    imagesInUse = List.copyOf(imagesInUse);
  }
}
