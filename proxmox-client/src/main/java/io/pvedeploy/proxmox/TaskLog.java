package io.pvedeploy.proxmox;

import java.util.List;

/**
 * One page of a task's log.
 *
 * @param lines the lines of this page, in order
 * @param firstLine the number (0-based offset) of this page's first line
 * @param total how many lines the log has in all, as PVE counts them
 */
public record TaskLog(List<String> lines, int firstLine, int total) {
  public TaskLog {
    lines = List.copyOf(lines);
  }

  /** Whether lines follow this page. */
  public boolean hasMore() {
    return firstLine + lines.size() < total;
  }
}
