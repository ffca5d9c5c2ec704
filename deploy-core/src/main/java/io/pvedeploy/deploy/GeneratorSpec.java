package io.pvedeploy.deploy;

import io.pvedeploy.secrets.Generator;
import io.pvedeploy.secrets.Generators;
import java.util.Optional;

/**
 * How a secret's value comes to be: generated once by the store ({@link Password}, {@link Hex},
 * {@link Base64}) or {@link Provided} by a person ({@code generate: never}). A spec holds only
 * this, never a value.
 */
public sealed interface GeneratorSpec
    permits GeneratorSpec.Password, GeneratorSpec.Hex, GeneratorSpec.Base64, GeneratorSpec.Provided {

  /** The store's generator; empty for {@link Provided}. Call on a valid spec's secrets only. */
  Optional<Generator> toGenerator();

  /** The YAML {@code generate:} value. */
  String yamlName();

  /**
   * {@code length} characters (4 to 4096) drawn from {@code alphabet}, {@link
   * Generators#SAFE_ALPHABET} unless stated (2 to 256 distinct printable ASCII characters).
   */
  record Password(int length, String alphabet) implements GeneratorSpec {
    @Override
    public Optional<Generator> toGenerator() {
      return Optional.of(Generators.password(alphabet, length));
    }

    @Override
    public String yamlName() {
      return "password";
    }
  }

  /** {@code bytes} random bytes (8 to 4096) as lower-case hex. */
  record Hex(int bytes) implements GeneratorSpec {
    @Override
    public Optional<Generator> toGenerator() {
      return Optional.of(Generators.hex(bytes));
    }

    @Override
    public String yamlName() {
      return "hex";
    }
  }

  /** {@code bytes} random bytes (8 to 4096) as URL-safe base64 without padding. */
  record Base64(int bytes) implements GeneratorSpec {
    @Override
    public Optional<Generator> toGenerator() {
      return Optional.of(Generators.base64(bytes));
    }

    @Override
    public String yamlName() {
      return "base64";
    }
  }

  /** Never generated: someone puts the value into the store; a deploy without it fails early. */
  record Provided() implements GeneratorSpec {
    @Override
    public Optional<Generator> toGenerator() {
      return Optional.empty();
    }

    @Override
    public String yamlName() {
      return "never";
    }
  }
}
