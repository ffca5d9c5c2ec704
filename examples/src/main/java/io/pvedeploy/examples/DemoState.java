package io.pvedeploy.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The demo's state directory and what lives in it. The directory itself is 0755 because the
 * sandbox's unprivileged guests (root = uid 100000 on the host) must reach their root file
 * systems under {@code sandbox/}; everything secret is in {@code private/}, mode 0700.
 *
 * <pre>
 * DIR/                      0755
 *   demo.yaml               the deployment spec (docs/spec.md), references ./bundle
 *   bundle/                 the compose bundle: compose.yaml and .env (image references)
 *   sandbox/                the sandbox's cluster state and its guests' disks
 *   sandbox.pid, .log       the background sandbox process
 *   private/                0700
 *     age-identity.txt      the demo's age identity (0600), never printed
 *     demo.secrets          the secret store, values encrypted to that identity
 *     demo.secrets.audit    its audit trail (who read or wrote what, never a value)
 *     sandbox.json          how to reach the sandbox, incl. its API token (0600)
 * </pre>
 */
record DemoState(Path directory) {

  /** Root runs the demo (real containers need it), so state goes where root keeps services' state. */
  static final Path DEFAULT_DIRECTORY = Path.of("/var/lib/pvedeploy-demo");

  /** Opens (creating) the state directory with the permissions above. */
  static DemoState open(Path directory) throws IOException {
    Path dir = directory.toAbsolutePath().normalize();
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path priv = dir.resolve("private");
    Files.createDirectories(priv);
    Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rwx------"));
    Files.createDirectories(dir.resolve("sandbox"));
    Files.setPosixFilePermissions(dir.resolve("sandbox"), PosixFilePermissions.fromString("rwxr-xr-x"));
    return new DemoState(dir);
  }

  Path spec() {
    return directory.resolve("demo.yaml");
  }

  Path bundle() {
    return directory.resolve("bundle");
  }

  Path sandboxState() {
    return directory.resolve("sandbox");
  }

  Path sandboxPid() {
    return directory.resolve("sandbox.pid");
  }

  Path identity() {
    return directory.resolve("private/age-identity.txt");
  }

  Path secrets() {
    return directory.resolve("private/demo.secrets");
  }

  Path sandboxConnection() {
    return directory.resolve("private/sandbox.json");
  }
}
