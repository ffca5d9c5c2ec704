package io.pvedeploy.sandbox;

import io.pvedeploy.sandbox.internal.SandboxServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A running stand-in for a Proxmox VE cluster: the PVE API over HTTPS on 127.0.0.1, with
 * simulated guests. Build one with {@link #builder()}, share it, close it when done.
 *
 * <pre>{@code
 * try (Sandbox pve = Sandbox.builder().nodes("pve1", "pve2").start()) {
 *   String url = pve.url();                 // https://127.0.0.1:PORT/api2/json
 *   String pin = pve.fingerprint();         // AB:CD:... (SHA-256 of the certificate)
 *   String auth = "PVEAPIToken=" + pve.tokenId() + "=" + pve.tokenSecret();
 * }
 * }</pre>
 */
public final class Sandbox implements AutoCloseable {
  private static final Pattern NODE = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?");
  private static final Pattern USERID = Pattern.compile("[^\\s:/@!]+@[A-Za-z][A-Za-z0-9.\\-_]+");

  private final SandboxServer server;

  private Sandbox(SandboxServer server) {
    this.server = server;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The API base, {@code https://127.0.0.1:PORT/api2/json}. */
  public String url() {
    return "https://" + host() + ":" + port() + "/api2/json";
  }

  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return server.port();
  }

  /** SHA-256 of the DER certificate as upper-case hex pairs joined by ':' (PVE's UI format). */
  public String fingerprint() {
    return server.fingerprint();
  }

  /** The self-signed certificate (CN and SAN 127.0.0.1, SAN localhost) in PEM. */
  public String certificatePem() {
    return server.certificatePem();
  }

  /** {@code root@pam!sandbox}. */
  public String tokenId() {
    return SandboxServer.TOKEN_ID;
  }

  /** The API token's secret, a UUID like PVE's. */
  public String tokenSecret() {
    return server.tokenSecret();
  }

  /** {@code root@pam}. */
  public String user() {
    return SandboxServer.USER;
  }

  /** root@pam's password (random, or kept in the state directory). */
  public String password() {
    return server.password();
  }

  public Faults faults() {
    return server.faults();
  }

  /** The node's shell over SSH, when the sandbox was built with {@link Builder#nodeSsh(boolean)}. */
  public java.util.Optional<SshEndpoint> ssh() {
    return java.util.Optional.ofNullable(server.ssh());
  }

  /** What the sandbox's guests are made of. */
  public enum Guests {
    /** State only: nothing runs; milliseconds per operation. */
    SIMULATED,
    /**
     * Real LXC containers (unprivileged by default) on a bridge the sandbox owns; QEMU guests are
     * containers running a real QEMU guest agent. Needs root and Debian's lxc package.
     */
    LXC
  }

  /** API requests served so far (all of them, including failures). */
  public long requestCount() {
    return server.requestCount();
  }

  /** Stops serving; with a state directory, writes the state one last time. */
  @Override
  public void close() {
    server.close();
  }

  @Override
  public String toString() {
    return "Sandbox[" + url() + "]";
  }

  /** Options for a sandbox; every setter checks its argument at once. */
  public static final class Builder {
    private List<String> nodes = List.of("pve1");
    private int port;
    private Path stateDir;
    private Duration taskDuration = Duration.ofMillis(200);
    private Duration lockTimeout = Duration.ofSeconds(10);
    private int simulatedGuests;
    private final Map<String, String> tfaUsers = new LinkedHashMap<>();
    private Guests guests = Guests.SIMULATED;
    private boolean nodeSsh;
    private Path cacheDir;

    private Builder() {}

    /** The cluster's node names (default one node, {@code pve1}). */
    public Builder nodes(String... names) {
      Objects.requireNonNull(names, "names");
      if (names.length == 0) {
        throw new IllegalArgumentException("a cluster needs at least one node");
      }
      List<String> list = new ArrayList<>();
      for (String n : names) {
        if (n == null || !NODE.matcher(n).matches()) {
          throw new IllegalArgumentException("not a valid PVE node name: '" + n + "'");
        }
        if (list.contains(n)) {
          throw new IllegalArgumentException("duplicate node name: " + n);
        }
        list.add(n);
      }
      this.nodes = List.copyOf(list);
      return this;
    }

    /** The port on 127.0.0.1; 0 (default) picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /** Keeps the state (and credentials and certificate) as JSON in this directory. */
    public Builder stateDir(Path dir) {
      this.stateDir = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /** How long simulated tasks stay {@code running} (default 200 ms). */
    public Builder taskDuration(Duration duration) {
      Objects.requireNonNull(duration, "duration");
      if (duration.isNegative()) {
        throw new IllegalArgumentException("task duration must not be negative: " + duration);
      }
      this.taskDuration = duration;
      return this;
    }

    /**
     * How long an operation waits for a guest's config lock held by a running task before it
     * fails with PVE's "can't lock file ... got timeout" (default 10 s, as PVE's lock_config).
     */
    public Builder lockTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("lock timeout must be positive: " + timeout);
      }
      this.lockTimeout = timeout;
      return this;
    }

    /** Pre-seeds this many stopped guests (alternating LXC/QEMU, vmids from 10000) over the nodes. */
    public Builder simulatedGuests(int count) {
      if (count < 0 || count > 1_000_000) {
        throw new IllegalArgumentException("simulated guests must be 0..1000000, got " + count);
      }
      this.simulatedGuests = count;
      return this;
    }

    /**
     * Adds a user whose login needs a second factor: {@code POST /access/ticket} answers
     * {@code NeedTFA: 1} with a half-authenticated ticket; completing it takes
     * {@code tfa-challenge=<that ticket>} and {@code password=totp:<6 digits>}.
     */
    public Builder tfaUser(String userid, String password) {
      if (userid == null || !USERID.matcher(userid).matches() || userid.equals("root@pam")) {
        throw new IllegalArgumentException("not a valid user id for a TFA user: '" + userid + "'");
      }
      if (password == null || password.length() < 5) {
        throw new IllegalArgumentException("a TFA user's password needs at least 5 characters");
      }
      tfaUsers.put(userid, password);
      return this;
    }

    /** What the guests are made of; {@link Guests#SIMULATED} by default. */
    public Builder guests(Guests guests) {
      if (guests == null) {
        throw new IllegalArgumentException("guests must be SIMULATED or LXC");
      }
      this.guests = guests;
      return this;
    }

    /**
     * Also serve the node's shell (pct, qm, vzdump) over a real sshd on loopback, whose sessions
     * see every guest's config file in {@code /etc/pve} (edits are taken back). Needs root.
     */
    public Builder nodeSsh(boolean nodeSsh) {
      this.nodeSsh = nodeSsh;
      return this;
    }

    /**
     * Where expensive artifacts (the Debian template) are cached across sandboxes; default
     * {@code ~/.cache/pvedeploy-sandbox}.
     */
    public Builder cacheDir(Path dir) {
      if (dir == null) {
        throw new IllegalArgumentException("cache dir must not be null");
      }
      this.cacheDir = dir;
      return this;
    }

    /** Starts serving; same as {@link #start()}. */
    public Sandbox build() {
      return start();
    }

    public Sandbox start() {
      return new Sandbox(SandboxServer.start(new SandboxServer.Options(
          nodes, port, stateDir, taskDuration, simulatedGuests, Map.copyOf(tfaUsers), lockTimeout,
          guests, nodeSsh,
          cacheDir != null ? cacheDir
              : Path.of(System.getProperty("user.home"), ".cache", "pvedeploy-sandbox"))));
    }
  }
}
