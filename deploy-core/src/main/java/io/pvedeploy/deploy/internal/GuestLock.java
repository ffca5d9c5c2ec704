package io.pvedeploy.deploy.internal;

import com.squareup.moshi.JsonAdapter;
import com.squareup.moshi.Moshi;
import io.pvedeploy.deploy.DeployException;
import io.pvedeploy.deploy.DeploymentLockedException;
import io.pvedeploy.deploy.LockHolder;
import io.pvedeploy.docker.DockerGuestException;
import io.pvedeploy.docker.Exec;
import io.pvedeploy.docker.ExecResult;
import io.pvedeploy.docker.GuestShell;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * An app's deploy lock on its guest, Kamal's: the directory {@code <base>/<app>/.lock}, made with
 * {@code mkdir} (atomic: of two appliers exactly one makes it) and holding {@code holder.json}.
 * It lives where the deploy happens, so appliers on different machines see one lock. A holder
 * that died leaves it behind; only a person can tell, so it is released by hand ({@link #breakLock()}).
 */
final class GuestLock {
  static final String DIR = ".lock";
  private static final int HELD = 3;

  private final GuestShell shell;
  private final String appDir;
  private final String app;

  GuestLock(GuestShell shell, String appDir, String app) {
    this.shell = shell;
    this.appDir = appDir;
    this.app = app;
  }

  /**
   * A lock taken: the token {@link #release(String)} needs, and {@code deployed.json} as it was
   * once the lock was held (another apply may have finished between a plan and the lock).
   */
  record Acquired(String token, Optional<DeployedState> deployed) {}

  /**
   * Takes the lock in one round trip.
   *
   * @throws DeploymentLockedException if someone holds it
   */
  Acquired acquire(String message) throws DeployException, DockerGuestException {
    String token = UUID.randomUUID().toString();
    Map<String, Object> holder = new LinkedHashMap<>();
    holder.put("holder", whoAmI());
    holder.put("since", Instant.now().toString());
    holder.put("message", message);
    holder.put("token", token);
    ExecResult r = shell.run(Exec.builder("sh", "-c", "mkdir -p -- \"$1\" && if mkdir -- \"$1/" + DIR + "\" 2>/dev/null;"
        + " then cat > \"$1/" + DIR + "/holder.json\" && echo acquired && { cat -- \"$1/deployed.json\" 2>/dev/null || :; }; else cat -- \"$1/" + DIR + "/holder.json\""
        + " 2>/dev/null; exit " + HELD + "; fi", "pvedeploy-lock", appDir)
        .stdin(adapter().toJson(holder).getBytes(StandardCharsets.UTF_8)).build());
    if (r.exitCode() == HELD) {
      throw new DeploymentLockedException(app, shell.target(), parse(r.stdoutText())
          .orElse(new LockHolder("(unknown: the lock is being taken)", Instant.now(), "")));
    }
    r.orThrow("taking the deploy lock " + appDir + "/" + DIR);
    String out = r.stdoutText();
    return new Acquired(token, DeployedState.parse(out.substring(Math.min(out.length(), "acquired\n".length()))));
  }

  /** Releases the lock if it is still the one {@code token} took. */
  void release(String token) throws DockerGuestException {
    shell.run(Exec.of("sh", "-c", "if grep -qF -- \"$2\" \"$1/" + DIR + "/holder.json\" 2>/dev/null; then rm -rf -- \"$1/"
        + DIR + "\"; fi", "pvedeploy-unlock", appDir, token)).orThrow("releasing the deploy lock " + appDir + "/" + DIR);
  }

  /** Who holds the lock now, if anyone. */
  Optional<LockHolder> holder() throws DockerGuestException {
    ExecResult r = shell.run(Exec.of("sh", "-c", "if [ -d \"$1/" + DIR + "\" ]; then echo held;"
        + " cat -- \"$1/" + DIR + "/holder.json\" 2>/dev/null; fi; exit 0", "pvedeploy-lock-status", appDir));
    r.orThrow("reading the deploy lock " + appDir + "/" + DIR);
    String out = r.stdoutText();
    if (!out.startsWith("held")) {
      return Optional.empty();
    }
    return Optional.of(parse(out.substring(4)).orElse(new LockHolder("(unknown)", Instant.now(), "")));
  }

  /** Removes the lock whoever holds it; returns who did. */
  Optional<LockHolder> breakLock() throws DockerGuestException {
    Optional<LockHolder> was = holder();
    shell.run(Exec.of("rm", "-rf", "--", appDir + "/" + DIR)).orThrow("removing the deploy lock " + appDir + "/" + DIR);
    return was;
  }

  static Optional<LockHolder> parse(String json) {
    try {
      Object value = adapter().fromJson(json.strip());
      if (value instanceof Map<?, ?> m && m.get("holder") instanceof String who && m.get("since") instanceof String since) {
        return Optional.of(new LockHolder(who, Instant.parse(since), String.valueOf(m.get("message"))));
      }
    } catch (IOException | RuntimeException e) {
      // a half-written or foreign file: the caller says "unknown"
    }
    return Optional.empty();
  }

  /** {@code user@host pid N}: enough to find the process that holds the lock. */
  static String whoAmI() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = Files.readString(Path.of("/etc/hostname")).strip();
      } catch (IOException e) {
        host = "localhost";
      }
    }
    return System.getProperty("user.name") + "@" + host + " pid " + ProcessHandle.current().pid();
  }

  private static JsonAdapter<Object> adapter() {
    return new Moshi.Builder().build().adapter(Object.class);
  }
}
