package io.pvedeploy.proxmox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * {@code /nodes/{node}/qemu/{vmid}/agent}: the QEMU guest agent, the one way into a VM that
 * needs no network. Commands are argv lists: the agent runs them without a shell.
 */
public final class Agent {
  /**
   * PVE's {@code file-write} takes at most 61440 characters of content; base64 of this many bytes
   * fits.
   */
  public static final int MAX_FILE_WRITE_BYTES = 61440 / 4 * 3;

  private final Node node;
  private final String vmPath;

  Agent(Node node, String vmPath) {
    this.node = node;
    this.vmPath = vmPath;
  }

  private String path(String command) {
    return vmPath + "/agent/" + command;
  }

  /** {@code POST …/agent/ping}: succeeds when the agent answers. */
  public void ping() throws ProxmoxException {
    node.client().transport().post(path("ping"), Params.of());
  }

  /** {@code POST …/agent/exec}: starts {@code argv} in the VM and returns the agent's pid for it. */
  public int exec(List<String> argv) throws ProxmoxException {
    return exec(argv, null);
  }

  /**
   * As {@link #exec(List)}, with {@code stdin} fed to the command (at most 64 KiB of text). PVE
   * feeds each character up to U+00FF as one byte (Latin-1, not UTF-8) and refuses the request
   * ("Wide character") beyond; {@link AgentExecStatus}'s output strings are bytes as characters the
   * same way. Send ASCII (base64, say) where bytes matter.
   */
  public int exec(List<String> argv, String stdin) throws ProxmoxException {
    checkArgv(argv);
    Params params = Params.of().putAll("command", argv);
    if (stdin != null) {
      if (stdin.length() > 65536) {
        throw new IllegalArgumentException("agent exec input is limited to 65536 characters by PVE");
      }
      params.put("input-data", stdin);
    }
    Map<String, Object> data = Json.object(node.client().transport().post(path("exec"), params), "agent exec");
    int pid = Json.intValue(data, "pid", -1);
    if (pid < 0) {
      throw new UnexpectedResponseException("agent exec answered no pid: " + data.keySet());
    }
    return pid;
  }

  /** {@code GET …/agent/exec-status?pid=…}. */
  public AgentExecStatus execStatus(int pid) throws ProxmoxException {
    return AgentExecStatus.from(Json.object(
        node.client().transport().get(path("exec-status"), Params.of().put("pid", pid)), "agent exec-status"));
  }

  /**
   * Runs {@code argv} and waits for it to end, polling {@code exec-status}.
   *
   * @throws ProxmoxException a {@link TaskTimeoutException}-like failure if it runs past {@code timeout}
   */
  public AgentExecStatus run(List<String> argv, String stdin, Duration timeout) throws ProxmoxException {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be a positive duration, got " + timeout);
    }
    int pid = exec(argv, stdin);
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = 50;
    while (true) {
      AgentExecStatus status = execStatus(pid);
      if (status.exited()) {
        return status;
      }
      if (System.nanoTime() > deadline) {
        throw new ProxmoxException("command " + argv.get(0) + " (agent pid " + pid
            + ") is still running in the VM after " + timeout + "; it goes on running there", null);
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ProxmoxException("interrupted while waiting for agent pid " + pid, e);
      }
      pause = Math.min(pause * 2, 1000);
    }
  }

  /**
   * {@code POST …/agent/file-write}: writes {@code content} to {@code file} in the VM, replacing
   * it. Binary-safe (sent base64-encoded); at most {@link #MAX_FILE_WRITE_BYTES} per call.
   */
  public void fileWrite(String file, byte[] content) throws ProxmoxException {
    checkPath(file);
    if (content.length > MAX_FILE_WRITE_BYTES) {
      throw new IllegalArgumentException(
          "file-write takes at most " + MAX_FILE_WRITE_BYTES + " bytes per call (PVE's limit), got "
              + content.length + "; write larger files in parts");
    }
    node.client().transport().post(path("file-write"), Params.of().put("file", file)
        .put("content", Base64.getEncoder().encodeToString(content)).put("encode", false));
  }

  /** {@code GET …/agent/file-read?file=…}: the file's content as text (PVE caps it at 16 MiB). */
  public String fileRead(String file) throws ProxmoxException {
    checkPath(file);
    Map<String, Object> data = Json.object(
        node.client().transport().get(path("file-read"), Params.of().put("file", file)), "agent file-read");
    return Json.string(data, "content", "");
  }

  /**
   * {@link #fileRead(String)} as the file's bytes. PVE prints the bytes it read as characters of
   * the same number (Latin-1: UTF-8 "é" arrives as "Ã©"), so this turns each back into its byte.
   */
  public byte[] fileReadBytes(String file) throws ProxmoxException {
    return fileRead(file).getBytes(StandardCharsets.ISO_8859_1);
  }

  /** {@code GET …/agent/network-get-interfaces}. */
  public List<GuestInterface> networkInterfaces() throws ProxmoxException {
    Map<String, Object> data = Json.object(
        node.client().transport().get(path("network-get-interfaces"), Params.of()), "agent interfaces");
    List<GuestInterface> out = new ArrayList<>();
    for (Map<String, Object> i : Json.objects(data.get("result"), "agent interfaces")) {
      List<String> v4 = new ArrayList<>();
      List<String> v6 = new ArrayList<>();
      for (Map<String, Object> a : Json.objects(i.get("ip-addresses"), "ip-addresses")) {
        String address = Json.string(a, "ip-address", "") + "/" + Json.intValue(a, "prefix", 0);
        if ("ipv6".equals(Json.string(a, "ip-address-type"))) {
          v6.add(address);
        } else {
          v4.add(address);
        }
      }
      out.add(new GuestInterface(Json.string(i, "name", ""), Json.string(i, "hardware-address", ""), v4, v6));
    }
    return List.copyOf(out);
  }

  private static void checkArgv(List<String> argv) {
    if (argv == null || argv.isEmpty() || argv.get(0) == null || argv.get(0).isEmpty()) {
      throw new IllegalArgumentException("agent exec needs a command: a non-empty argv list");
    }
    for (String arg : argv) {
      if (arg == null || arg.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("agent exec arguments must not be null or hold NUL bytes");
      }
    }
  }

  private static void checkPath(String file) {
    if (file == null || !file.startsWith("/") || file.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("guest file path must be absolute, got '" + file + "'");
    }
  }
}
