package io.pvedeploy.docker;

import io.pvedeploy.docker.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Docker inside one guest, reached through a {@link GuestShell}: what is there ({@link #info()}),
 * whether it is fit ({@link #preflight()}), setting it up ({@link #setup(DaemonConfig)}), and the
 * entry to Compose projects ({@link #project(String)}).
 *
 * <pre>{@code
 * DockerEngine docker = DockerEngine.on(shell);
 * docker.setup(DaemonConfig.defaults());          // refuses a Proxmox VE host
 * ComposeProject shop = docker.project("shop");
 * Release r = shop.ship(ComposeBundle.fromDirectory(Path.of("deploy/shop")));
 * shop.up(r, Duration.ofMinutes(2));               // healthy, or ServicesUnhealthyException
 * }</pre>
 *
 * <p>An engine is cheap and holds no state but the shell; share one per guest.
 */
public final class DockerEngine {
  private static final Logger LOG = LoggerFactory.getLogger(DockerEngine.class);

  static final String DAEMON_JSON = "/etc/docker/daemon.json";
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(30);
  static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(20);
  static final Duration DAEMON_START_WAIT = Duration.ofSeconds(60);
  static final List<String> INSTALL_HINT_PACKAGES = List.of("docker.io", "docker-compose");

  private final GuestShell shell;

  private DockerEngine(GuestShell shell) {
    this.shell = shell;
  }

  /** The engine of the guest {@code shell} reaches. */
  public static DockerEngine on(GuestShell shell) {
    if (shell == null) {
      throw new IllegalArgumentException("shell must not be null");
    }
    return new DockerEngine(shell);
  }

  public GuestShell shell() {
    return shell;
  }

  // ------------------------------------------------------------------ detection

  /** Looks at the guest: Docker's and Compose's versions, drivers, cgroups, container kind. */
  public EngineInfo info() throws GuestShellException {
    Optional<String> client = firstLine(probe("docker", "version", "--format", "{{.Client.Version}}"));
    Optional<String> server = Optional.empty();
    Optional<String> storage = Optional.empty();
    Optional<String> logging = Optional.empty();
    Optional<String> cgroupDriver = Optional.empty();
    Optional<ComposeTool> compose = Optional.empty();
    if (client.isPresent()) {
      ExecResult info = probe("docker", "info", "--format", "{{json .}}");
      if (info.succeeded()) {
        try {
          Map<String, Object> json = Json.parseObject(info.stdoutText());
          server = Json.string(json, "ServerVersion").filter(s -> !s.isBlank());
          storage = Json.string(json, "Driver").filter(s -> !s.isBlank());
          logging = Json.string(json, "LoggingDriver").filter(s -> !s.isBlank());
          cgroupDriver = Json.string(json, "CgroupDriver").filter(s -> !s.isBlank());
        } catch (IOException e) {
          LOG.debug("{}: docker info answered no JSON: {}", shell.target(), e.getMessage());
        }
      }
      compose = version(probe("docker", "compose", "version", "--short"))
          .map(v -> new ComposeTool(ComposeTool.Flavor.PLUGIN, v, List.of("docker", "compose")));
    }
    if (compose.isEmpty()) {
      compose = version(probe("docker-compose", "version", "--short"))
          .map(v -> new ComposeTool(ComposeTool.Flavor.STANDALONE, v, List.of("docker-compose")));
    }
    int cgroup = firstLine(probe("stat", "-fc", "%T", "/sys/fs/cgroup"))
        .map(t -> t.equals("cgroup2fs") ? 2 : t.equals("tmpfs") ? 1 : 0).orElse(0);
    Optional<String> runc = firstLine(probe("runc", "--version"))
        .flatMap(l -> match(RUNC_VERSION, l));
    Optional<String> containerd = packageVersion("containerd.io")
        .or(() -> firstLine(probeUnchecked("containerd", "--version"))
            .flatMap(l -> match(CONTAINERD_VERSION, l)));
    boolean pve = packageVersion("pve-manager").isPresent();
    return new EngineInfo(client, server, compose, storage, logging, cgroup, cgroupDriver,
        containerKind(), userNamespace(), runc, containerd, pve, initSystem());
  }

  private static final Pattern RUNC_VERSION = Pattern.compile("runc version v?([0-9][^\\s]*)");
  private static final Pattern CONTAINERD_VERSION = Pattern.compile("containerd \\S+ v?([0-9][^\\s]*)");
  private static final Pattern VERSION = Pattern.compile("v?([0-9]+\\.[0-9]+[^\\s,]*)");

  private Optional<String> packageVersion(String pkg) throws GuestShellException {
    ExecResult r = probe("dpkg-query", "-W", "-f", "${Status}|${Version}", pkg);
    if (!r.succeeded()) {
      return Optional.empty();
    }
    String[] parts = r.stdoutText().strip().split("\\|", 2);
    return parts.length == 2 && parts[0].endsWith(" installed") ? Optional.of(parts[1]) : Optional.empty();
  }

  EngineInfo.ContainerKind containerKind() throws GuestShellException {
    ExecResult detect = probe("systemd-detect-virt", "--container");
    if (detect.exitCode() == 0 || detect.exitCode() == 1 && detect.stdoutText().strip().equals("none")) {
      return kindOf(detect.stdoutText().strip());
    }
    ExecResult environ = probe("cat", "/proc/1/environ");
    if (environ.succeeded()) {
      for (String var : environ.stdoutText().split("\0")) {
        if (var.startsWith("container=")) {
          return kindOf(var.substring("container=".length()));
        }
      }
    }
    for (String file : List.of("/run/systemd/container", "/run/container_type")) {
      ExecResult r = probe("cat", file);
      if (r.succeeded() && !r.stdoutText().isBlank()) {
        return kindOf(r.stdoutText().strip());
      }
    }
    String cgroup = probe("cat", "/proc/1/cgroup").stdoutText() + probe("cat", "/proc/self/cgroup").stdoutText();
    if (cgroup.contains("/lxc/") || cgroup.contains("/lxc.payload")) {
      return EngineInfo.ContainerKind.LXC;
    }
    if (probe("grep", "-q", "lxcfs", "/proc/self/mountinfo").succeeded()) {
      return EngineInfo.ContainerKind.LXC; // PVE mounts lxcfs over /proc files in every CT
    }
    return EngineInfo.ContainerKind.NONE;
  }

  static EngineInfo.ContainerKind kindOf(String name) {
    return switch (name) {
      case "", "none" -> EngineInfo.ContainerKind.NONE;
      case "lxc", "lxc-libvirt" -> EngineInfo.ContainerKind.LXC;
      case "docker" -> EngineInfo.ContainerKind.DOCKER;
      case "podman" -> EngineInfo.ContainerKind.PODMAN;
      default -> EngineInfo.ContainerKind.OTHER;
    };
  }

  private boolean userNamespace() throws GuestShellException {
    ExecResult r = probe("cat", "/proc/self/uid_map");
    if (!r.succeeded()) {
      return false;
    }
    String[] first = r.stdoutText().strip().split("\\s+");
    return !(first.length == 3 && first[0].equals("0") && first[1].equals("0") && first[2].equals("4294967295"));
  }

  private EngineInfo.InitSystem initSystem() throws GuestShellException {
    if (probe("test", "-d", "/run/systemd/system").succeeded()) {
      return EngineInfo.InitSystem.SYSTEMD;
    }
    if (probe("test", "-x", "/etc/init.d/docker").succeeded()) {
      return EngineInfo.InitSystem.SYSV;
    }
    if (probe("sh", "-c", "command -v service").succeeded()) {
      return EngineInfo.InitSystem.SERVICE;
    }
    return EngineInfo.InitSystem.NONE;
  }

  // ------------------------------------------------------------------ preflight

  /**
   * Checks the guest before Docker is installed or used: not a Proxmox VE host; kernel modules
   * {@code overlay} and {@code br_netfilter} present; no runc/containerd known to break inside an
   * unprivileged LXC container; a storage driver that is not {@code vfs}.
   */
  public PreflightReport preflight() throws GuestShellException {
    EngineInfo info = info();
    boolean overlay = probe("grep", "-qw", "overlay", "/proc/filesystems").succeeded()
        || probe("test", "-d", "/sys/module/overlay").succeeded()
        || probe("grep", "-q", "^overlay ", "/proc/modules").succeeded();
    boolean brNetfilter = probe("test", "-e", "/proc/sys/net/bridge/bridge-nf-call-iptables").succeeded()
        || probe("test", "-d", "/sys/module/br_netfilter").succeeded()
        || probe("grep", "-q", "^br_netfilter ", "/proc/modules").succeeded();
    return new PreflightReport(info, evaluate(info, overlay, brNetfilter));
  }

  /** The findings for what was observed; a pure function, unit-tested on its own. */
  static List<PreflightReport.Finding> evaluate(EngineInfo info, boolean overlay, boolean brNetfilter) {
    List<PreflightReport.Finding> out = new ArrayList<>();
    String where = info.container() == EngineInfo.ContainerKind.LXC
        ? "on the Proxmox host (an LXC container shares its kernel and cannot load modules): "
        : "on the guest: ";
    if (info.proxmoxHost()) {
      out.add(new PreflightReport.Finding(PreflightReport.Severity.ERROR, PreflightReport.PROXMOX_HOST,
          "this shell reaches a Proxmox VE host (the pve-manager package is installed), not a guest;"
              + " Docker's iptables rules and bridges would fight PVE's firewall and vmbr bridges.",
          "deploy into an LXC container (features nesting=1,keyctl=1) or a VM on this host, and"
              + " point the shell at that guest."));
    }
    if (!overlay) {
      out.add(new PreflightReport.Finding(PreflightReport.Severity.ERROR,
          PreflightReport.KERNEL_MODULE_OVERLAY,
          "the kernel has no overlay file system (not in /proc/filesystems, /sys/module or"
              + " /proc/modules); Docker would fall back to the vfs driver, which copies every layer.",
          where + "modprobe overlay, and add 'overlay' to /etc/modules-load.d/docker.conf so it"
              + " loads at boot."));
    }
    if (!brNetfilter) {
      out.add(new PreflightReport.Finding(PreflightReport.Severity.WARNING,
          PreflightReport.KERNEL_MODULE_BR_NETFILTER,
          "br_netfilter is not loaded (no /proc/sys/net/bridge/bridge-nf-call-iptables); traffic"
              + " between containers on one bridge bypasses iptables, and Docker warns about it.",
          where + "modprobe br_netfilter, and add 'br_netfilter' to"
              + " /etc/modules-load.d/docker.conf."));
    }
    if (info.unprivilegedLxc()) {
      Optional<String> runc = info.runcVersion().filter(DockerEngine::runcBreaksInLxc);
      Optional<String> containerd = info.containerdVersion().filter(v -> v.startsWith("1.7.28-2"));
      if (runc.isPresent() || containerd.isPresent()) {
        String what = runc.map(v -> "runc " + v).orElse("containerd.io " + containerd.orElse(""));
        out.add(new PreflightReport.Finding(PreflightReport.Severity.WARNING,
            PreflightReport.LXC_RUNC_APPARMOR,
            what + " inside an unprivileged LXC container: since the fix for CVE-2025-52881 (runc"
                + " 1.2.8/1.3.3, shipped in containerd.io 1.7.28-2) containers fail to start with"
                + " 'open sysctl net.ipv4.ip_unprivileged_port_start file: reopen fd N: permission"
                + " denied' when the Proxmox host's LXC AppArmor profile predates the fix"
                + " (opencontainers/runc#4968, containerd/containerd#12484).",
            "update the Proxmox host (lxc-pve and pve-container with the AppArmor fix, Nov 2025 or"
                + " later) and restart the container; or, in the guest, hold runc below 1.3.3 /"
                + " containerd.io at 1.7.28-1 (apt-mark hold). Do not switch AppArmor off for the"
                + " container."));
      }
    }
    if (info.storageDriver().filter("vfs"::equals).isPresent()) {
      out.add(new PreflightReport.Finding(PreflightReport.Severity.WARNING,
          PreflightReport.STORAGE_DRIVER_VFS,
          "the daemon uses the vfs storage driver, which copies every layer in full: slow and"
              + " disk-hungry.",
          "make overlay available (see kernel-module-overlay) and set storageDriver(\"overlay2\")"
              + " in the DaemonConfig."));
    }
    return out;
  }

  /** runc versions with the CVE-2025-52881 fd-reopening change: 1.2.8+, 1.3.3+, 1.4+. */
  static boolean runcBreaksInLxc(String version) {
    Matcher m = Pattern.compile("^v?([0-9]+)\\.([0-9]+)\\.([0-9]+)").matcher(version);
    if (!m.find()) {
      return false;
    }
    int major = Integer.parseInt(m.group(1));
    int minor = Integer.parseInt(m.group(2));
    int patch = Integer.parseInt(m.group(3));
    if (major != 1) {
      return major > 1;
    }
    return minor == 2 && patch >= 8 || minor == 3 && patch >= 3 || minor >= 4;
  }

  // ------------------------------------------------------------------ setup

  /**
   * Makes Docker ready on the guest: runs the {@linkplain #preflight() preflight} (errors stop it,
   * a Proxmox VE host first of all), installs {@code docker.io} and {@code docker-compose} from
   * the guest's distribution packages when missing, writes {@code daemon.json} and restarts the
   * daemon only if the file changed, and starts the daemon if it is not running.
   *
   * @throws ProxmoxHostException if the guest is a Proxmox VE host
   * @throws PreflightException if another preflight error was found
   * @throws DockerMissingException if Docker is missing and the guest has no {@code apt-get}, or
   *     the daemon does not come up
   */
  public SetupResult setup(DaemonConfig config) throws DockerGuestException {
    if (config == null) {
      throw new IllegalArgumentException("config must not be null (DaemonConfig.defaults())");
    }
    PreflightReport report = preflight().orThrow();
    EngineInfo info = report.info();
    List<String> toInstall = new ArrayList<>();
    if (!info.dockerInstalled()) {
      toInstall.add("docker.io");
    }
    if (info.compose().isEmpty()) {
      toInstall.add("docker-compose");
    }
    if (!toInstall.isEmpty()) {
      install(toInstall);
    }
    boolean changed = writeDaemonConfig(config);
    boolean restarted = false;
    EngineInfo now = toInstall.isEmpty() ? info : info();
    if (changed || !now.daemonRunning()) {
      restartDaemon(now.initSystem(), now.daemonRunning());
      restarted = true;
      now = info();
    }
    LOG.info("{}: docker {} with {} ready (installed {}, daemon.json {}, restarted {})",
        shell.target(), now.serverVersion().orElse("?"),
        now.compose().map(c -> "compose " + c.version()).orElse("no compose"), toInstall,
        changed ? "changed" : "unchanged", restarted);
    return new SetupResult(toInstall, changed, restarted, now, report);
  }

  /**
   * Writes {@code daemon.json} if its bytes differ, and restarts the daemon then (only then).
   *
   * @return whether the file changed (and the daemon was restarted)
   */
  public boolean configureDaemon(DaemonConfig config) throws DockerGuestException {
    boolean changed = writeDaemonConfig(config);
    if (changed) {
      EngineInfo info = info();
      restartDaemon(info.initSystem(), info.daemonRunning());
    }
    return changed;
  }

  private boolean writeDaemonConfig(DaemonConfig config) throws DockerGuestException {
    byte[] wanted = config.toJson().getBytes(StandardCharsets.UTF_8);
    ExecResult current = shell.run(Exec.builder("cat", DAEMON_JSON).timeout(PROBE_TIMEOUT).build());
    if (current.succeeded() && java.util.Arrays.equals(current.stdout(), wanted)) {
      return false;
    }
    shell.put(DAEMON_JSON, wanted, FileOptions.mode(0644));
    LOG.info("{}: wrote {}", shell.target(), DAEMON_JSON);
    return true;
  }

  private void install(List<String> packages) throws DockerGuestException {
    if (!probe("sh", "-c", "command -v apt-get").succeeded()) {
      throw new DockerMissingException(DockerMissingException.Missing.DOCKER_CLI,
          "Docker or Compose is missing on " + shell.target() + " (" + String.join(", ", packages)
              + ") and the guest has no apt-get to install them from its distribution. Install"
              + " Docker and Compose with the guest's package manager, then run setup again", null);
    }
    LOG.info("{}: installing {}", shell.target(), packages);
    List<String> env = List.of("env", "DEBIAN_FRONTEND=noninteractive");
    List<String> update = new ArrayList<>(env);
    update.addAll(List.of("apt-get", "update", "-q"));
    shell.run(Exec.builder(update).timeout(INSTALL_TIMEOUT).build())
        .orThrow("apt-get update on " + shell.target());
    List<String> install = new ArrayList<>(env);
    install.addAll(List.of("apt-get", "install", "-y", "-q", "--no-install-recommends"));
    install.addAll(packages);
    shell.run(Exec.builder(install).timeout(INSTALL_TIMEOUT).build())
        .orThrow("apt-get install " + String.join(" ", packages) + " on " + shell.target());
  }

  private void restartDaemon(EngineInfo.InitSystem init, boolean running) throws DockerGuestException {
    String verb = running ? "restart" : "start";
    List<String> argv = switch (init) {
      case SYSTEMD -> List.of("systemctl", verb, "docker");
      case SYSV -> List.of("/etc/init.d/docker", verb);
      case SERVICE -> List.of("service", "docker", verb);
      case NONE -> throw new DockerMissingException(DockerMissingException.Missing.DAEMON_NOT_RUNNING,
          "cannot " + verb + " dockerd on " + shell.target() + ": the guest has neither systemd,"
              + " /etc/init.d/docker nor 'service'. Start it by hand (dockerd > /var/log/dockerd.log"
              + " 2>&1 &) so it reads " + DAEMON_JSON, null);
    };
    LOG.info("{}: {}", shell.target(), String.join(" ", argv));
    shell.run(Exec.builder(argv).timeout(Duration.ofMinutes(2)).build())
        .orThrow(String.join(" ", argv) + " on " + shell.target());
    long deadline = System.nanoTime() + DAEMON_START_WAIT.toNanos();
    ExecResult last;
    do {
      last = probe("docker", "info", "--format", "{{.ServerVersion}}");
      if (last.succeeded() && !last.stdoutText().isBlank()) {
        return;
      }
      sleep(Duration.ofMillis(500));
    } while (System.nanoTime() < deadline);
    throw new DockerMissingException(DockerMissingException.Missing.DAEMON_NOT_RUNNING,
        "dockerd on " + shell.target() + " did not answer within " + DAEMON_START_WAIT.toSeconds()
            + " s after '" + String.join(" ", argv) + "'; docker info said: " + last.outputTail()
            + ". Look at the daemon's log (journalctl -u docker, /var/log/docker.log); a bad "
            + DAEMON_JSON + " (e.g. a storage driver the kernel lacks) stops it from starting", null);
  }

  // ------------------------------------------------------------------ compose and images

  /**
   * The Compose to use: the v2 plugin if present, else {@code docker-compose}.
   *
   * @throws DockerMissingException if there is no docker, no daemon, or no Compose
   */
  public ComposeTool requireCompose() throws DockerGuestException {
    ExecResult server = probe("docker", "info", "--format", "{{.ServerVersion}}");
    if (server.exitCode() == 127) {
      throw new DockerMissingException(DockerMissingException.Missing.DOCKER_CLI,
          "there is no docker CLI on " + shell.target() + ". Install it: DockerEngine.setup(…), or"
              + " apt-get install -y " + String.join(" ", INSTALL_HINT_PACKAGES), null);
    }
    if (!server.succeeded() || server.stdoutText().isBlank()) {
      throw new DockerMissingException(DockerMissingException.Missing.DAEMON_NOT_RUNNING,
          "the Docker daemon on " + shell.target() + " does not answer (docker info said: "
              + server.outputTail() + "). Start it (systemctl start docker, /etc/init.d/docker"
              + " start, or dockerd &) or run DockerEngine.setup(…)", null);
    }
    Optional<ComposeTool> compose = version(probe("docker", "compose", "version", "--short"))
        .map(v -> new ComposeTool(ComposeTool.Flavor.PLUGIN, v, List.of("docker", "compose")));
    if (compose.isEmpty()) {
      compose = version(probe("docker-compose", "version", "--short"))
          .map(v -> new ComposeTool(ComposeTool.Flavor.STANDALONE, v, List.of("docker-compose")));
    }
    return compose.orElseThrow(() -> new DockerMissingException(DockerMissingException.Missing.COMPOSE,
        "neither 'docker compose' (the v2 plugin) nor 'docker-compose' works on " + shell.target()
            + ". Install one: apt-get install -y docker-compose (Debian/Ubuntu), or the"
            + " docker-compose-plugin package from Docker's repository", null));
  }

  /**
   * The Compose project of one app on this guest. {@code app} is the project's name too: lower
   * case letters, digits and {@code -}, starting with a letter, at most 40 characters.
   */
  public ComposeProject project(String app) throws DockerGuestException {
    ComposeProject.checkAppName(app);
    return new ComposeProject(this, app, requireCompose());
  }

  private static final Pattern IMAGE_REFERENCE = Pattern.compile(
      "(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?/)?" // optional registry host[:port]
          + "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
          + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?"
          + "|sha256:[a-f0-9]{64}|[a-f0-9]{12,64}");

  /**
   * Checks an image reference ({@code name[:tag][@digest]}, or an image id) against Docker's
   * grammar; anything else (spaces, quotes, {@code $}, {@code ;}, newlines, upper case names) is
   * refused before it reaches the guest.
   */
  public static String checkImageReference(String reference) {
    if (reference == null || reference.length() > 512 || !IMAGE_REFERENCE.matcher(reference).matches()) {
      throw new IllegalArgumentException("'" + printable(reference) + "' is not a Docker image"
          + " reference (name[:tag][@sha256:digest], lower-case name, e.g. registry.local:5000/shop/web:1.2)");
    }
    return reference;
  }

  /** The id ({@code sha256:…}) of a local image, if the guest has it. */
  public Optional<String> imageId(String reference) throws DockerGuestException {
    checkImageReference(reference);
    ExecResult r = shell.run(Exec.builder("docker", "image", "inspect", "--format", "{{.Id}}", "--", reference)
        .timeout(PROBE_TIMEOUT).build());
    if (r.succeeded()) {
      return firstLine(r);
    }
    if (r.stderrText().contains("No such image") || r.stderrText().contains("No such object")) {
      return Optional.empty();
    }
    r.orThrow("docker image inspect on " + shell.target());
    return Optional.empty();
  }

  /**
   * The ids of several references in one {@code docker image inspect} when they all exist (the
   * common case: one process instead of one per image); when one is missing, each is asked
   * alone. Returns reference → id in the given order, without the missing ones.
   */
  public Map<String, String> imageIds(List<String> references) throws DockerGuestException {
    Map<String, String> ids = new LinkedHashMap<>();
    if (references.isEmpty()) {
      return ids;
    }
    references.forEach(DockerEngine::checkImageReference);
    List<String> argv = new ArrayList<>(List.of("docker", "image", "inspect", "--format", "{{.Id}}", "--"));
    argv.addAll(references);
    ExecResult r = shell.run(Exec.builder(argv).timeout(PROBE_TIMEOUT).build());
    List<String> lines = r.succeeded() ? r.stdoutText().lines().filter(l -> !l.isBlank()).toList() : List.of();
    if (lines.size() == references.size()) {
      for (int i = 0; i < references.size(); i++) {
        ids.put(references.get(i), lines.get(i).strip());
      }
      return ids;
    }
    for (String reference : references) {
      imageId(reference).ifPresent(id -> ids.put(reference, id));
    }
    return ids;
  }

  // ------------------------------------------------------------------ helpers

  /** Runs a probe whose exit status is information; a missing program is exit 127. */
  ExecResult probe(String... argv) throws GuestShellException {
    return shell.run(Exec.builder(argv).timeout(PROBE_TIMEOUT).build());
  }

  private ExecResult probeUnchecked(String... argv) {
    try {
      return probe(argv);
    } catch (GuestShellException e) {
      return new ExecResult(127, null, null);
    }
  }

  private static Optional<String> firstLine(ExecResult r) {
    if (!r.succeeded()) {
      return Optional.empty();
    }
    return r.stdoutText().lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst();
  }

  private static Optional<String> version(ExecResult r) {
    return firstLine(r).flatMap(l -> match(VERSION, l));
  }

  private static Optional<String> match(Pattern p, String text) {
    Matcher m = p.matcher(text);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  static String printable(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder();
    s.codePoints().limit(200).forEach(c -> {
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\x%02x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting", e);
    }
  }

  @Override
  public String toString() {
    return "DockerEngine[" + shell.target() + "]";
  }
}
