package io.pvedeploy.examples;

/** Placeholder. */
public final class Placeholder {
  private Placeholder() {}
}
