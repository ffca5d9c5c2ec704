package io.pvedeploy.proxmox;

import java.util.Map;
import java.util.Optional;

/**
 * {@code GET …/agent/exec-status}: a command's state inside the VM.
 *
 * @param exited whether it has ended
 * @param exitCode its exit code once ended
 * @param signal the signal that ended it, if one did
 * @param stdout what it wrote to stdout (the agent caps it; see {@link #stdoutTruncated()})
 * @param stderr what it wrote to stderr
 * @param stdoutTruncated whether the agent cut stdout
 * @param stderrTruncated whether the agent cut stderr
 */
public record AgentExecStatus(boolean exited, Optional<Integer> exitCode, Optional<Integer> signal,
    String stdout, String stderr, boolean stdoutTruncated, boolean stderrTruncated) {

  static AgentExecStatus from(Map<String, Object> d) {
    int code = Json.intValue(d, "exitcode", Integer.MIN_VALUE);
    int signal = Json.intValue(d, "signal", Integer.MIN_VALUE);
    return new AgentExecStatus(Json.bool(d, "exited", false),
        code == Integer.MIN_VALUE ? Optional.empty() : Optional.of(code),
        signal == Integer.MIN_VALUE ? Optional.empty() : Optional.of(signal),
        Json.string(d, "out-data", ""), Json.string(d, "err-data", ""),
        Json.bool(d, "out-truncated", false), Json.bool(d, "err-truncated", false));
  }

  /** Whether it ended with exit code 0. */
  public boolean succeeded() {
    return exited && exitCode.orElse(-1) == 0;
  }
}
