package io.pvedeploy.deploy;

import io.pvedeploy.secrets.Generator;
import io.pvedeploy.secrets.Generators;
import java.util.List;
import java.util.Optional;

/**
 * One secret the app needs: its name in the store, how its value is made, which compose services
 * get it (as a file, mode 0400, under {@code /run/secrets/}), and the file's name there. The spec
 * never holds a value, so printing it shows none.
 *
 * <pre>{@code
 * SecretSpec.password("db_password", 32).withServices("db", "backend")
 * SecretSpec.provided("smtp_password").withServices("backend")
 * }</pre>
 *
 * @param name the store's name, {@code [a-z0-9_][a-z0-9_.-]{0,63}}
 * @param generate how the value is made
 * @param services the compose services that get it
 * @param fileName the file's name in the guest, when not {@code name}
 */
public record SecretSpec(String name, GeneratorSpec generate, List<String> services, Optional<String> fileName) {

  public SecretSpec {
    services = services == null ? List.of() : List.copyOf(services);
    fileName = fileName == null ? Optional.empty() : fileName;
  }

  /** A password of {@code length} characters from {@link Generators#SAFE_ALPHABET}. */
  public static SecretSpec password(String name, int length) {
    return of(name, new GeneratorSpec.Password(length, Generators.SAFE_ALPHABET));
  }

  /** A password of {@code length} characters from {@code alphabet}. */
  public static SecretSpec password(String name, int length, String alphabet) {
    return of(name, new GeneratorSpec.Password(length, alphabet));
  }

  /** {@code bytes} random bytes as hex. */
  public static SecretSpec hex(String name, int bytes) {
    return of(name, new GeneratorSpec.Hex(bytes));
  }

  /** {@code bytes} random bytes as URL-safe base64. */
  public static SecretSpec base64(String name, int bytes) {
    return of(name, new GeneratorSpec.Base64(bytes));
  }

  /** A value someone puts into the store; never generated. */
  public static SecretSpec provided(String name) {
    return of(name, new GeneratorSpec.Provided());
  }

  public static SecretSpec of(String name, GeneratorSpec generate) {
    return new SecretSpec(name, generate, List.of(), Optional.empty());
  }

  /** This secret, given to these compose services. */
  public SecretSpec withServices(String... services) {
    return new SecretSpec(name, generate, List.of(services), fileName);
  }

  public SecretSpec withServices(List<String> services) {
    return new SecretSpec(name, generate, services, fileName);
  }

  /** This secret, delivered as {@code /run/secrets/<fileName>}. */
  public SecretSpec withFileName(String fileName) {
    return new SecretSpec(name, generate, services, Optional.of(fileName == null ? "" : fileName));
  }

  /** The file's name in the guest: {@link #fileName()} or else {@link #name()}. */
  public String effectiveFileName() {
    return fileName.orElse(name);
  }

  /** Whether the store makes the value (else a person provides it). */
  public boolean isGenerated() {
    return !(generate instanceof GeneratorSpec.Provided);
  }

  /** The store's generator, empty for a provided secret; for a valid spec's secrets. */
  public Optional<Generator> toGenerator() {
    return generate.toGenerator();
  }
}
