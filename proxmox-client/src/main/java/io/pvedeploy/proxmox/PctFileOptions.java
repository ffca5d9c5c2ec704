package io.pvedeploy.proxmox;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The mode and owner {@code pct push} gives a file inside a container ({@code --perms},
 * {@code --user}, {@code --group}). Unset values are left to {@code pct}: mode {@code 0666 &
 * ~umask}, owner root. Names are resolved inside the container, so they must exist there; numeric
 * ids always work.
 *
 * <pre>{@code
 * PctFileOptions.defaults().perms("0600").owner("app", "app")
 * }</pre>
 *
 * @param perms octal mode, e.g. {@code 0600}
 * @param user owner user name or numeric id
 * @param group owner group name or numeric id
 */
public record PctFileOptions(Optional<String> perms, Optional<String> user, Optional<String> group) {
  private static final Pattern PERMS = Pattern.compile("0?[0-7]{3,4}");
  private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}");

  public PctFileOptions {
    perms = perms == null ? Optional.empty() : perms;
    user = user == null ? Optional.empty() : user;
    group = group == null ? Optional.empty() : group;
    perms.ifPresent(
        p -> {
          if (!PERMS.matcher(p).matches()) {
            throw new IllegalArgumentException(
                "perms '" + p + "' is not an octal file mode such as 0600 or 0644");
          }
        });
    user.ifPresent(u -> checkOwner(u, "user"));
    group.ifPresent(g -> checkOwner(g, "group"));
  }

  /** Leave mode and owner to {@code pct}. */
  public static PctFileOptions defaults() {
    return new PctFileOptions(Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** With this octal mode, e.g. {@code "0600"}. */
  public PctFileOptions perms(String octal) {
    return new PctFileOptions(Optional.of(octal), user, group);
  }

  /** Owned by this user and group (names inside the container, or numeric ids). */
  public PctFileOptions owner(String newUser, String newGroup) {
    return new PctFileOptions(perms, Optional.of(newUser), Optional.of(newGroup));
  }

  /** {@code pct}'s options for these settings. */
  List<String> toArgs() {
    List<String> args = new ArrayList<>();
    perms.ifPresent(p -> args.addAll(List.of("--perms", p)));
    user.ifPresent(u -> args.addAll(List.of("--user", u)));
    group.ifPresent(g -> args.addAll(List.of("--group", g)));
    return args;
  }

  private static void checkOwner(String value, String what) {
    if (!OWNER.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what + " '" + value + "' is not a user or group name or numeric id (letters, digits,"
              + " '_', '.', '-', not starting with '-')");
    }
  }
}
