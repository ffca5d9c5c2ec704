package io.pvedeploy.docker;

import java.util.List;

/**
 * A preflight guard refused to go on: a kernel module Docker needs is missing, or a known-broken
 * combination of runc/containerd inside an unprivileged LXC container was found. Each finding
 * says what is wrong and what to do; {@link ProxmoxHostException} is the refusal to touch a
 * Proxmox VE host.
 */
public class PreflightException extends DockerGuestException {
  private static final long serialVersionUID = 1L;

  private final transient List<PreflightReport.Finding> findings;

  public PreflightException(String message, List<PreflightReport.Finding> findings) {
    super(message, null);
    this.findings = List.copyOf(findings);
  }

  /** The findings that failed the preflight, errors first. */
  public List<PreflightReport.Finding> findings() {
    return findings;
  }
}
