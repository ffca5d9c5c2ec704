package io.pvedeploy.proxmox;

import java.time.Duration;

/** A task was still running when the caller's deadline passed; the task itself goes on. */
public class TaskTimeoutException extends ProxmoxException {
  private static final long serialVersionUID = 1L;

  private final Upid upid;
  private final Duration waited;

  public TaskTimeoutException(String message, Upid upid, Duration waited) {
    super(message, null);
    this.upid = upid;
    this.waited = waited;
  }

  public Upid upid() {
    return upid;
  }

  public Duration waited() {
    return waited;
  }
}
