package io.pvedeploy.proxmox;

import java.util.List;

/** A PVE task ended with an error; carries its exit status and the tail of its log. */
public class TaskFailedException extends ProxmoxException {
  private static final long serialVersionUID = 1L;

  private final Upid upid;
  private final String exitStatus;
  private final List<String> logTail;

  public TaskFailedException(String message, Upid upid, String exitStatus, List<String> logTail) {
    super(message, null);
    this.upid = upid;
    this.exitStatus = exitStatus;
    this.logTail = List.copyOf(logTail);
  }

  public Upid upid() {
    return upid;
  }

  /** PVE's exit status text, e.g. {@code command 'lxc-start …' failed: exit code 1}. */
  public String exitStatus() {
    return exitStatus;
  }

  /** The last lines of the task's log, oldest first. */
  public List<String> logTail() {
    return logTail;
  }
}
