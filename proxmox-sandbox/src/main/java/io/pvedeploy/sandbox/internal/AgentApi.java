package io.pvedeploy.sandbox.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The QEMU guest agent endpoints, answered by the guest's backend when the agent is up.
 *
 * <p>Bytes and text as PVE mixes them: PVE base64-decodes what qemu-ga sends ({@code out-data},
 * {@code err-data}, file-read's {@code content}) into a Perl byte string and prints it with
 * {@code to_json(…, {utf8 => 1})}, so each byte becomes the character of the same number (Latin-1:
 * 0xff is "ÿ", UTF-8 "é" comes out as "Ã©"). The other way, {@code input-data} and file-write's
 * {@code content} (with {@code encode=1}) are decoded as UTF-8 by the HTTP server and handed to
 * {@code encode_base64}, which takes characters up to U+00FF as one byte each and dies with "Wide
 * character in subroutine entry" beyond. Both are reproduced here (for the real agent; simulated
 * guests keep their text as text).
 */
final class AgentApi {
  private static final int MAX_READ = 16 * 1024 * 1024;

  private final Cluster cluster;
  private final GuestBackend backend;

  AgentApi(Cluster cluster, GuestBackend backend) {
    this.cluster = cluster;
    this.backend = backend;
  }

  void register(Api api) {
    String base = "/nodes/{node}/qemu/{vmid}/agent";
    api.on("POST", base + "/ping", c -> {
      Qga qga = backend.agent(agent(c));
      if (qga != null) {
        call(qga, "guest-ping", null);
      }
      return Map.of("result", Map.of());
    });
    api.on("POST", base + "/exec", this::exec);
    api.on("GET", base + "/exec-status", this::execStatus);
    api.on("POST", base + "/file-write", this::fileWrite);
    api.on("GET", base + "/file-read", this::fileRead);
    api.on("GET", base + "/network-get-interfaces", this::interfaces);
    api.on("GET", base + "/get-host-name", c -> {
      Guest g = agent(c);
      Qga qga = backend.agent(g);
      return Map.of("result", qga != null ? call(qga, "guest-get-host-name", null) : Map.of("host-name", g.name()));
    });
    api.on("GET", base + "/get-osinfo", c -> {
      Qga qga = backend.agent(agent(c));
      if (qga != null) {
        return Map.of("result", call(qga, "guest-get-osinfo", null));
      }
      return Map.of("result", Map.of("id", "debian", "name", "Debian GNU/Linux", "version-id", "12",
          "pretty-name", "Debian GNU/Linux 12 (bookworm)", "kernel-release", "6.1.0-27-amd64", "machine", "x86_64"));
    });
  }

  /** qemu-server's assert_agent_available, in its order. */
  private Guest agent(Call c) {
    Guest g = cluster.guest(c.node(), GuestType.QEMU, c.vmid());
    if (!g.config.containsKey("agent")) {
      throw ApiException.fail("No QEMU guest agent configured");
    }
    if (!g.running) {
      throw ApiException.fail("VM " + g.vmid + " is not running");
    }
    if (!GuestApi.agentEnabled(g)) {
      throw ApiException.fail("QEMU guest agent is not running");
    }
    Qga qga = backend.agent(g);
    if (qga != null && !qga.ping()) {
      throw ApiException.fail("QEMU guest agent is not running");
    }
    return g;
  }

  /** One command to the real agent; its errors as PVE reports them. */
  private static Object call(Qga qga, String command, Map<String, Object> args) {
    try {
      return qga.call(command, args);
    } catch (Qga.AgentError e) {
      throw ApiException.fail("Agent error: " + e.getMessage());
    } catch (IllegalStateException e) {
      throw ApiException.fail("QEMU guest agent is not running");
    }
  }

  private Object exec(Call c) {
    Guest g = agent(c);
    List<String> command = new ArrayList<>();
    for (String part : c.list("command")) {
      command.add(part);
    }
    if (command.isEmpty() && c.str("input-data") == null) {
      throw ApiException.fail("command or input-data (or both) required");
    }
    Qga qga = backend.agent(g);
    if (qga != null) {
      if (command.isEmpty()) {
        throw ApiException.fail("command or input-data (or both) required");
      }
      Map<String, Object> args = new LinkedHashMap<>();
      args.put("path", command.get(0));
      args.put("arg", command.subList(1, command.size()));
      if (c.str("input-data") != null) {
        args.put("input-data", Base64.getEncoder().encodeToString(perlBytes(c.str("input-data"))));
      }
      args.put("capture-output", true);
      return call(qga, "guest-exec", args);
    }
    Guest.ExecResult result = backend.exec(g, command, c.str("input-data"));
    int pid = g.nextExecPid++;
    g.execs.put(pid, result);
    return Map.of("pid", pid);
  }

