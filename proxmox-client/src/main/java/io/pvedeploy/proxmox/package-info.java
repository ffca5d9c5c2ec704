/**
 * A typed client for the Proxmox VE API.
 *
 * <p>Start with {@link io.pvedeploy.proxmox.ProxmoxClient#builder()}; the client is a tree of
 * small clients that mirrors the API's own paths:
 *
 * <pre>{@code
 * ProxmoxClient pve = ProxmoxClient.builder()
 *     .baseUrl("https://pve1.example:8006/api2/json")
 *     .apiToken("root@pam!ci", tokenSecret)
 *     .tls(TlsPolicy.pinnedFingerprint("AB:CD:..."))
 *     .build();
 * pve.nodes().node("pve1").lxc(101).status().start().await(Duration.ofMinutes(1));
 * }</pre>
 *
 * <p>Failures of the world (network, PVE refusing, tasks failing) are checked {@link
 * io.pvedeploy.proxmox.ProxmoxException}s; a caller's mistake (a vmid out of range, a malformed
 * property string) is an unchecked {@link java.lang.IllegalArgumentException}, thrown before any
 * request is sent.
 */
package io.pvedeploy.proxmox;
