package io.pvedeploy.docker;

import java.util.List;

/**
 * The shell reaches a Proxmox VE host itself ({@code pve-manager} is installed), not a guest.
 * Docker must never be installed or run there: its iptables rules and bridges fight PVE's
 * firewall and its {@code vmbr} bridges, and a host upgrade can break both. Deploy into an LXC
 * container or a VM on that host instead.
 */
public class ProxmoxHostException extends PreflightException {
  private static final long serialVersionUID = 1L;

  public ProxmoxHostException(String message, List<PreflightReport.Finding> findings) {
    super(message, findings);
  }
}