  private Object execStatus(Call c) {
    Guest g = agent(c);
    int pid = c.integer("pid");
    Qga qga = backend.agent(g);
    if (qga != null) {
      Map<?, ?> st = (Map<?, ?>) call(qga, "guest-exec-status", Map.of("pid", pid));
      Map<String, Object> res = new LinkedHashMap<>();
      res.put("exited", Boolean.TRUE.equals(st.get("exited")) ? 1 : 0);
      for (String key : List.of("exitcode", "signal")) {
        if (st.get(key) instanceof Number n) {
          res.put(key, n.intValue());
        }
      }
      for (String key : List.of("out-data", "err-data")) {
        if (st.get(key) instanceof String b64) {
          res.put(key, new String(Base64.getDecoder().decode(b64), StandardCharsets.ISO_8859_1));
        }
      }
      for (String key : List.of("out-truncated", "err-truncated")) {
        if (Boolean.TRUE.equals(st.get(key))) {
          res.put(key, 1);
        }
      }
      return res;
    }
    Guest.ExecResult r = g.execs.get(pid);
    if (r == null) {
      throw ApiException.fail("Agent error: Invalid parameter 'pid'");
    }
    Map<String, Object> res = new LinkedHashMap<>();
    res.put("exited", 1);
    res.put("exitcode", r.exitcode());
    if (!r.out().isEmpty()) {
      res.put("out-data", r.out());
    }
    if (!r.err().isEmpty()) {
      res.put("err-data", r.err());
    }
    return res;
  }

  /** {@code encode=1} (default): content is plain and PVE base64-encodes it for QEMU. */
  private Object fileWrite(Call c) {
    Guest g = agent(c);
    String content = c.str("content");
    byte[] bytes;
    if (c.has("encode") && !c.flag("encode")) {
      try {
        bytes = Base64.getDecoder().decode(content);
      } catch (IllegalArgumentException e) {
        throw ApiException.fail("Agent error: Guest agent command failed, error was 'Base64 decoding failed'");
      }
    } else {
      bytes = backend.agent(g) != null ? perlBytes(content) : content.getBytes(StandardCharsets.UTF_8);
    }
    Qga qga = backend.agent(g);
    if (qga != null) {
      Object handle = call(qga, "guest-file-open", Map.of("path", c.str("file"), "mode", "w"));
      try {
        call(qga, "guest-file-write", Map.of("handle", handle, "buf-b64", Base64.getEncoder().encodeToString(bytes)));
      } finally {
        call(qga, "guest-file-close", Map.of("handle", handle));
      }
      return null;
    }
    backend.writeFile(g, c.str("file"), bytes);
    return null;
  }

  private Object fileRead(Call c) {
    Guest g = agent(c);
    String file = c.str("file");
    Qga qga = backend.agent(g);
    byte[] content = qga != null ? agentRead(qga, file, c.has("count") ? c.integer("count") : MAX_READ)
        : backend.readFile(g, file);
    if (content == null) {
      throw ApiException.fail("Agent error: Failed to open file '" + file + "': No such file or directory");
    }
    int count = c.has("count") ? c.integer("count") : MAX_READ;
    int n = Math.min(count, content.length);
    byte[] slice = java.util.Arrays.copyOf(content, n);
    Map<String, Object> res = new LinkedHashMap<>();
    boolean decode = !c.has("decode") || c.flag("decode");
    res.put("content", !decode ? Base64.getEncoder().encodeToString(slice)
        : new String(slice, qga != null ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8));
    res.put("bytes-read", n);
    if (n < content.length && count >= MAX_READ) {
      res.put("truncated", 1);
    }
    return res;
  }

  /** PVE's file-read: open, read in chunks up to {@code count} (and one byte more to tell truncation), close. */
  private static byte[] agentRead(Qga qga, String file, int count) {
    Object handle = call(qga, "guest-file-open", Map.of("path", file, "mode", "r"));
    try {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      while (out.size() <= count) {
        Map<?, ?> r = (Map<?, ?>) call(qga, "guest-file-read", Map.of("handle", handle, "count", 1 << 20));
        if (r.get("buf-b64") instanceof String b64) {
          out.writeBytes(Base64.getDecoder().decode(b64));
        }
        if (Boolean.TRUE.equals(r.get("eof")) || !(r.get("count") instanceof Number n) || n.intValue() == 0) {
          break;
        }
      }
      return out.toByteArray();
    } finally {
      call(qga, "guest-file-close", Map.of("handle", handle));
    }
  }

  /**
   * What Perl's {@code encode_base64} makes of a decoded parameter: each character up to U+00FF
   * as one byte; anything beyond kills the request, as in PVE.
   */
  static byte[] perlBytes(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) > 0xff) {
        throw ApiException.fail("Wide character in subroutine entry at /usr/share/perl5/PVE/QemuServer/Agent.pm");
      }
    }
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  private Object interfaces(Call c) {
    Guest g = agent(c);
    Qga qga = backend.agent(g);
    if (qga != null) {
      return Map.of("result", call(qga, "guest-network-get-interfaces", null));
    }
    List<Map<String, Object>> res = new ArrayList<>();
    backend.interfaces(g).forEach((name, v) -> {
      List<Map<String, Object>> ips = new ArrayList<>();
      ips.add(address("ipv4", v[1]));
      ips.add(address("ipv6", v[2]));
      Map<String, Object> i = new LinkedHashMap<>();
      i.put("name", name);
      i.put("hardware-address", v[0]);
      i.put("ip-addresses", ips);
      i.put("statistics", Map.of("rx-bytes", 0, "rx-packets", 0, "rx-errs", 0, "rx-dropped", 0,
          "tx-bytes", 0, "tx-packets", 0, "tx-errs", 0, "tx-dropped", 0));
      res.add(i);
    });
    return Map.of("result", res);
  }

  private static Map<String, Object> address(String type, String cidr) {
    String[] parts = cidr.split("/");
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("ip-address-type", type);
    a.put("ip-address", parts[0]);
    a.put("prefix", Integer.parseInt(parts[1]));
    return a;
  }
}
