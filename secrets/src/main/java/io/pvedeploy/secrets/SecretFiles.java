package io.pvedeploy.secrets;

import io.pvedeploy.secrets.internal.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Secrets rendered as files, one per secret: the delivery that keeps values out of {@code docker
 * inspect}, process lists and logs. Compose mounts them under {@code /run/secrets/NAME} through
 * its top-level {@code secrets:} section, and official images read them through their {@code
 * *_FILE} variables ({@code POSTGRES_PASSWORD_FILE=/run/secrets/db_password}).
 *
 * <pre>{@code
 * SecretFiles files = store.files("db_password", "api_token").owner("999", "999");
 * files.writeTo(Path.of("deploy/secrets"));      // 0400 files, dir 0700
 * String yaml = files.composeSection("./secrets"); // for docker-compose.yml
 * files.destroy();
 * }</pre>
 *
 * <p>Or ship {@link #list()} through another module's shell. Immutable; {@link #mode} and
 * {@link #owner} return new instances sharing the same decrypted values.
 */
public final class SecretFiles {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}");

  private final Map<String, Secret> values;
  private final int mode;
  private final String owner;
  private final String group;

  SecretFiles(Map<String, Secret> values, int mode, String owner, String group) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    this.mode = mode;
    this.owner = owner;
    this.group = group;
  }

  /** The files' mode, 0400 by default. Group- or world-writable modes are refused. */
  public SecretFiles mode(int mode) {
    if (mode < 0 || mode > 0777 || (mode & 0022) != 0 || (mode & 0400) == 0) {
      throw new IllegalArgumentException("secret file mode " + Integer.toOctalString(mode) + " (octal)"
          + " must let its owner read and no one else write: e.g. 0400 (default) or 0440");
    }
    return new SecretFiles(values, mode, owner, group);
  }

  /**
   * The files' owner and group: names or numeric ids as the container sees them (postgres runs as
   * 999:999 in the official image). Either may be null to leave it unchanged.
   */
  public SecretFiles owner(String owner, String group) {
    check(owner, "owner");
    check(group, "group");
    return new SecretFiles(values, mode, owner, group);
  }

  /** The files as (relative name, content, mode, owner, group), in the order asked for. */
  public List<SecretFile> list() {
    List<SecretFile> files = new ArrayList<>(values.size());
    values.forEach((name, value) -> files.add(new SecretFile(name, value, mode, owner, group)));
    return files;
  }

  /**
   * Writes every file into {@code dir} (created with mode 0700 if missing), each atomically
   * with its mode and owner. Changing the owner needs root (or CAP_CHOWN).
   *
   * @return the written paths
   */
  public List<Path> writeTo(Path dir) throws StoreIoException {
    List<Path> written = new ArrayList<>();
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
      for (SecretFile file : list()) {
        Path target = dir.resolve(file.name());
        byte[] bytes = file.content().bytes();
        try {
          AtomicFiles.write(target, bytes, mode, true, temp -> {
            PosixFileAttributeView view = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
            if (owner != null) {
              view.setOwner(users.lookupPrincipalByName(owner));
            }
            if (group != null) {
              view.setGroup(users.lookupPrincipalByGroupName(group));
            }
          });
        } finally {
          java.util.Arrays.fill(bytes, (byte) 0);
        }
        written.add(target);
      }
    } catch (IOException e) {
      throw new StoreIoException("cannot write secret files into " + dir + ": " + e.getMessage()
          + (owner != null || group != null ? " (setting an owner needs root)" : ""), e);
    }
    return written;
  }

  /**
   * The top-level {@code secrets:} section of a compose file for these files in {@code dir}
   * (relative to the compose file, e.g. {@code ./secrets}). Services then list them under their
   * own {@code secrets:} and read {@code /run/secrets/NAME}.
   */
  public String composeSection(String dir) {
    if (dir == null || dir.isEmpty() || dir.contains("\n") || dir.contains("'")) {
      throw new IllegalArgumentException("the secrets directory must be a plain path such as ./secrets");
    }
    String base = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
    StringBuilder yaml = new StringBuilder("secrets:\n");
    for (String name : values.keySet()) {
      yaml.append("  ").append(name).append(":\n    file: '").append(base).append('/').append(name).append("'\n");
    }
    return yaml.toString();
  }

  /** Zeroes every decrypted value held. */
  public void destroy() {
    values.values().forEach(Secret::destroy);
  }

  @Override
  public String toString() {
    return "SecretFiles" + values.keySet() + "[mode=" + String.format("%04o", mode)
        + (owner != null ? ", owner=" + owner : "") + (group != null ? ", group=" + group : "") + "]";
  }

  private static void check(String id, String what) {
    if (id != null && !ID.matcher(id).matches()) {
      throw new IllegalArgumentException("secret file " + what + " must be a user/group name or"
          + " numeric id ([A-Za-z0-9_][A-Za-z0-9_.-]{0,31})");
    }
  }
}
