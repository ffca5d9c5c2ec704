package io.pvedeploy.secrets;

import java.util.Optional;

/**
 * The store file does not verify: its MACs, its chain of entries or its syntax say that it was
 * changed by something other than this store. Nothing was read from it.
 *
 * <p>{@link #kind()} says what is wrong, {@link #secretName()} which secret (when one is
 * concerned), {@link #line()} where. Restore the file from version control or a backup; if the
 * change was a hand edit, undo it and make it through the API.
 */
public class StoreTamperedException extends SecretsException {
  private static final long serialVersionUID = 1L;

  /** What the verification found, most specific first. */
  public enum Kind {
    /** A line does not parse, is out of order or is duplicated. */
    MALFORMED,
    /** The file ends before its {@code end} line: cut short by a copy or an editor. */
    TRUNCATED,
    /** The version, recipient list or data key line changed. */
    HEADER_MODIFIED,
    /** A secret's line (value, previous value or dates) changed; its MAC fails. */
    VALUE_MODIFIED,
    /** A secret holds a value that the MAC binds to another secret's name: values were swapped. */
    VALUE_SWAPPED,
    /** A secret the file's chain of entries names is missing. */
    ENTRY_REMOVED,
    /** A secret is in the file that its chain of entries does not account for. */
    ENTRY_ADDED
  }

  private final Kind kind;
  private final String secretName;
  private final int line;

  public StoreTamperedException(String message, Kind kind, String secretName, int line) {
    super(message);
    this.kind = kind;
    this.secretName = secretName;
    this.line = line;
  }

  public Kind kind() {
    return kind;
  }

  /** The secret concerned, if the finding is about one. */
  public Optional<String> secretName() {
    return Optional.ofNullable(secretName);
  }

  /** The 1-based line of the store file where the finding is, or 0 when it is the whole file. */
  public int line() {
    return line;
  }
}
