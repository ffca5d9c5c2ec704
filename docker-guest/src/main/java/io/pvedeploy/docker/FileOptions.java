package io.pvedeploy.docker;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Mode and owner of a file {@linkplain GuestShell#put put} on a guest.
 *
 * <pre>{@code
 * FileOptions.mode(0640).withOwner("root", "docker")
 * }</pre>
 *
 * @param mode permission bits, {@code 0} to {@code 07777}
 * @param owner the owning user's name or numeric id, or null to keep the shell user's
 * @param group the owning group's name or numeric id, or null to keep the user's default
 */
public record FileOptions(int mode, String owner, String group) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\\$?");

  public FileOptions {
    if (mode < 0 || mode > 07777) {
      throw new IllegalArgumentException(
          "mode " + Integer.toOctalString(mode) + " (octal) is not a file mode (0 to 07777)");
    }
    checkName(owner, "owner");
    checkName(group, "group");
  }

  /** A file of the given mode (e.g. {@code 0600}), owned by the shell's user. */
  public static FileOptions mode(int mode) {
    return new FileOptions(mode, null, null);
  }

  /** {@code 0644}, owned by the shell's user. */
  public static FileOptions defaults() {
    return mode(0644);
  }

  /** This mode, owned by {@code owner} and {@code group} (either may be null to keep it). */
  public FileOptions withOwner(String owner, String group) {
    return new FileOptions(mode, owner, group);
  }

  /** The mode as {@code chmod} reads it, e.g. {@code 0640}. */
  public String modeString() {
    return String.format("%04o", mode);
  }

  /** {@code user:group}, {@code user}, {@code :group} as chown reads it, or empty. */
  public Optional<String> chownSpec() {
    if (owner == null && group == null) {
      return Optional.empty();
    }
    return Optional.of((owner == null ? "" : owner) + (group == null ? "" : ":" + group));
  }

  private static void checkName(String name, String what) {
    if (name != null && !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what + " '" + name + "' is not a user or group name (letters, digits, '_', '.', '-';"
              + " at most 32 characters) nor a numeric id");
    }
  }
}
