package io.pvedeploy.deploy.internal;

import io.pvedeploy.deploy.DeployException;
import io.pvedeploy.deploy.GuestSsh;
import io.pvedeploy.docker.Exec;
import io.pvedeploy.docker.ExecResult;
import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.docker.GuestShellException;
import io.pvedeploy.docker.LocalShell;
import io.pvedeploy.docker.SshGuestShell;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link GuestSsh} at work: the shell into a guest over SSH, and the pinning of a new guest's host
 * keys in the known-hosts file through a channel that is already trusted.
 */
final class GuestSshAccess {
  private static final Logger LOG = LoggerFactory.getLogger(GuestSshAccess.class);
  /** pve-container's Setup.pm: {@code done: SHA256:<43 chars> root@hostname}, one per host key. */
  private static final Pattern TASK_LOG_KEY = Pattern.compile("^done: (SHA256:[0-9A-Za-z+/]{43})\\s+\\S+$");
  private static final Pattern PUBLIC_KEY = Pattern.compile("^(ssh-[a-z0-9-]+|ecdsa-sha2-nistp\\d+) ([A-Za-z0-9+/]+={0,2})(\\s.*)?$");
  private static final Object KNOWN_HOSTS_LOCK = new Object();

  private GuestSshAccess() {}

  /**
   * A shell into the guest at the address {@code address} yields when first used: a DHCP guest's
   * address is known only once it runs. Close it to end the SSH master connection.
   */
  static GuestShell shell(GuestSsh ssh, AddressSource address) {
    return new LazySshShell(ssh, address);
  }

  /** Yields the guest's address, asking PVE if it must. */
  @FunctionalInterface
  interface AddressSource {
    String address() throws DeployException;
  }

  /** The one line that goes into a new guest's authorized keys. */
  static String publicKey(GuestSsh ssh) throws DeployException {
    Path file = ssh.publicKeyFile();
    try {
      String key = Files.readString(file).strip();
      if (!PUBLIC_KEY.matcher(key).matches() || key.contains("\n")) {
        throw new DeployException(file + " does not hold one OpenSSH public key (ssh-ed25519 AAAA… comment);"
            + " make it with ssh-keygen -y -f " + ssh.identityFile() + " > " + file + ". Nothing was changed", null);
      }
      return key;
    } catch (IOException e) {
      throw new DeployException("guest SSH needs the public key next to its identity, " + file + ", to put into"
          + " new guests, and it cannot be read (" + e.getMessage() + "). Make it with ssh-keygen -y -f "
          + ssh.identityFile() + " > " + file + ". Nothing was changed", e);
    }
  }

