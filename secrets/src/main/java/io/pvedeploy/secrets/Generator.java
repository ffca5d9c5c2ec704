package io.pvedeploy.secrets;

import java.security.SecureRandom;

/**
 * Makes a new secret value. {@link Generators} has the usual ones; a generator must draw every
 * random byte from the {@link SecureRandom} it is given.
 */
@FunctionalInterface
public interface Generator {
  Secret generate(SecureRandom random);
}
