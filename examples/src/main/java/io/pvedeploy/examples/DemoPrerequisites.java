package io.pvedeploy.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the demo needs on this machine, checked before it starts anything, so a missing piece is
 * one message that says what to install rather than a failure halfway. {@code scripts/demo.sh}
 * installs all of it on Debian (as root) before it runs the demo.
 */
final class DemoPrerequisites {
  /** Command → the Debian package that has it. */
  private static final Map<String, String> COMMANDS = new LinkedHashMap<>();

  static {
    COMMANDS.put("docker", "docker.io");
    COMMANDS.put("lxc-start", "lxc");
    COMMANDS.put("newuidmap", "uidmap");
    COMMANDS.put("debootstrap", "debootstrap");
    COMMANDS.put("dnsmasq", "dnsmasq-base");
    COMMANDS.put("iptables", "iptables");
    COMMANDS.put("zstd", "zstd");
    COMMANDS.put("sshd", "openssh-server");
    COMMANDS.put("ssh", "openssh-client");
    COMMANDS.put("setsid", "util-linux");
  }

  private DemoPrerequisites() {}

  static void check() {
    if (!"root".equals(System.getProperty("user.name"))) {
      throw new IllegalStateException("the demo runs real LXC containers on a bridge of its own and needs root;"
          + " run it as root (sudo bash scripts/demo.sh)");
    }
    List<String> packages = new ArrayList<>();
    COMMANDS.forEach((command, pkg) -> {
      if (!onPath(command)) {
        packages.add(pkg);
      }
    });
    if (!packages.isEmpty()) {
      throw new IllegalStateException("the demo needs commands this machine lacks; install them with: apt-get"
          + " install -y " + String.join(" ", packages) + " (bash scripts/demo.sh installs them for you)");
    }
    if (!dockerAnswers()) {
      throw new IllegalStateException("the local Docker engine does not answer (the demo builds its images"
          + " there); start it: nohup dockerd >/var/log/dockerd.log 2>&1 & (bash scripts/demo.sh does it)");
    }
  }

  private static boolean onPath(String command) {
    List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
    dirs.addAll(List.of("/usr/sbin", "/sbin")); // sshd and friends live there, off a user's PATH
    return dirs.stream().filter(d -> !d.isEmpty()).anyMatch(d -> Files.isExecutable(Path.of(d, command)));
  }

  private static boolean dockerAnswers() {
    try {
      Process p = new ProcessBuilder("docker", "version", "--format", "{{.Server.Version}}")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
