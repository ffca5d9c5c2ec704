package io.pvedeploy.docker;

import com.squareup.moshi.Moshi;
import io.pvedeploy.docker.internal.Json;
import io.pvedeploy.docker.internal.Yaml;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One app's Compose project on one guest: releases shipped under {@code
 * <base>/<app>/releases/<id>/}, a {@code current} link to the release last brought up, and the
 * project's containers, networks and volumes, all labelled {@value #APP_LABEL}{@code =<app>}
 * (containers also {@value #RELEASE_LABEL}{@code =<id>}).
 *
 * <pre>{@code
 * ComposeProject shop = DockerEngine.on(shell).project("shop");
 * Release r = shop.ship(ComposeBundle.fromDirectory(Path.of("deploy/shop")));
 * List<ServiceState> up = shop.up(r, Duration.ofMinutes(2));
 * shop.logs("web", 100);
 * shop.down(false);
 * }</pre>
 *
 * <p>Works with Compose v2 ({@code docker compose}) and v1 ({@code docker-compose} 1.29), which
 * lacks {@code --wait}: health gating is ours for both ({@link #awaitHealthy(Duration)}). Every
 * compose call passes the release's files explicitly ({@code -p}, {@code --project-directory},
 * {@code -f}…, {@code --env-file}) as argv words; nothing of the bundle is interpreted by a shell.
 */
public final class ComposeProject {
  private static final Logger LOG = LoggerFactory.getLogger(ComposeProject.class);

  /** The label every container, network and volume of an app carries. */
  public static final String APP_LABEL = "io.pvedeploy.app";
  /** The label every container carries: the release that created it. */
  public static final String RELEASE_LABEL = "io.pvedeploy.release";
  /** Where apps live on a guest unless {@link #withBaseDirectory(String)} says otherwise. */
  public static final String DEFAULT_BASE = "/opt/pvedeploy";

  static final String OVERRIDE_FILE = "pvedeploy.labels.json";
  static final String MARKER_FILE = ".pvedeploy-release";
  static final String HISTORY_DIR = "history";
  /** How many releases {@link #prune()} keeps, like Kamal's default retention. */
  public static final int DEFAULT_RELEASES_KEPT = 5;
  static final Duration COMPOSE_TIMEOUT = Duration.ofMinutes(10);
  static final int LOG_TAIL_LINES = 40;
  /** How long services without a health check must keep running to count as up. */
  static final int SETTLE_SECONDS = 3;
  static final Duration SETTLE = Duration.ofSeconds(SETTLE_SECONDS);
  private static final Pattern APP = Pattern.compile("[a-z][a-z0-9-]{0,39}");
  private static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private static final Pattern RELEASE_ID = Pattern.compile("[0-9a-f]{24}");

  private final DockerEngine engine;
  private final GuestShell shell;
  private final String app;
  private final ComposeTool compose;
  private final String base;
  private final Duration pollInterval;
  private final Duration settle = SETTLE;

  ComposeProject(DockerEngine engine, String app, ComposeTool compose) {
    this(engine, app, compose, DEFAULT_BASE, Duration.ofSeconds(1));
  }

  private ComposeProject(DockerEngine engine, String app, ComposeTool compose, String base,
      Duration pollInterval) {
    this.engine = engine;
    this.shell = engine.shell();
    this.app = app;
    this.compose = compose;
    this.base = base;
    this.pollInterval = pollInterval;
  }

  /** This project with its releases under another absolute directory of the guest. */
  public ComposeProject withBaseDirectory(String directory) {
    String dir = io.pvedeploy.docker.internal.GuestFiles.checkPath(directory);
    while (dir.length() > 1 && dir.endsWith("/")) {
      dir = dir.substring(0, dir.length() - 1);
    }
    return new ComposeProject(engine, app, compose, dir, pollInterval);
  }

  public String app() {
    return app;
  }

  /** The Compose project name (the app name). */
  public String projectName() {
    return app;
  }

  public ComposeTool composeTool() {
    return compose;
  }

  /** {@code <base>/<app>}. */
  public String appDirectory() {
    return base + "/" + app;
  }

  static void checkAppName(String app) {
    if (app == null || !APP.matcher(app).matches()) {
      throw new IllegalArgumentException("app name '" + DockerEngine.printable(app) + "' must be"
          + " lower-case letters, digits and '-', start with a letter, at most 40 characters (it"
          + " names the Compose project and a directory on the guest)");
    }
  }

  static String checkService(String service) {
    if (service == null || !SERVICE.matcher(service).matches()) {
      throw new IllegalArgumentException("'" + DockerEngine.printable(service) + "' is not a"
          + " Compose service name (letters, digits, '_', '.', '-')");
    }
    return service;
  }

  // ------------------------------------------------------------------ releases

  /**
   * Ships a bundle as the release directory {@code <base>/<app>/releases/<id>/}, unless it is
   * already there (then nothing is sent). The files go to a staging directory first; compose
   * validates them there ({@code config}) together with our label override; only then is the
   * directory made read-only and renamed into place. A bundle compose rejects never becomes a
   * release.
   *
   * @throws ComposeConfigException if compose rejects the bundle
   */
  public Release ship(ComposeBundle bundle) throws DockerGuestException {
    if (bundle == null) {
      throw new IllegalArgumentException("bundle must not be null");
    }
    String id = bundle.id();
    String dir = releaseDirectory(id);
    ExecResult marker = shell.run(Exec.builder("cat", dir + "/" + MARKER_FILE).timeout(DockerEngine.PROBE_TIMEOUT).build());
    if (marker.succeeded() && marker.stdoutText().startsWith(id + "\n")) {
      LOG.debug("{}: release {} of {} is already there", shell.target(), id, app);
      return new Release(app, id, dir, false);
    }
    if (shell.exists(dir)) {
      throw new CommandFailedException("release directory " + dir + " on " + shell.target()
          + " exists but is incomplete (no " + MARKER_FILE + "); it was not made by this SDK or a"
          + " ship was interrupted at the last step. Remove it (rm -rf) and ship again",
          "ship", 1, "", null);
    }
    String staging = appDirectory() + "/releases/.staging-" + id + "-" + UUID.randomUUID().toString().substring(0, 8);
    boolean done = false;
    try {
      for (ComposeBundle.BundleFile f : bundle.files()) {
        shell.put(staging + "/" + f.path(), f.content(), FileOptions.mode(f.executable() ? 0555 : 0444));
      }
      Map<String, Object> config = config(staging, bundle.composeFiles(), bundle.envFile());
      byte[] override = labelOverride(config, app, id, compose).getBytes(StandardCharsets.UTF_8);
      shell.put(staging + "/" + OVERRIDE_FILE, override, FileOptions.mode(0444));
      validate(staging, withOverride(bundle.composeFiles()), bundle.envFile());
      StringBuilder manifest = new StringBuilder(id).append('\n');
      manifest.append("compose-files=").append(String.join(",", bundle.composeFiles())).append('\n');
      bundle.envFile().ifPresent(e -> manifest.append("env-file=").append(e).append('\n'));
      shell.put(staging + "/" + MARKER_FILE, manifest.toString().getBytes(StandardCharsets.UTF_8),
          FileOptions.mode(0444));
      shell.run(Exec.of("chmod", "-R", "a-w", "--", staging)).orThrow("making " + staging + " read-only");
      shell.run(Exec.of("mv", "-T", "--", staging, dir)).orThrow("moving the release into " + dir);
      done = true;
      LOG.info("{}: shipped release {} of {} ({} files)", shell.target(), id, app, bundle.files().size());
      return new Release(app, id, dir, true);
    } finally {
      if (!done) {
        try {
          shell.run(Exec.of("rm", "-rf", "--", staging));
        } catch (GuestShellException e) {
          LOG.warn("{}: could not remove staging directory {}: {}", shell.target(), staging, e.getMessage());
        }
      }
    }
  }

  /** {@code <base>/<app>/releases/<id>}. */
  public String releaseDirectory(String id) {
    if (id == null || !RELEASE_ID.matcher(id).matches()) {
      throw new IllegalArgumentException("'" + DockerEngine.printable(id) + "' is not a release id"
          + " (24 hex digits, ComposeBundle.id())");
    }
    return appDirectory() + "/releases/" + id;
  }

  /** The release last brought {@linkplain #up up}, if any. */
  public Optional<Release> currentRelease() throws DockerGuestException {
    ExecResult link = shell.run(Exec.builder("readlink", appDirectory() + "/current")
        .timeout(DockerEngine.PROBE_TIMEOUT).build());
    if (!link.succeeded()) {
      return Optional.empty();
    }
    String target = link.stdoutText().strip();
    String id = target.substring(target.lastIndexOf('/') + 1);
    if (!RELEASE_ID.matcher(id).matches()) {
      return Optional.empty();
    }
    return Optional.of(new Release(app, id, releaseDirectory(id), false));
  }

  /**
   * The releases on the guest, most recently used first: by when each was last brought up, or
   * shipped if it never was. One round trip.
   */
  public List<Release> releases() throws DockerGuestException {
    return releaseUses().stream().map(u -> new Release(app, u.id, releaseDirectory(u.id), false)).toList();
  }

  /** A release id with when it was shipped and last brought up (epoch seconds, 0 if never). */
  private record ReleaseUse(String id, double shipped, double lastUp) {
    double lastUsed() {
      return Math.max(shipped, lastUp);
    }
  }

  private List<ReleaseUse> releaseUses() throws DockerGuestException {
    // GNU find's -printf gives each marker's and history file's mtime without a round trip per
    // release; a missing app directory is an empty list, not an error.
    ExecResult r = shell.run(Exec.builder("sh", "-c", "cd -- \"$1\" 2>/dev/null || exit 0;"
        + " find releases -mindepth 2 -maxdepth 2 -name " + MARKER_FILE + " -printf 's %T@ %h\\n' 2>/dev/null;"
        + " if [ -d " + HISTORY_DIR + " ]; then find " + HISTORY_DIR + " -mindepth 1 -maxdepth 1 -type f"
        + " -printf 'u %T@ %f\\n'; fi; exit 0", "pvedeploy-releases", appDirectory())
        .timeout(DockerEngine.PROBE_TIMEOUT).build());
    r.orThrow("listing the releases of " + app);
    Map<String, double[]> times = new LinkedHashMap<>();
    for (String line : r.stdoutText().split("\n")) {
      String[] f = line.split(" ", 3);
      if (f.length != 3) {
        continue;
      }
      String id = f[2].substring(f[2].lastIndexOf('/') + 1);
      if (!RELEASE_ID.matcher(id).matches()) {
        continue;
      }
      double t;
      try {
        t = Double.parseDouble(f[1]);
      } catch (NumberFormatException e) {
        continue;
      }
      double[] slot = times.computeIfAbsent(id, k -> new double[] {-1, 0});
      if (f[0].equals("s")) {
        slot[0] = t;
      } else if (f[0].equals("u")) {
        slot[1] = t;
      }
    }
    List<ReleaseUse> uses = new ArrayList<>();
    times.forEach((id, t) -> {
      if (t[0] >= 0) { // a history entry whose release directory is gone is not a release
        uses.add(new ReleaseUse(id, t[0], t[1]));
      }
    });
    uses.sort(Comparator.comparingDouble(ReleaseUse::lastUsed).reversed().thenComparing(ReleaseUse::id));
    return uses;
  }

  /**
   * The release a rollback would return to: the one brought up most recently before the current
   * one, if any.
   */
  public Optional<Release> rollbackTarget() throws DockerGuestException {
    Optional<String> current = currentRelease().map(Release::id);
    return releaseUses().stream()
        .filter(u -> u.lastUp > 0 && !Optional.of(u.id).equals(current))
        .max(Comparator.comparingDouble(ReleaseUse::lastUp))
        .map(u -> new Release(app, u.id, releaseDirectory(u.id), false));
  }

  /** {@link #prune(int)} keeping the {@value #DEFAULT_RELEASES_KEPT} most recently used releases. */
  public PruneResult prune() throws DockerGuestException {
    return prune(DEFAULT_RELEASES_KEPT);
  }

  /**
   * Removes all but the {@code keep} most recently used releases ({@link #releases()}) and the
   * images only they used. Never removed, whatever {@code keep} says: the current release, the
   * {@linkplain #rollbackTarget() rollback target}, a release any of whose containers still
   * exists, and an image a container uses (Docker refuses; the image is reported as kept).
   * Images are removed by the references the release's compose files name, so an image another
   * kept release also names stays.
   *
   * @param keep how many releases to keep, at least 1
   */
  public PruneResult prune(int keep) throws DockerGuestException {
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be at least 1 (the current release always"
          + " stays), got " + keep);
    }
    List<ReleaseUse> uses = releaseUses();
    Set<String> pinned = new LinkedHashSet<>();
    currentRelease().ifPresent(r -> pinned.add(r.id()));
    rollbackTarget().ifPresent(r -> pinned.add(r.id()));
    String filter = "label=" + APP_LABEL + "=" + app;
    for (String id : lines(docker("ps", "-a", "--filter", filter, "--format",
        "{{.Label \"" + RELEASE_LABEL + "\"}}"))) {
      pinned.add(id);
    }
    List<Release> kept = new ArrayList<>();
    List<Release> doomed = new ArrayList<>();
    for (int i = 0; i < uses.size(); i++) {
      Release r = new Release(app, uses.get(i).id, releaseDirectory(uses.get(i).id), false);
      (i < keep || pinned.contains(r.id()) ? kept : doomed).add(r);
    }
    if (doomed.isEmpty()) {
      return new PruneResult(ids(kept), List.of(), List.of(), List.of());
    }
    Set<String> keptRefs = new HashSet<>();
    for (Release r : kept) {
      imageRefs(r).forEach(keptRefs::add);
    }
    Set<String> candidates = new TreeSet<>();
    for (Release r : doomed) {
      imageRefs(r).stream().filter(ref -> !keptRefs.contains(ref)).forEach(candidates::add);
    }
    for (Release r : doomed) {
      // Release directories are read-only (a-w) by design; make them writable to remove them.
      shell.run(Exec.of("chmod", "-R", "u+w", "--", r.directory())).orThrow("unlocking " + r.directory());
      shell.run(Exec.of("rm", "-rf", "--", r.directory(), appDirectory() + "/" + HISTORY_DIR + "/" + r.id()))
          .orThrow("removing release " + r.id() + " of " + app);
    }
    List<String> removedImages = new ArrayList<>();
    List<String> imagesInUse = new ArrayList<>();
    for (String ref : candidates) {
      ExecResult rm = shell.run(Exec.builder("docker", "image", "rm", "--", ref)
          .timeout(DockerEngine.PROBE_TIMEOUT).build());
      if (rm.succeeded()) {
        removedImages.add(ref);
      } else if (rm.outputTail().contains("No such image")) {
        continue; // already gone: nothing to report
      } else {
        imagesInUse.add(ref); // Docker refuses while a container uses it: exactly what we want
        LOG.debug("{}: kept image {} of {}: {}", shell.target(), ref, app, rm.outputTail().strip());
      }
    }
    LOG.info("{}: pruned {} release(s) and {} image(s) of {}; kept {}", shell.target(), doomed.size(),
        removedImages.size(), app, ids(kept));
    return new PruneResult(ids(kept), ids(doomed), removedImages, imagesInUse);
  }

  private static List<String> ids(List<Release> releases) {
    return releases.stream().map(Release::id).toList();
  }

  private List<String> imageRefs(Release release) throws DockerGuestException {
    Manifest manifest = manifest(release);
    Map<String, Object> config = config(release.directory(), withOverride(manifest.composeFiles), manifest.envFile);
    List<String> refs = new ArrayList<>();
    for (Object service : services(config).values()) {
      Json.at(service, "image").map(String::valueOf).ifPresent(refs::add);
    }
    return refs;
  }

  // ------------------------------------------------------------------ compose commands

  /**
   * Brings a shipped release up ({@code up -d --remove-orphans}) and waits until every service is
   * ready: healthy where it has a health check, running otherwise — and still running after
   * {@value #SETTLE_SECONDS} s, so a process that dies right after its start is caught (a
   * container that exited 0 is a finished one-shot job and counts as ready).
   *
   * @return the services' states once all are ready
   * @throws ServicesUnhealthyException naming each service that is not, with its last health
   *     check output and log tail
   * @throws CommandFailedException if compose failed for another reason
   */
  public List<ServiceState> up(Release release, Duration healthDeadline) throws DockerGuestException {
    checkRelease(release);
    positive(healthDeadline);
    String dir = release.directory();
    Manifest manifest = manifest(release);
    // One round trip: point current at the release and note when it was last brought up (its
    // history file's mtime), which orders releases for prune() and picks the rollback target.
    shell.run(Exec.of("sh", "-c", "ln -sfn -- \"releases/$2\" \"$1/current\" && mkdir -p -- \"$1/"
        + HISTORY_DIR + "\" && touch -- \"$1/" + HISTORY_DIR + "/$2\"", "pvedeploy-up", appDirectory(), release.id()))
        .orThrow("pointing " + appDirectory() + "/current at release " + release.id());
    List<String> argv = composeArgv(dir, withOverride(manifest.composeFiles), manifest.envFile);
    argv.addAll(List.of("up", "-d", "--remove-orphans"));
    ExecResult result = shell.run(Exec.builder(argv).timeout(COMPOSE_TIMEOUT.plus(healthDeadline)).build());
    if (!result.succeeded()) {
      CommandFailedException failure = composeFailure("up", result);
      List<ServicesUnhealthyException.Problem> problems = problems(ps(), false);
      if (!problems.isEmpty()) {
        throw new ServicesUnhealthyException(app, release.id(), problems, failure);
      }
      throw failure;
    }
    LOG.info("{}: {} release {} is up; waiting up to {} for health", shell.target(), app,
        release.id(), healthDeadline);
    return awaitHealthy(healthDeadline, release.id());
  }

  /**
   * Waits until every service of the project is ready (see {@link #up}), polling {@code docker
   * inspect} about once a second; fails at once when one turns unhealthy or stops.
   */
  public List<ServiceState> awaitHealthy(Duration deadline) throws DockerGuestException {
    positive(deadline);
    return awaitHealthy(deadline, currentRelease().map(Release::id).orElse(null));
  }

  private List<ServiceState> awaitHealthy(Duration deadline, String releaseId) throws DockerGuestException {
    long end = System.nanoTime() + deadline.toNanos();
    long readySince = -1;
    while (true) {
      List<ServiceState> states = ps();
      List<ServicesUnhealthyException.Problem> problems = problems(states, false);
      if (!problems.isEmpty()) {
        throw new ServicesUnhealthyException(app, releaseId, problems, null);
      }
      boolean allReady = !states.isEmpty() && states.stream().allMatch(ComposeProject::readyOrDone);
      if (allReady) {
        // A service without a health check is "ready" as soon as it runs; it must keep running
        // for the settle time, so a process that dies a second after start is not a success.
        boolean needsSettle = states.stream().anyMatch(st -> st.running() && st.health() == ServiceState.Health.NONE);
        long now = System.nanoTime();
        if (readySince < 0) {
          readySince = now;
        }
        if (!needsSettle || now - readySince >= settle.toNanos()) {
          return states;
        }
      } else {
        readySince = -1;
      }
      if (System.nanoTime() >= end) {
        throw new ServicesUnhealthyException(app, releaseId, problems(states, true), null);
      }
      DockerEngine.sleep(pollInterval);
    }
  }

  private static boolean readyOrDone(ServiceState s) {
    return s.ready() || !s.running() && s.status().equals("exited") && s.exitCode() == 0;
  }

  /** The problems among {@code states}; with {@code atDeadline}, starting ones are too. */
  private List<ServicesUnhealthyException.Problem> problems(List<ServiceState> states, boolean atDeadline)
      throws DockerGuestException {
    List<ServicesUnhealthyException.Problem> out = new ArrayList<>();
    if (states.isEmpty()) {
      if (atDeadline) {
        out.add(new ServicesUnhealthyException.Problem("(none)",
            ServicesUnhealthyException.Reason.NO_CONTAINERS, null, Optional.empty(), ""));
      }
      return out;
    }
    for (ServiceState s : states) {
      ServicesUnhealthyException.Reason reason = null;
      if (s.health() == ServiceState.Health.UNHEALTHY) {
        reason = ServicesUnhealthyException.Reason.UNHEALTHY;
      } else if (!s.running() && !readyOrDone(s) && !s.status().equals("created")) {
        reason = ServicesUnhealthyException.Reason.NOT_RUNNING;
      } else if (atDeadline && !readyOrDone(s)) {
        reason = s.running() ? ServicesUnhealthyException.Reason.STILL_STARTING
            : ServicesUnhealthyException.Reason.NOT_RUNNING;
      }
      if (reason != null) {
        out.add(new ServicesUnhealthyException.Problem(s.service(), reason, s, s.lastHealthOutput(),
            containerLogTail(s.containerId(), LOG_TAIL_LINES)));
      }
    }
    return out;
  }

  /**
   * Stops and removes the project's containers and networks ({@code down --remove-orphans}), its
   * named volumes too with {@code removeVolumes}, then removes whatever still carries the app's
   * label (a container of an older release, a network compose did not know). Without a current
   * release only the label sweep runs. Release directories stay.
   */
  public void down(boolean removeVolumes) throws DockerGuestException {
    Optional<Release> current = currentRelease();
    if (current.isPresent() && shell.exists(current.get().directory())) {
      Manifest manifest = manifest(current.get());
      List<String> argv = composeArgv(current.get().directory(), withOverride(manifest.composeFiles), manifest.envFile);
      argv.addAll(List.of("down", "--remove-orphans"));
      if (removeVolumes) {
        argv.add("--volumes");
      }
      ExecResult r = shell.run(Exec.builder(argv).timeout(COMPOSE_TIMEOUT).build());
      if (!r.succeeded()) {
        throw composeFailure("down", r);
      }
    }
    String filter = "label=" + APP_LABEL + "=" + app;
    List<String> containers = lines(docker("ps", "-a", "-q", "--no-trunc", "--filter", filter));
    if (!containers.isEmpty()) {
      List<String> rm = new ArrayList<>(List.of("docker", "rm", "-f", "-v"));
      rm.addAll(containers);
      shell.run(Exec.of(rm)).orThrow("removing the containers of " + app);
    }
    for (String net : lines(docker("network", "ls", "-q", "--filter", filter))) {
      shell.run(Exec.of("docker", "network", "rm", net)).orThrow("removing network " + net + " of " + app);
    }
    if (removeVolumes) {
      for (String vol : lines(docker("volume", "ls", "-q", "--filter", filter))) {
        shell.run(Exec.of("docker", "volume", "rm", "-f", vol)).orThrow("removing volume " + vol + " of " + app);
      }
    }
    LOG.info("{}: {} is down{}", shell.target(), app, removeVolumes ? " (volumes removed)" : "");
  }

  /**
   * The project's containers as {@code docker inspect} sees them, sorted by service and name. The
   * containers are found by Compose's project label ({@code docker ps -a}, one-off {@code run}
   * containers left out), the same way for v1 and v2.
   */
  public List<ServiceState> ps() throws DockerGuestException {
    List<String> ids = lines(docker("ps", "-a", "-q", "--no-trunc",
        "--filter", "label=com.docker.compose.project=" + app));
    if (ids.isEmpty()) {
      return List.of();
    }
    List<String> argv = new ArrayList<>(List.of("docker", "inspect", "--type", "container", "--"));
    argv.addAll(ids);
    ExecResult r = shell.run(Exec.builder(argv).timeout(DockerEngine.PROBE_TIMEOUT).build());
    if (!r.succeeded() && r.stdout().length == 0) {
      r.orThrow("docker inspect of " + app + "'s containers");
    }
    try {
      return parseInspect(r.stdoutText());
    } catch (IOException e) {
      throw new CommandFailedException("docker inspect on " + shell.target() + " answered something"
          + " that is not its JSON (" + e.getMessage() + ")", "docker", r.exitCode(),
          r.outputTail(), e);
    }
  }

  /** Parses {@code docker inspect}'s array into service states (one-off containers left out). */
  static List<ServiceState> parseInspect(String json) throws IOException {
    List<ServiceState> out = new ArrayList<>();
    for (Map<String, Object> c : Json.parseArray(json)) {
      Map<String, Object> labels = Json.object(c, "Config", "Labels");
      if ("True".equalsIgnoreCase(String.valueOf(labels.get("com.docker.compose.oneoff")))) {
        continue;
      }
      String service = String.valueOf(labels.getOrDefault("com.docker.compose.service", "?"));
      String name = Json.string(c, "Name").orElse("").replaceFirst("^/", "");
      List<?> log = Json.array(c, "State", "Health", "Log");
      Optional<String> lastOutput = log.isEmpty() ? Optional.empty()
          : Json.string(log.get(log.size() - 1), "Output");
      out.add(new ServiceState(service, name, Json.string(c, "Id").orElse(""),
          Json.string(c, "State", "Status").orElse("unknown"),
          Json.bool(c, false, "State", "Running"),
          ServiceState.Health.parse(Json.string(c, "State", "Health", "Status").orElse(null)),
          Json.integer(c, "State", "ExitCode").orElse(0),
          Json.string(c, "Image").orElse(""),
          Json.string(c, "Config", "Image").orElse(""),
          Optional.ofNullable(labels.get(RELEASE_LABEL)).map(String::valueOf),
          lastOutput));
    }
    out.sort(Comparator.comparing(ServiceState::service).thenComparing(ServiceState::containerName));
    return out;
  }

  /** The last {@code tail} lines of the project's logs (all services, or one), without colours. */
  public String logs(String service, int tail) throws DockerGuestException {
    List<String> argv = logsArgv(service, tail, false);
    ExecResult r = shell.run(Exec.builder(argv).timeout(DockerEngine.PROBE_TIMEOUT.multipliedBy(4)).build());
    if (!r.succeeded()) {
      throw composeFailure("logs", r);
    }
    return r.stdoutText();
  }

  /**
   * Streams the project's logs (all services, or one) to {@code lines}, line by line, starting
   * with the last {@code tail} lines, for {@code duration}; then returns.
   */
  public void followLogs(String service, int tail, Duration duration, Consumer<String> lines)
      throws DockerGuestException {
    positive(duration);
    if (lines == null) {
      throw new IllegalArgumentException("lines consumer must not be null");
    }
    List<String> argv = logsArgv(service, tail, true);
    LineSplitter out = new LineSplitter(lines);
    try {
      shell.exec(Exec.builder(argv).timeout(duration).build(), out, OutputStream.nullOutputStream());
    } catch (CommandTimeoutException endOfDuration) {
      // the normal end of following
    } finally {
      out.flushLine();
    }
  }

  private List<String> logsArgv(String service, int tail, boolean follow) throws DockerGuestException {
    if (tail < 0) {
      throw new IllegalArgumentException("tail must be >= 0, got " + tail);
    }
    if (service != null) {
      checkService(service);
    }
    Release current = currentRelease().orElseThrow(() -> noRelease("logs"));
    Manifest manifest = manifest(current);
    List<String> argv = composeArgv(current.directory(), withOverride(manifest.composeFiles), manifest.envFile);
    argv.addAll(List.of("logs", "--no-color", "--tail", String.valueOf(tail)));
    if (follow) {
      argv.add("--follow");
    }
    if (service != null) {
      argv.add(checkService(service));
    }
    return argv;
  }

  /** {@code pull} of the current release's images (from their registries). */
  public void pull() throws DockerGuestException {
    Release current = currentRelease().orElseThrow(() -> noRelease("pull"));
    Manifest manifest = manifest(current);
    List<String> argv = composeArgv(current.directory(), withOverride(manifest.composeFiles), manifest.envFile);
    argv.add("pull");
    ExecResult r = shell.run(Exec.builder(argv).timeout(COMPOSE_TIMEOUT.multipliedBy(3)).build());
    if (!r.succeeded()) {
      throw composeFailure("pull", r);
    }
  }

  /** The images a release's services are configured with, and which of them the guest has. */
  public List<ServiceImage> images(Release release) throws DockerGuestException {
    checkRelease(release);
    Manifest manifest = manifest(release);
    Map<String, Object> config = config(release.directory(), withOverride(manifest.composeFiles), manifest.envFile);
    List<ServiceImage> out = new ArrayList<>();
    for (Map.Entry<String, Object> e : services(config).entrySet()) {
      Object image = Json.at(e.getValue(), "image").orElse(null);
      if (image == null) {
        continue; // a build-only service
      }
      String ref = String.valueOf(image);
      out.add(new ServiceImage(e.getKey(), ref, engine.imageId(ref)));
    }
    out.sort(Comparator.comparing(ServiceImage::service));
    return out;
  }

  // ------------------------------------------------------------------ machinery

  private record Manifest(List<String> composeFiles, Optional<String> envFile) {}

  private Manifest manifest(Release release) throws DockerGuestException {
    byte[] bytes = shell.read(release.directory() + "/" + MARKER_FILE);
    List<String> files = List.of();
    Optional<String> env = Optional.empty();
    for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("compose-files=")) {
        files = List.of(line.substring("compose-files=".length()).split(","));
      } else if (line.startsWith("env-file=")) {
        env = Optional.of(line.substring("env-file=".length()));
      }
    }
    if (files.isEmpty()) {
      throw new CommandFailedException("release " + release.id() + " on " + shell.target()
          + " has a damaged " + MARKER_FILE + "; remove the release directory and ship again",
          "cat", 0, "", null);
    }
    return new Manifest(files, env);
  }

  private static List<String> withOverride(List<String> files) {
    List<String> all = new ArrayList<>(files);
    all.add(OVERRIDE_FILE);
    return all;
  }

  /** The compose argv up to the subcommand: project name, directory, files, env file. */
  List<String> composeArgv(String dir, List<String> files, Optional<String> envFile) {
    List<String> argv = new ArrayList<>(compose.command());
    argv.addAll(List.of("--project-name", app, "--project-directory", dir));
    for (String f : files) {
      argv.addAll(List.of("--file", dir + "/" + f));
    }
    envFile.ifPresent(e -> argv.addAll(List.of("--env-file", dir + "/" + e)));
    return argv;
  }

  private Map<String, Object> config(String dir, List<String> files, Optional<String> envFile)
      throws DockerGuestException {
    List<String> argv = composeArgv(dir, files, envFile);
    argv.add("config");
    ExecResult r = shell.run(Exec.builder(argv).timeout(DockerEngine.PROBE_TIMEOUT.multipliedBy(2)).build());
    if (!r.succeeded()) {
      throw new ComposeConfigException("compose rejected the bundle of " + app + " ("
          + String.join(", ", files) + "); it said:\n" + r.outputTail()
          + "\nFix the compose file and ship again; nothing was started", r.outputTail(), null);
    }
    try {
      return Yaml.parseMapping(r.stdoutText());
    } catch (IllegalArgumentException e) {
      throw new CommandFailedException("compose config on " + shell.target() + " printed something"
          + " that is not a YAML mapping: " + e.getMessage(), compose.command().get(0), 0, "", e);
    }
  }

  private void validate(String dir, List<String> files, Optional<String> envFile) throws DockerGuestException {
    List<String> argv = composeArgv(dir, files, envFile);
    argv.addAll(List.of("config", "--quiet"));
    ExecResult r = shell.run(Exec.builder(argv).timeout(DockerEngine.PROBE_TIMEOUT.multipliedBy(2)).build());
    if (!r.succeeded()) {
      throw new ComposeConfigException("compose rejected the bundle of " + app + " together with"
          + " pvedeploy's label override (" + OVERRIDE_FILE + "); it said:\n" + r.outputTail()
          + "\nIf the compose file uses an old format (version 1 or 2.0), move it to 2.4 or 3.x",
          r.outputTail(), null);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> services(Map<String, Object> config) {
    Object s = config.get("services");
    return s instanceof Map ? (Map<String, Object>) s : Map.of();
  }

  /**
   * The override that labels everything of the project: every service's containers with the app
   * and release, every non-external network and volume (and the default network, when a service
   * uses it) with the app. JSON, which is YAML; for v1 it carries the files' own version.
   */
  static String labelOverride(Map<String, Object> config, String app, String releaseId, ComposeTool tool) {
    Map<String, Object> root = new LinkedHashMap<>();
    Object version = config.get("version");
    if (version != null && tool.isV1()) {
      root.put("version", String.valueOf(version));
    }
    boolean resourceLabels = version == null || !String.valueOf(version).matches("1(\\..*)?|2|2\\.0");
    Map<String, Object> services = new LinkedHashMap<>();
    boolean usesDefault = false;
    for (Map.Entry<String, Object> e : services(config).entrySet()) {
      Map<String, Object> labels = new LinkedHashMap<>();
      labels.put(APP_LABEL, app);
      labels.put(RELEASE_LABEL, releaseId);
      services.put(e.getKey(), Map.of("labels", labels));
      Object networks = Json.at(e.getValue(), "networks").orElse(null);
      boolean ownMode = Json.at(e.getValue(), "network_mode").isPresent();
      if (!ownMode && (networks == null
          || networks instanceof Map<?, ?> m && m.containsKey("default")
          || networks instanceof List<?> l && l.contains("default"))) {
        usesDefault = true;
      }
    }
    root.put("services", services);
    if (resourceLabels) {
      Map<String, Object> networks = labelled(config.get("networks"), app);
      if (usesDefault && !(config.get("networks") instanceof Map<?, ?> n && n.containsKey("default"))) {
        networks.put("default", Map.of("labels", Map.of(APP_LABEL, app)));
      }
      if (!networks.isEmpty()) {
        root.put("networks", networks);
      }
      Map<String, Object> volumes = labelled(config.get("volumes"), app);
      if (!volumes.isEmpty()) {
        root.put("volumes", volumes);
      }
    }
    return new Moshi.Builder().build().adapter(Object.class).indent("  ").toJson(root) + "\n";
  }

  private static Map<String, Object> labelled(Object section, String app) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (section instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        Object external = Json.at(e.getValue(), "external").orElse(null);
        boolean isExternal = external != null && !Boolean.FALSE.equals(external);
        if (!isExternal) {
          out.put(String.valueOf(e.getKey()), Map.of("labels", Map.of(APP_LABEL, app)));
        }
      }
    }
    return out;
  }

  private ExecResult docker(String... args) throws GuestShellException {
    List<String> argv = new ArrayList<>(List.of("docker"));
    argv.addAll(List.of(args));
    return shell.run(Exec.builder(argv).timeout(DockerEngine.PROBE_TIMEOUT).build());
  }

  private List<String> lines(ExecResult r) throws CommandFailedException {
    r.orThrow("docker on " + shell.target());
    return r.stdoutText().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }

  /** The last lines of a container's log, stdout and stderr interleaved as written. */
  String containerLogTail(String containerId, int lines) {
    try {
      ExecResult r = shell.run(Exec.builder("sh", "-c", "exec docker logs --tail \"$1\" \"$2\" 2>&1",
          "pvedeploy-logs", String.valueOf(lines), containerId).timeout(DockerEngine.PROBE_TIMEOUT).build());
      return r.stdoutText();
    } catch (GuestShellException e) {
      return "(could not read the log: " + e.getMessage() + ")";
    }
  }

  private CommandFailedException composeFailure(String what, ExecResult r) {
    String tail = r.outputTail();
    String hint = "";
    if (tail.contains("ip_unprivileged_port_start")) {
      hint = "\nThis is runc's CVE-2025-52881 fix meeting an old LXC AppArmor profile on the"
          + " Proxmox host: update the host's lxc-pve/pve-container, or hold runc below 1.3.3 in"
          + " the guest (see DockerEngine.preflight(), finding " + PreflightReport.LXC_RUNC_APPARMOR + ")";
    }
    return new CommandFailedException(String.join(" ", compose.command()) + " " + what + " of " + app
        + " on " + shell.target() + " failed with exit status " + r.exitCode() + "; it said:\n" + tail + hint,
        compose.command().get(0), r.exitCode(), tail, null);
  }

  private DockerGuestException noRelease(String what) {
    return new CommandFailedException("cannot " + what + " " + app + " on " + shell.target()
        + ": no release of it was brought up (no " + appDirectory() + "/current). Ship and up a"
        + " release first", "readlink", 1, "", null);
  }

  private void checkRelease(Release release) {
    if (release == null || !release.app().equals(app)) {
      throw new IllegalArgumentException("release " + release + " is not one of app " + app);
    }
    releaseDirectory(release.id());
  }

  private static void positive(Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("duration must be positive, got " + d);
    }
  }

  @Override
  public String toString() {
    return "ComposeProject[" + app + " on " + shell.target() + ", compose " + compose.version() + "]";
  }

  /** Splits a byte stream into UTF-8 lines for a consumer. */
  private static final class LineSplitter extends OutputStream {
    private final Consumer<String> consumer;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    LineSplitter(Consumer<String> consumer) {
      this.consumer = consumer;
    }

    @Override
    public synchronized void write(int b) {
      if (b == '\n') {
        consumer.accept(line.toString(StandardCharsets.UTF_8));
        line.reset();
      } else {
        line.write(b);
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      for (int i = off; i < off + len; i++) {
        write(b[i]);
      }
    }

    synchronized void flushLine() {
      if (line.size() > 0) {
        consumer.accept(line.toString(StandardCharsets.UTF_8));
        line.reset();
      }
    }
  }
}
