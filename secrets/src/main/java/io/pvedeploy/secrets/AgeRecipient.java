package io.pvedeploy.secrets;

import com.exceptionfactory.jagged.bech32.Bech32;
import com.exceptionfactory.jagged.bech32.Bech32Address;
import java.util.Locale;

/**
 * An age X25519 recipient: the public half of an {@link AgeIdentity}, written {@code age1…} as
 * {@code age-keygen} prints it. Not a secret; {@link #toString()} is the {@code age1…} string.
 *
 * @param value the canonical lower-case {@code age1…} string
 */
public record AgeRecipient(String value) {

  public AgeRecipient {
    if (value == null) {
      throw new InvalidRecipientException("an age recipient must not be null", null);
    }
    String trimmed = value.strip();
    Bech32Address address;
    try {
      address = Bech32.getDecoder().decode(trimmed);
    } catch (RuntimeException e) {
      throw new InvalidRecipientException(describe(trimmed) + " is not an age recipient: expected"
          + " 'age1' and 58 Bech32 characters with a valid checksum, as age-keygen prints after"
          + " 'public key:'. Passphrase and SSH recipients are not supported", e);
    }
    if (!"age".equalsIgnoreCase(address.getHumanReadablePart().toString()) || address.getData().length != 32) {
      throw new InvalidRecipientException(describe(trimmed) + " is Bech32 but not an age X25519"
          + " recipient (expected the prefix 'age1' and a 32-byte key)", null);
    }
    value = trimmed.toLowerCase(Locale.ROOT);
  }

  /** Parses {@code age1…}; surrounding white space is ignored. */
  public static AgeRecipient parse(String value) {
    return new AgeRecipient(value);
  }

  @Override
  public String toString() {
    return value;
  }

  /** Never echo what might be a pasted private key: only its first characters. */
  private static String describe(String text) {
    if (text.regionMatches(true, 0, "AGE-SECRET-KEY-", 0, 15)) {
      return "an age identity (AGE-SECRET-KEY-…, the private key!)";
    }
    return text.length() <= 12 ? "'" + text + "'" : "'" + text.substring(0, 8) + "…' (" + text.length() + " characters)";
  }
}
