package io.pvedeploy.secrets;

/** The outcome of {@link AuditLog#verify()}. */
public sealed interface AuditCheck {

  /**
   * Every entry parses and chains to the one before it.
   *
   * @param entries how many
   * @param headHash SHA-256 (hex) of the last line: keep it elsewhere to detect a cut tail later
   */
  record Intact(long entries, String headHash) implements AuditCheck {}

  /**
   * The first entry that does not chain or parse; the entries before it are intact.
   *
   * @param entry its sequence position (1-based)
   * @param line its line in the file (1-based)
   * @param reason what is wrong with it
   */
  record Broken(long entry, int line, String reason) implements AuditCheck {}
}
