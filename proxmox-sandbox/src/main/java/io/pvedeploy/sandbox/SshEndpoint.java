package io.pvedeploy.sandbox;

import java.nio.file.Path;

/**
 * How to reach the sandbox node's shell over SSH, where {@code pct}, {@code qm} and {@code
 * vzdump} act on the sandbox's state as on a PVE node.
 *
 * @param host always a loopback address
 * @param port the sshd's port
 * @param user {@code root}
 * @param identityFile the private key that sshd accepts (mode 0600)
 * @param knownHostsFile a known_hosts file holding the sshd's host key, for strict checking
 */
public record SshEndpoint(String host, int port, String user, Path identityFile, Path knownHostsFile) {}
