package io.pvedeploy.secrets;

import java.time.Instant;
import java.util.Optional;

/**
 * One line of the audit log: who did what to which secret, when. Never a value.
 *
 * @param sequence 1 for the first entry, then consecutive
 * @param time when, to the millisecond, UTC
 * @param actor who: the store's {@linkplain SecretStore.Builder#actor actor}
 * @param action what
 * @param secretName the secret concerned, or null for store-wide actions
 * @param detail more about the action (a version number, a recipient), or null
 * @param previousHash SHA-256 (hex) of the previous line; 64 zeros for the first
 */
public record AuditEntry(long sequence, Instant time, String actor, AuditAction action,
    String secretName, String detail, String previousHash) {

  public Optional<String> secret() {
    return Optional.ofNullable(secretName);
  }
}
