package io.pvedeploy.docker;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What {@link DockerEngine#preflight()} found: errors that forbid going on, warnings that may
 * bite later. Each finding says what is wrong and what to do about it.
 */
public record PreflightReport(EngineInfo info, List<Finding> findings) {

  public PreflightReport {
    findings = findings.stream().sorted(Comparator.comparing(Finding::severity)).toList();
  }

  public enum Severity { ERROR, WARNING }

  /** Stable codes of the findings, for callers that act on one. */
  public static final String PROXMOX_HOST = "proxmox-host";
  public static final String KERNEL_MODULE_OVERLAY = "kernel-module-overlay";
  public static final String KERNEL_MODULE_BR_NETFILTER = "kernel-module-br_netfilter";
  public static final String LXC_RUNC_APPARMOR = "lxc-runc-apparmor";
  public static final String STORAGE_DRIVER_VFS = "storage-driver-vfs";

  /**
   * One finding.
   *
   * @param code a stable identifier such as {@link #PROXMOX_HOST}
   * @param message what is wrong
   * @param remedy what to do about it
   */
  public record Finding(Severity severity, String code, String message, String remedy) {
    @Override
    public String toString() {
      return severity + " [" + code + "] " + message + " What to do: " + remedy;
    }
  }

  public List<Finding> errors() {
    return findings.stream().filter(f -> f.severity() == Severity.ERROR).toList();
  }

  public List<Finding> warnings() {
    return findings.stream().filter(f -> f.severity() == Severity.WARNING).toList();
  }

  public boolean hasErrors() {
    return !errors().isEmpty();
  }

  /**
   * Returns this report if it holds no error; otherwise throws {@link ProxmoxHostException} when
   * the guest is a Proxmox VE host, else {@link PreflightException}, listing every error.
   */
  public PreflightReport orThrow() throws PreflightException {
    List<Finding> errors = errors();
    if (errors.isEmpty()) {
      return this;
    }
    String text = errors.stream().map(f -> "- " + f.message() + " What to do: " + f.remedy())
        .collect(Collectors.joining("\n"));
    if (errors.stream().anyMatch(f -> f.code().equals(PROXMOX_HOST))) {
      throw new ProxmoxHostException("refusing to install or run Docker: " + text, errors);
    }
    throw new PreflightException("the guest is not fit to run Docker:\n" + text, errors);
  }
}
