package io.pvedeploy.deploy;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The app itself: a compose bundle directory and the locally built images it needs.
 *
 * @param bundleDirectory the directory with the compose file(s), absolute and normalised (a
 *     relative path is resolved against the working directory in Java, against the YAML file's
 *     directory in YAML); read by {@link io.pvedeploy.docker.ComposeBundle#fromDirectory}
 * @param images images to ship to the guest; images a registry serves need not be listed
 */
public record ComposeSpec(Path bundleDirectory, List<ImageSpec> images) {

  public ComposeSpec {
    bundleDirectory = bundleDirectory == null ? null : bundleDirectory.toAbsolutePath().normalize();
    images = images == null ? List.of() : List.copyOf(images);
  }

  /** The bundle in {@code bundleDirectory} and the images with these references. */
  public static ComposeSpec of(Path bundleDirectory, String... images) {
    return new ComposeSpec(bundleDirectory, Arrays.stream(images).map(ImageSpec::new).toList());
  }
}
