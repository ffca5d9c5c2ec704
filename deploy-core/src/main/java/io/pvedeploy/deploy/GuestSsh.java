package io.pvedeploy.deploy;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Plain SSH into the guest, instead of {@code pct exec} on the node (LXC) or the QEMU guest
 * agent (VM): Kamal's way in, and the one that needs neither the node's shell nor an agent.
 * Runtime wiring, like {@link Target}; never part of a spec.
 *
 * <pre>{@code
 * Target target = Target.of(client).guestSsh(GuestSsh.builder()
 *     .identityFile(Path.of("/home/ci/.ssh/id_ed25519"))      // its .pub goes into new guests
 *     .knownHostsFile(Path.of("/home/ci/.ssh/pvedeploy_known_hosts"))
 *     .build());
 * }</pre>
 *
 * <p>The public key next to the identity ({@code <identity>.pub}) is installed when pvedeploy
 * creates the guest: {@code ssh-public-keys} for a container, cloud-init's {@code sshkeys} for a
 * VM (as {@link #user()}). Host keys are checked strictly against {@link #knownHostsFile()}. A
 * guest pvedeploy creates has its keys pinned there through a channel already trusted: for a
 * container the fingerprints in PVE's create task log, matched against what the guest's sshd
 * offers; for a VM its public host keys read through the guest agent. For a guest made
 * otherwise, add its keys to that file yourself, or opt in to trusting the first key seen with
 * {@link Builder#acceptNewHostKeys(String)}.
 *
 * @param user who logs in; root by default (Docker is run as this user)
 * @param identityFile the private key
 * @param knownHostsFile where guests' host keys are kept; made if missing
 * @param port the guest's sshd port
 * @param acceptNewHostKeysReason why a first-seen host key may be trusted, if it may
 */
public record GuestSsh(String user, Path identityFile, Path knownHostsFile, int port,
    Optional<String> acceptNewHostKeysReason) {

  public GuestSsh {
    if (user == null || user.isBlank() || !user.matches("[a-z_][a-z0-9_.-]*")) {
      throw new IllegalArgumentException("guest SSH user '" + user + "' is not a user name (lower case letters,"
          + " digits, _ . -)");
    }
    if (identityFile == null || knownHostsFile == null) {
      throw new IllegalArgumentException("guest SSH needs an identityFile and a knownHostsFile");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("guest SSH port " + port + " is outside 1-65535");
    }
    acceptNewHostKeysReason = acceptNewHostKeysReason == null ? Optional.empty() : acceptNewHostKeysReason;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The public key that new guests get: {@code <identityFile>.pub}. */
  public Path publicKeyFile() {
    return identityFile.resolveSibling(identityFile.getFileName() + ".pub");
  }

  public static final class Builder {
    private String user = "root";
    private Path identityFile;
    private Path knownHostsFile;
    private int port = 22;
    private String acceptNewReason;

    private Builder() {}

    public Builder user(String user) {
      this.user = user;
      return this;
    }

    public Builder identityFile(Path identityFile) {
      this.identityFile = identityFile;
      return this;
    }

    public Builder knownHostsFile(Path knownHostsFile) {
      this.knownHostsFile = knownHostsFile;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /**
     * Trusts a guest's host key the first time it is seen (OpenSSH's {@code accept-new}), for
     * guests whose keys were not pinned; a changed key is still refused. Unsafe on a network
     * someone else controls, hence the reason, which is logged.
     */
    public Builder acceptNewHostKeys(String reason) {
      if (reason == null || reason.isBlank()) {
        throw new IllegalArgumentException("acceptNewHostKeys needs a reason (it is logged)");
      }
      this.acceptNewReason = reason;
      return this;
    }

    public GuestSsh build() {
      return new GuestSsh(user, identityFile, knownHostsFile, port, Optional.ofNullable(acceptNewReason));
    }
  }
}
