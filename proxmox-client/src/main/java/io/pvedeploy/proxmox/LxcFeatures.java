package io.pvedeploy.proxmox;

import io.pvedeploy.proxmox.internal.PropertyStrings;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An LXC container's {@code features} property ({@code nesting=1,keyctl=1}), typed so that flags
 * and the {@code mount} list cannot be misspelt or joined with the wrong separator.
 *
 * <p>Flags that are off are not written (PVE's default for each is off), so two values that mean
 * the same compare equal and render the same. Build with {@link #none()} or {@link #docker()} and
 * the {@code with…} methods; read PVE's string with {@link #parse}; write it with {@link #render}.
 *
 * @param nesting allow nested containers (Docker, systemd's service isolation)
 * @param keyctl allow the keyctl() system call in unprivileged containers (Docker needs it)
 * @param fuse allow FUSE file systems
 * @param mknod allow unprivileged containers to create certain device nodes (experimental)
 * @param forceRwSys mount /sys read-write instead of mixed ({@code force_rw_sys})
 * @param mount file system types the container may mount, e.g. {@code nfs}, {@code cifs}
 */
public record LxcFeatures(
    boolean nesting,
    boolean keyctl,
    boolean fuse,
    boolean mknod,
    boolean forceRwSys,
    List<String> mount) {

  private static final String PROPERTY = "features";
  private static final Set<String> KEYS =
      Set.of("nesting", "keyctl", "fuse", "mknod", "force_rw_sys", "mount");
  private static final Pattern FS_TYPE = Pattern.compile("[a-zA-Z0-9_]+");

  private static final LxcFeatures NONE = new LxcFeatures(false, false, false, false, false, null);

  /** Checks the file system types and copies the list. */
  public LxcFeatures {
    mount =
        PropertyStrings.checkList(
            PROPERTY,
            "mount",
            mount,
            type ->
                PropertyStrings.check(
                    PROPERTY,
                    "mount",
                    type,
                    FS_TYPE,
                    "file system types of letters, digits and '_', like nfs or cifs"));
  }

  /** No features: what a container has when {@code features} is unset. */
  public static LxcFeatures none() {
    return NONE;
  }

  /** {@code nesting} and {@code keyctl}: what Docker needs in an unprivileged container. */
  public static LxcFeatures docker() {
    return NONE.withNesting(true).withKeyctl(true);
  }

  /**
   * Reads a {@code features} value as PVE writes it, e.g. {@code nesting=1,keyctl=1}. Key order is
   * free; booleans may be written as PVE accepts them (1/0, on/off, yes/no, true/false).
   *
   * @throws MalformedPropertyException on an unknown or duplicate key, or a bad value
   */
  public static LxcFeatures parse(String value) {
    PropertyStrings.Fields fields = PropertyStrings.parse(PROPERTY, value, null, KEYS);
    return new LxcFeatures(
        fields.flag("nesting", false),
        fields.flag("keyctl", false),
        fields.flag("fuse", false),
        fields.flag("mknod", false),
        fields.flag("force_rw_sys", false),
        fields.list("mount"));
  }

  /**
   * The canonical property string ({@code keyctl=1,nesting=1}: keys sorted, as PVE's {@code
   * print_property_string} orders them); empty for {@link #none()}.
   */
  public String render() {
    return PropertyStrings.writer()
        .flag("force_rw_sys", forceRwSys, false)
        .flag("fuse", fuse, false)
        .flag("keyctl", keyctl, false)
        .flag("mknod", mknod, false)
        .put("mount", mount)
        .flag("nesting", nesting, false)
        .render();
  }

  /** Whether no feature is enabled. */
  public boolean isNone() {
    return equals(NONE);
  }

  /**
   * Whether setting these features needs {@code root@pam}: PVE lets other users (and every API
   * token) change only {@code nesting}, and only on unprivileged containers. On a privileged
   * container any change of features needs {@code root@pam}, whatever this says.
   */
  public boolean requiresRootPam() {
    return keyctl || fuse || mknod || forceRwSys || !mount.isEmpty();
  }

  /** A copy with {@code nesting} set. */
  public LxcFeatures withNesting(boolean nesting) {
    return new LxcFeatures(nesting, keyctl, fuse, mknod, forceRwSys, mount);
  }

  /** A copy with {@code keyctl} set. */
  public LxcFeatures withKeyctl(boolean keyctl) {
    return new LxcFeatures(nesting, keyctl, fuse, mknod, forceRwSys, mount);
  }

  /** A copy with {@code fuse} set. */
  public LxcFeatures withFuse(boolean fuse) {
    return new LxcFeatures(nesting, keyctl, fuse, mknod, forceRwSys, mount);
  }

  /** A copy with {@code mknod} set. */
  public LxcFeatures withMknod(boolean mknod) {
    return new LxcFeatures(nesting, keyctl, fuse, mknod, forceRwSys, mount);
  }

  /** A copy with {@code force_rw_sys} set. */
  public LxcFeatures withForceRwSys(boolean forceRwSys) {
    return new LxcFeatures(nesting, keyctl, fuse, mknod, forceRwSys, mount);
  }

  /** A copy allowing exactly these file system types to be mounted (none if empty). */
  public LxcFeatures withMount(List<String> fileSystemTypes) {
    return new LxcFeatures(nesting, keyctl, fuse, mknod, forceRwSys, fileSystemTypes);
  }

  /** A copy allowing exactly these file system types to be mounted, e.g. {@code "nfs", "cifs"}. */
  public LxcFeatures withMount(String... fileSystemTypes) {
    return withMount(Arrays.asList(fileSystemTypes));
  }

  @Override
  public String toString() {
    return "LxcFeatures[" + render() + "]";
  }
}
