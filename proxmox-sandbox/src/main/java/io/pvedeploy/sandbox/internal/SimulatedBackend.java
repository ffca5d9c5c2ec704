package io.pvedeploy.sandbox.internal;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Guests that exist only as state: a tiny command set and an in-memory filesystem. */
final class SimulatedBackend implements GuestBackend {
  private static final Pattern NET_KEY = Pattern.compile("net(\\d+)");
  private static final Pattern IP = Pattern.compile("(?:^|,)ip=([^,]+)");
  private static final Pattern IP6 = Pattern.compile("(?:^|,)ip6=([^,]+)");
  private static final Pattern MAC = Pattern.compile("(?i)(?:hwaddr|macaddr|virtio|e1000|e1000e|rtl8139|vmxnet3)=([0-9a-f:]{17})");

  @Override
  public void start(Guest guest) {
    guest.running = true;
    guest.startedAt = Cluster.now();
  }

  @Override
  public void stop(Guest guest) {
    guest.running = false;
    guest.startedAt = 0;
  }

  @Override
  public Guest.ExecResult exec(Guest guest, List<String> command, String inputData) {
    String prog = command.isEmpty() ? "" : command.get(0);
    String base = prog.substring(prog.lastIndexOf('/') + 1);
    List<String> args = command.subList(Math.min(1, command.size()), command.size());
    switch (base) {
      case "echo":
        return new Guest.ExecResult(0, String.join(" ", args) + "\n", "");
      case "true":
        return new Guest.ExecResult(0, "", "");
      case "false":
        return new Guest.ExecResult(1, "", "");
      case "cat":
        if (args.isEmpty()) {
          return new Guest.ExecResult(0, inputData == null ? "" : inputData, "");
        }
        StringBuilder out = new StringBuilder();
        for (String file : args) {
          byte[] content = guest.files.get(file);
          if (content == null) {
            return new Guest.ExecResult(1, out.toString(), "cat: " + file + ": No such file or directory\n");
          }
          out.append(new String(content, StandardCharsets.UTF_8));
        }
        return new Guest.ExecResult(0, out.toString(), "");
      default:
        return new Guest.ExecResult(
            127, "", base + ": not available in a simulated guest (supported: echo, cat, true, false)\n");
    }
  }

  @Override
  public byte[] readFile(Guest guest, String path) {
    return guest.files.get(path);
  }

  @Override
  public void writeFile(Guest guest, String path, byte[] content) {
    guest.files.put(path, content.clone());
  }

  @Override
  public Map<String, String[]> interfaces(Guest guest) {
    Map<String, String[]> res = new LinkedHashMap<>();
    res.put("lo", new String[] {"00:00:00:00:00:00", "127.0.0.1/8", "::1/128"});
    for (Map.Entry<String, String> e : guest.config.entrySet()) {
      Matcher k = NET_KEY.matcher(e.getKey());
      if (!k.matches()) {
        continue;
      }
      int index = Integer.parseInt(k.group(1));
      String spec = e.getValue();
      Matcher mac = MAC.matcher(spec);
      String hw = mac.find() ? mac.group(1).toLowerCase(java.util.Locale.ROOT) : "bc:24:11:00:00:00";
      String ip = staticIp(guest, index, spec);
      Matcher ip6 = IP6.matcher(spec);
      String inet6 = ip6.find() && ip6.group(1).contains("/") ? ip6.group(1) : "fe80::" + hw.substring(9).replace(":", "") + "/64";
      String name = guest.type == GuestType.LXC ? nameOf(spec, "eth" + index) : (index == 0 ? "eth0" : "eth" + index);
      res.put(name, new String[] {hw, ip, inet6});
    }
    return res;
  }

  /** A static address from the config, else a stable made-up DHCP lease in 10.0.0.0/8. */
  private static String staticIp(Guest guest, int index, String netSpec) {
    String spec = guest.type == GuestType.LXC ? netSpec : guest.config.getOrDefault("ipconfig" + index, "");
    Matcher m = IP.matcher(spec);
    if (m.find() && m.group(1).contains("/")) {
      return m.group(1);
    }
    int v = guest.vmid;
    return "10." + (index + 10) + "." + ((v >> 8) & 0xff) + "." + Math.max(2, v & 0xff) + "/24";
  }

  private static String nameOf(String spec, String fallback) {
    Matcher m = Pattern.compile("(?:^|,)name=([^,]+)").matcher(spec);
    return m.find() ? m.group(1) : fallback;
  }
}
