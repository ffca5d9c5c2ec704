package io.pvedeploy.deploy;

/**
 * A locally built image to ship to the guest (without a registry), by its full reference with an
 * explicit tag or digest, e.g. {@code shop/backend:1.4}. Checked when the spec is built: no
 * spaces, quotes, {@code $(}, {@code ;} or newlines, and Docker's reference grammar.
 */
public record ImageSpec(String reference) {

  public static ImageSpec of(String reference) {
    return new ImageSpec(reference);
  }

  @Override
  public String toString() {
    return reference;
  }
}
