package io.pvedeploy.secrets;

import java.util.Optional;

/**
 * One rendered secret file, for a module that ships files through its own shell: put {@code
 * content} at {@code <secrets dir>/<name>} with {@code mode} and owner. Prints its content as
 * {@code Secret[***]}.
 *
 * @param name the relative file name (the secret's name: safe as a file name and compose key)
 * @param content the value
 * @param mode permission bits, 0400 by default
 * @param owner user name or numeric uid for the file, or null to leave it to the writer
 * @param group group name or numeric gid, or null
 */
public record SecretFile(String name, Secret content, int mode, String owner, String group) {

  public Optional<String> ownerName() {
    return Optional.ofNullable(owner);
  }

  public Optional<String> groupName() {
    return Optional.ofNullable(group);
  }
}