  /** The host key fingerprints a container's create task logged. */
  static Set<String> fingerprintsFromTaskLog(List<String> log) {
    Set<String> out = new LinkedHashSet<>();
    for (String line : log) {
      Matcher m = TASK_LOG_KEY.matcher(line.strip());
      if (m.matches()) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  /**
   * Pins a new container's host keys: asks its sshd for them ({@code ssh-keyscan}) until it
   * answers, keeps those whose fingerprints PVE's create task logged, and records them. An sshd
   * that offers none of them is not the container's: nothing is recorded and this fails.
   */
  static void pinFromFingerprints(GuestSsh ssh, String address, Set<String> fingerprints, Duration wait)
      throws DeployException, InterruptedException {
    if (fingerprints.isEmpty()) {
      throw new DeployException("the create task of the container at " + address + " logged no SSH host key"
          + " fingerprints (done: SHA256:…), so its host key cannot be pinned; record it in "
          + ssh.knownHostsFile() + " yourself, or use GuestSsh.builder().acceptNewHostKeys(reason)", null);
    }
    long deadline = System.nanoTime() + wait.toNanos();
    List<String> offered = List.of();
    while (true) {
      offered = keyscan(ssh, address);
      List<String> matching = new ArrayList<>();
      for (String key : offered) {
        if (fingerprints.contains(fingerprint(key))) {
          matching.add(key);
        }
      }
      if (!matching.isEmpty()) {
        record(ssh, address, matching);
        return;
      }
      if (!offered.isEmpty() || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(500);
    }
    throw new DeployException(offered.isEmpty()
        ? "the sshd of the new container at " + address + ":" + ssh.port() + " did not answer within "
            + Durations.format(wait) + "; the container must run sshd (Debian: openssh-server)"
        : "the sshd at " + address + ":" + ssh.port() + " offers host keys " + offered.stream()
            .map(GuestSshAccess::fingerprint).toList() + ", none of which PVE made for the new container ("
            + fingerprints + "). Something else answers at that address (an address conflict, or someone"
            + " intercepting); nothing was recorded in " + ssh.knownHostsFile(), null);
  }

  /** Pins {@code publicKeys} (the lines of the guest's {@code ssh_host_*_key.pub}, read through a trusted channel). */
  static void pin(GuestSsh ssh, String address, List<String> publicKeys) throws DeployException {
    List<String> keys = new ArrayList<>();
    for (String line : publicKeys) {
      Matcher m = PUBLIC_KEY.matcher(line.strip());
      if (m.matches()) {
        keys.add(m.group(1) + " " + m.group(2));
      }
    }
    if (keys.isEmpty()) {
      throw new DeployException("the guest at " + address + " has no SSH host keys (/etc/ssh/ssh_host_*_key.pub);"
          + " it must run sshd (Debian: openssh-server)", null);
    }
    record(ssh, address, keys);
  }

  /** {@code SHA256:…} of a {@code type base64} key line, as {@code ssh-keygen -l} prints it. */
  static String fingerprint(String keyLine) {
    // "type base64" or "host type base64": the key blob is the word that decodes to its type
    String encoded = Arrays.stream(keyLine.strip().split("\\s+")).filter(w -> w.startsWith("AAAA")).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("not an SSH public key line: " + keyLine));
    byte[] blob = Base64.getDecoder().decode(encoded);
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** {@code host} for port 22, {@code [host]:port} otherwise: how known_hosts names it. */
  static String hostToken(GuestSsh ssh, String address) {
    return ssh.port() == 22 ? address : "[" + address + "]:" + ssh.port();
  }

  /** The guest's keys ({@code type base64} each), without hostnames. */
  private static List<String> keyscan(GuestSsh ssh, String address) throws DeployException {
    try {
      ExecResult r = LocalShell.create().run(Exec.builder("ssh-keyscan", "-T", "5", "-p", String.valueOf(ssh.port()),
          "-t", "rsa,ecdsa,ed25519", "--", address).timeout(Duration.ofSeconds(30)).build());
      List<String> keys = new ArrayList<>();
      for (String line : r.stdoutText().split("\n")) {
        String[] parts = line.strip().split("\\s+");
        if (parts.length >= 3 && !line.startsWith("#")) {
          keys.add(parts[1] + " " + parts[2]);
        }
      }
      return keys;
    } catch (GuestShellException e) {
      throw new DeployException("cannot run ssh-keyscan to read the host keys of " + address + ": " + e.getMessage()
          + ". Install the OpenSSH client (Debian: apt-get install openssh-client)", e);
    }
  }

  /**
   * Replaces the address's entries in the known-hosts file with {@code keys}: a guest made anew
   * at an old address has new keys, and its old ones must not linger. Written whole and moved
   * into place, 0600.
   */
  static void record(GuestSsh ssh, String address, List<String> keys) throws DeployException {
    String token = hostToken(ssh, address);
    Path file = ssh.knownHostsFile();
    synchronized (KNOWN_HOSTS_LOCK) {
      try {
        List<String> kept = new ArrayList<>();
        if (Files.exists(file)) {
          for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String hosts = line.strip().split("\\s+", 2)[0];
            if (!List.of(hosts.split(",")).contains(token)) {
              kept.add(line);
            }
          }
        }
        for (String key : keys) {
          kept.add(token + " " + key);
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".known_hosts-", ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(tmp, kept, StandardCharsets.UTF_8);
        try {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } catch (IOException e) {
        throw new DeployException("cannot record the host keys of " + address + " in " + file + ": " + e.getMessage(), e);
      }
    }
    LOG.info("pinned {} SSH host key(s) of {} in {}", keys.size(), token, file);
  }

  /** An {@link SshGuestShell} made on first use, once the guest's address is known. */
  private static final class LazySshShell implements GuestShell {
    private final GuestSsh ssh;
    private final AddressSource address;
    private SshGuestShell shell;

    LazySshShell(GuestSsh ssh, AddressSource address) {
      this.ssh = ssh;
      this.address = address;
    }

    @Override
    public String target() {
      SshGuestShell s;
      synchronized (this) {
        s = shell;
      }
      return s != null ? s.target() : ssh.user() + "@(guest)";
    }

    @Override
    public int exec(Exec exec, OutputStream stdout, OutputStream stderr) throws GuestShellException {
      return shell().exec(exec, stdout, stderr);
    }

    private synchronized SshGuestShell shell() throws GuestShellException {
      if (shell == null) {
        String host;
        try {
          host = address.address();
        } catch (DeployException e) {
          throw new GuestShellException(GuestShellException.Reason.CANNOT_START,
              "cannot tell the guest's address for SSH: " + e.getMessage(), e);
        }
        SshGuestShell.Builder b = SshGuestShell.builder().host(host).port(ssh.port()).user(ssh.user())
            .identityFile(ssh.identityFile()).knownHostsFile(ssh.knownHostsFile());
        if (ssh.acceptNewHostKeysReason().isPresent()) {
          LOG.warn("trusting the first SSH host key seen for {} ({})", host, ssh.acceptNewHostKeysReason().get());
          b.acceptNewHostKeys();
        }
        shell = b.build();
      }
      return shell;
    }

    @Override
    public synchronized void close() {
      if (shell != null) {
        shell.close();
        shell = null;
      }
    }

    @Override
    public String toString() {
      return "GuestShell over SSH to " + target();
    }
  }

  static void closeQuietly(GuestShell shell) {
    try {
      shell.close();
    } catch (Exception e) {
      LOG.debug("closing {} failed: {}", shell, e.getMessage());
    }
  }
}
