package io.pvedeploy.sandbox;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the sandbox standalone:
 *
 * <pre>
 * java -jar proxmox-sandbox.jar [--port 0] [--nodes pve1,pve2] [--state-dir DIR]
 *     [--task-duration MS] [--simulated-guests N] [--lock-timeout MS]
 * </pre>
 *
 * Prints exactly one JSON line on stdout once ready ({@code url}, {@code fingerprint},
 * {@code tokenId}, {@code tokenSecret}, {@code user}, {@code password}, and with {@code --ssh
 * true} {@code ssh}: host, port, user, identityFile, knownHostsFile) and serves until killed;
 * logs go to stderr. Faults: {@code POST /api2/json/sandbox/faults} with {@code action} =
 * failNext ({@code count, method, path, status, message}) | slowTasks ({@code ms}) | failTasks
 * ({@code type, exitstatus}) | taskNotYetVisible ({@code count}) | clear; root@pam or token auth.
 */
public final class SandboxMain {
  private static final String USAGE =
      "usage: java -jar proxmox-sandbox.jar [--port N] [--nodes pve1,pve2,...] [--state-dir DIR]\n"
          + "       [--task-duration MS] [--simulated-guests N] [--lock-timeout MS]\n"
          + "       [--guests simulated|lxc] [--ssh true|false] [--cache-dir DIR]";

  private SandboxMain() {}

  public static void main(String[] args) throws InterruptedException {
    Sandbox.Builder builder = Sandbox.builder();
    try {
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (flag.equals("--help") || flag.equals("-h")) {
          System.err.println(USAGE);
          System.exit(0);
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("missing value for " + flag);
        }
        String value = args[++i];
        switch (flag) {
          case "--port" -> builder.port(Integer.parseInt(value));
          case "--nodes" -> builder.nodes(value.split(","));
          case "--state-dir" -> builder.stateDir(Path.of(value));
          case "--task-duration" -> builder.taskDuration(Duration.ofMillis(Long.parseLong(value)));
          case "--lock-timeout" -> builder.lockTimeout(Duration.ofMillis(Long.parseLong(value)));
          case "--simulated-guests" -> builder.simulatedGuests(Integer.parseInt(value));
          case "--guests" -> builder.guests(Sandbox.Guests.valueOf(value.toUpperCase(java.util.Locale.ROOT)));
          case "--ssh" -> builder.nodeSsh(Boolean.parseBoolean(value));
          case "--cache-dir" -> builder.cacheDir(Path.of(value));
          default -> throw new IllegalArgumentException("unknown flag " + flag);
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    Sandbox sandbox = builder.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      sandbox.close();
      stopped.countDown();
    }, "sandbox-shutdown"));
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    out.println(readyLine(sandbox));
    stopped.await();
  }

  static String readyLine(Sandbox s) {
    return "{\"url\":" + quote(s.url()) + ",\"fingerprint\":" + quote(s.fingerprint())
        + ",\"tokenId\":" + quote(s.tokenId()) + ",\"tokenSecret\":" + quote(s.tokenSecret())
        + ",\"user\":" + quote(s.user()) + ",\"password\":" + quote(s.password())
        + s.ssh().map(e -> ",\"ssh\":{\"host\":" + quote(e.host()) + ",\"port\":" + e.port()
            + ",\"user\":" + quote(e.user()) + ",\"identityFile\":" + quote(e.identityFile().toString())
            + ",\"knownHostsFile\":" + quote(e.knownHostsFile().toString()) + "}").orElse("")
        + "}";
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
