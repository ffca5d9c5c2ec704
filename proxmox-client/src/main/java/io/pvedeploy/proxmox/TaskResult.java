package io.pvedeploy.proxmox;

import java.util.List;

/**
 * How a finished PVE task ended. A {@code switch} over the three cases is checked by the
 * compiler:
 *
 * <pre>{@code
 * switch (task.await(Duration.ofMinutes(5))) {
 *   case TaskResult.Ok ok -> …
 *   case TaskResult.Warnings w -> log.warn("{} warnings: {}", w.count(), w.logTail());
 *   case TaskResult.Failed f -> throw …;
 * }
 * }</pre>
 */
public sealed interface TaskResult permits TaskResult.Ok, TaskResult.Warnings, TaskResult.Failed {

  Upid upid();

  /** PVE's exit status text: {@code OK}, {@code WARNINGS: 2}, or the error. */
  String exitStatus();

  /** Returns this result unless it failed; a failure becomes a {@link TaskFailedException}. */
  default TaskResult orThrow() throws TaskFailedException {
    if (this instanceof Failed) {
      Failed failed = (Failed) this;
      StringBuilder message = new StringBuilder("task ")
          .append(failed.upid().type()).append(' ').append(failed.upid().id())
          .append(" on ").append(failed.upid().node()).append(" failed: ")
          .append(failed.exitStatus());
      if (!failed.logTail().isEmpty()) {
        message.append("\nlast lines of its log:");
        failed.logTail().forEach(line -> message.append("\n  ").append(line));
      }
      message.append("\n(task ").append(failed.upid()).append(')');
      throw new TaskFailedException(message.toString(), failed.upid(), failed.exitStatus(), failed.logTail());
    }
    return this;
  }

  /** The task ended with {@code OK}. */
  record Ok(Upid upid) implements TaskResult {
    @Override
    public String exitStatus() {
      return "OK";
    }
  }

  /** The task did its work but logged warnings. */
  record Warnings(Upid upid, int count, List<String> logTail) implements TaskResult {
    public Warnings {
      logTail = List.copyOf(logTail);
    }

    @Override
    public String exitStatus() {
      return "WARNINGS: " + count;
    }
  }

  /** The task ended with an error. */
  record Failed(Upid upid, String exitStatus, List<String> logTail) implements TaskResult {
    public Failed {
      logTail = List.copyOf(logTail);
    }
  }
}
