package io.pvedeploy.sandbox.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Sandbox-only endpoints behind the node's {@code pct exec}, {@code pct push} and {@code pct pull}
 * (the PVE API has no way to reach inside a container; a real node uses lxc-attach and setns).
 * Root@pam or its token only; bytes travel as base64 in JSON.
 *
 * <ul>
 *   <li>{@code POST /sandbox/guest-exec} {@code node, vmid, command[], input?} (pct's {@code
 *       keep-env} is not passed on: the backend decides the environment) →
 *       {@code {exitcode, out, err}}
 *   <li>{@code POST /sandbox/guest-file} {@code node, vmid, path, content, append?, mode?, user?,
 *       group?} → null
 *   <li>{@code GET /sandbox/guest-file} {@code node, vmid, path, offset?, length?} → {@code
 *       {content, eof}}
 * </ul>
 */
final class CliApi {
  static final int MAX_CHUNK = 8 * 1024 * 1024;
  /** pct exec has no time limit; this only bounds a runaway command. */
  private static final Duration EXEC_TIMEOUT = Duration.ofHours(24);
  private static final Duration FILE_TIMEOUT = Duration.ofMinutes(1);

  private final Cluster cluster;
  private final GuestBackend backend;

  CliApi(Cluster cluster, GuestBackend backend) {
    this.cluster = cluster;
    this.backend = backend;
  }

  void register(Api api) {
    api.onSandbox("POST", "/sandbox/guest-exec", this::exec);
    api.onSandbox("POST", "/sandbox/guest-file", this::push);
    api.onSandbox("GET", "/sandbox/guest-file", this::pull);
  }

  private Object exec(Call c) {
    List<String> command = c.list("command");
    byte[] input = c.str("input") == null ? null : base64(c.str("input"), "input");
    return inGuest(c, "container '%d' not running!", g -> {
      if (command.isEmpty()) {
        throw ApiException.fail("missing command");
      }
      GuestBackend.RawExec r = backend.execRaw(g, command, input, EXEC_TIMEOUT);
      Map<String, Object> res = new LinkedHashMap<>();
      res.put("exitcode", r.exitcode());
      res.put("out", Base64.getEncoder().encodeToString(r.out()));
      res.put("err", Base64.getEncoder().encodeToString(r.err()));
      return res;
    });
  }

  /** pct's create_file inside the guest: content, then mode and owner (names resolve inside). */
  private Object push(Call c) {
    String path = required(c, "path");
    byte[] content = base64(c.str("content", ""), "content");
    boolean append = "1".equals(c.str("append"));
    Integer mode = c.str("mode") == null ? null : number(c, "mode");
    String owner = c.str("user") == null && c.str("group") == null ? null
        : c.str("user", "") + (c.str("group") == null ? "" : ":" + c.str("group"));
    return inGuest(c, "can only push files to a running CT", g -> {
      if (append) {
        backend.appendFile(g, path, content);
      } else {
        backend.writeFile(g, path, content);
      }
      // simulated files have no mode or owner
      if (mode != null && backend.real()) {
        check(backend.execRaw(g, List.of("chmod", Integer.toOctalString(mode), "--", path), null, FILE_TIMEOUT), "chmod");
      }
      if (owner != null && backend.real()) {
        check(backend.execRaw(g, List.of("chown", owner, "--", path), null, FILE_TIMEOUT), "failed to change file owner");
      }
      return null;
    });
  }

  private Object pull(Call c) {
    String path = required(c, "path");
    long offset = c.str("offset") == null ? 0 : number(c, "offset");
    int length = c.str("length") == null ? MAX_CHUNK : Math.min(MAX_CHUNK, number(c, "length"));
    return inGuest(c, "can only pull files from a running VM", g -> {
      byte[] chunk = backend.readFile(g, path, offset, length);
      if (chunk == null) {
        throw ApiException.fail("failed to open " + path + ": No such file or directory");
      }
      Map<String, Object> res = new LinkedHashMap<>();
      res.put("content", Base64.getEncoder().encodeToString(chunk));
      res.put("eof", chunk.length < length ? 1 : 0);
      return res;
    });
  }

  /**
   * Loads the running container under the cluster lock, then does the work: a real backend's
   * work runs outside the lock (a command may take minutes; the API must keep answering), a
   * simulated one's inside it (it touches shared state).
   */
  private Object inGuest(Call c, String notRunning, Function<Guest, Object> work) {
    Guest g;
    cluster.lock.lock();
    try {
      g = container(c);
      if (!g.running) {
        throw ApiException.fail(String.format(notRunning, g.vmid));
      }
      if (!backend.real()) {
        return work.apply(g);
      }
    } finally {
      cluster.lock.unlock();
    }
    return work.apply(g);
  }

  private static void check(GuestBackend.RawExec r, String what) {
    if (r.exitcode() != 0) {
      throw ApiException.fail(what + ": " + new String(r.err(), StandardCharsets.UTF_8).strip());
    }
  }

  /** Loads the container as pct's load_config does, on the node the CLI runs on. */
  private Guest container(Call c) {
    String node = required(c, "node");
    cluster.checkNode(node);
    return cluster.guest(node, GuestType.LXC, number(c, "vmid"));
  }

  private static String required(Call c, String key) {
    String v = c.str(key);
    if (v == null || v.isEmpty()) {
      throw ApiException.param(key, "property is missing and it is not optional");
    }
    return v;
  }

  private static int number(Call c, String key) {
    String v = required(c, key);
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw ApiException.param(key, "type check ('integer') failed - got '" + v + "'");
    }
  }

  private static byte[] base64(String text, String key) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw ApiException.param(key, "invalid base64: " + e.getMessage());
    }
  }
}
