package io.pvedeploy.docker;

import io.pvedeploy.docker.internal.ChunkPipe;
import io.pvedeploy.docker.internal.Digests;
import io.pvedeploy.docker.internal.GuestFiles;
import io.pvedeploy.docker.internal.Json;
import io.pvedeploy.docker.internal.SavedImageReader;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships a Docker image from one engine to another without a registry, sending only the layers
 * the destination lacks.
 *
 * <pre>{@code
 * ImageTransfer transfer = ImageTransfer.from(LocalShell.create()).to(guest);
 * TransferResult r = transfer.transfer("shop/web:1.4", event -> log.info("{}", event));
 * }</pre>
 *
 * <p>How: the destination's image layers are surveyed in one round trip (the chain ids of every
 * local image's {@code RootFS.Layers}); the source's {@code docker save} is read as a stream and
 * only the missing layers are kept, each spooled locally; each is uploaded into a staging
 * directory on the destination ({@code <staging>/<image id>/<sha256>.partial}, checked there for
 * size and sha256 with {@code sha256sum}, then renamed); the config and a {@code manifest.json}
 * naming only those layers follow, and {@code tar | docker load} on the destination assembles
 * the image: {@code docker load} does not open the tar of a layer its store already has. Then
 * the destination's image is checked: its id (the config's digest) and diff ids must be the
 * source's. The staging directory is removed at the end.
 *
 * <p>Resumable: an interrupted transfer leaves verified layers and a partial one staged; the
 * next transfer of the same image skips the former (re-checking their digest) and appends to the
 * latter. Before anything is sent the free space on the destination is checked ({@code df}): the
 * staging file system needs the layers, Docker's root file system about twice their size
 * ({@code docker load} unpacks its input into a temporary directory, then into the layer
 * store). A full disk is a {@link GuestDiskFullException}, before or during the upload; the
 * staging of that image is removed then, and nothing that runs on the destination is touched.
 *
 * <p>A destination whose Docker uses the containerd image store (Docker 24+ with
 * {@code containerd-snapshotter}) gets every layer: its {@code docker load} needs the whole
 * image. Immutable and thread-safe; two transfers of the same image to the same destination at
 * the same time are not supported.
 */
public final class ImageTransfer {
  private static final Logger LOG = LoggerFactory.getLogger(ImageTransfer.class);

  /** Where layers are staged on the destination unless {@link #withStagingDirectory} says otherwise. */
  public static final String DEFAULT_STAGING_DIRECTORY = ComposeProject.DEFAULT_BASE + "/.images";
  /** How long one upload, {@code docker save} or {@code docker load} may take by default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(2);

  static final Duration SURVEY_TIMEOUT = Duration.ofMinutes(2);
  static final long PROGRESS_STEP = 1 << 20;
  static final long METADATA_SLACK = 64 * 1024;

  /**
   * Survey of the destination, one round trip: Docker's root directory and storage driver, free
   * space where staging and Docker's root are, every local image's id and diff ids, and what is
   * already staged for this image. {@code $1} is the staging root, {@code $2} this image's
   * staging directory.
   */
  static final String SURVEY_SCRIPT = String.join("\n",
      "set -u",
      "info=$(docker info --format '{{.DockerRootDir}}|{{.Driver}}|{{json .DriverStatus}}') || exit 20",
      "printf 'info %s\\n' \"$info\"",
      "mkdir -p -- \"$1\" && chmod 0700 -- \"$1\" || exit 21",
      "printf 'df-staging %s\\n' \"$(df -Pk -- \"$1\" | tail -n 1)\"",
      "printf 'df-root %s\\n' \"$(df -Pk -- \"${info%%|*}\" | tail -n 1)\"",
      "ids=$(docker image ls -aq --no-trunc) || exit 22",
      "if [ -n \"$ids\" ]; then",
      "  printf '%s\\n' \"$ids\" | sort -u | xargs docker image inspect --format 'image {{.Id}} {{json .RootFS.Layers}}'",
      "fi",
      "if [ -d \"$2\" ]; then",
      "  for f in \"$2\"/*; do",
      "    [ -f \"$f\" ] && printf 'staged %s %s\\n' \"$(($(wc -c < \"$f\")))\" \"${f##*/}\"",
      "  done",
      "fi",
      "exit 0",
      "");

  /**
   * Appends stdin to {@code $1/$2.partial} (truncated first when {@code $4}, the offset, is 0;
   * otherwise it must hold exactly {@code $4} bytes), then checks its size against {@code $3}
   * and its sha256 against {@code $2} and renames it to {@code $1/$2}. Exit 3: incomplete (kept
   * for a resume); 4: wrong size or digest (removed); 6: the partial is not {@code $4} bytes.
   */
  static final String UPLOAD_SCRIPT = String.join("\n",
      "set -u",
      "dir=$1 name=$2 size=$3 offset=$4",
      "p=$dir/$name.partial",
      "mkdir -p -- \"$dir\" || exit 5",
      "if [ \"$offset\" = 0 ]; then",
      "  : > \"$p\" || exit 5",
      "else",
      "  [ -f \"$p\" ] || { echo \"pvedeploy: $p is gone, cannot resume at byte $offset\" >&2; exit 6; }",
      "  have=$(($(wc -c < \"$p\")))",
      "  [ \"$have\" = \"$offset\" ] || { echo \"pvedeploy: $p holds $have bytes, not $offset\" >&2; exit 6; }",
      "fi",
      "cat >> \"$p\" || exit 7",
      "have=$(($(wc -c < \"$p\")))",
      "if [ \"$have\" -lt \"$size\" ]; then",
      "  echo \"pvedeploy: $name arrived incomplete, $have of $size bytes\" >&2; exit 3",
      "fi",
      "if [ \"$have\" -gt \"$size\" ]; then",
      "  rm -f -- \"$p\"; echo \"pvedeploy: $name arrived with $have bytes, not $size; removed\" >&2; exit 4",
      "fi",
      "sum=$(sha256sum < \"$p\") || exit 8",
      "sum=${sum%% *}",
      "if [ \"$sum\" != \"$name\" ]; then",
      "  rm -f -- \"$p\"; echo \"pvedeploy: $name arrived with sha256 $sum; removed\" >&2; exit 4",
      "fi",
      "mv -f -- \"$p\" \"$dir/$name\"",
      "");

  /** Prints {@code sha256sum} of the files {@code $2…} in directory {@code $1}. */
  static final String CHECK_SCRIPT = "cd -- \"$1\" && shift && sha256sum -- \"$@\"";

  /** {@code tar} of the files {@code $2…} in directory {@code $1}, piped into {@code docker load}. */
  static final String LOAD_SCRIPT = "set -u\ncd -- \"$1\" || exit 5\nshift\ntar -cf - -- \"$@\" | docker load\n";

  private static final Pattern DF_LINE = Pattern.compile("^(.*\\S)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)%\\s+(.+)$");
  private static final Pattern IMAGE_ID = Pattern.compile("sha256:[a-f0-9]{64}|[a-f0-9]{12,64}");

  private final GuestShell source;
  private final GuestShell destination;
  private final String stagingDirectory;
  private final Duration timeout;

  private ImageTransfer(GuestShell source, GuestShell destination, String stagingDirectory, Duration timeout) {
    this.source = source;
    this.destination = destination;
    this.stagingDirectory = stagingDirectory;
    this.timeout = timeout;
  }

  /** Starts a transfer from the Docker that {@code source} reaches (usually {@link LocalShell}). */
  public static From from(GuestShell source) {
    return new From(Objects.requireNonNull(source, "source shell"));
  }

  /** The first half of {@code ImageTransfer.from(a).to(b)}. */
  public static final class From {
    private final GuestShell source;

    private From(GuestShell source) {
      this.source = source;
    }

    /** A transfer into the Docker that {@code destination} reaches. */
    public ImageTransfer to(GuestShell destination) {
      Objects.requireNonNull(destination, "destination shell");
      if (destination == source) {
        throw new IllegalArgumentException("source and destination are the same shell ("
            + source.target() + "); transferring an image to the Docker it is in does nothing");
      }
      return new ImageTransfer(source, destination, DEFAULT_STAGING_DIRECTORY, DEFAULT_TIMEOUT);
    }
  }

  /**
   * This transfer, staging layers under {@code directory} on the destination (an absolute path,
   * created with mode 0700 if missing). Put it on a file system with room for the layers.
   */
  public ImageTransfer withStagingDirectory(String directory) {
    GuestFiles.checkPath(directory);
    String dir = directory.replaceAll("/+$", "");
    if (dir.isEmpty()) {
      throw new IllegalArgumentException("the staging directory must not be /");
    }
    return new ImageTransfer(source, destination, dir, timeout);
  }

  /** This transfer, allowing each {@code docker save}, upload and {@code docker load} {@code timeout}. */
  public ImageTransfer withTimeout(Duration timeout) {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be a positive duration, got " + timeout);
    }
    return new ImageTransfer(source, destination, stagingDirectory, timeout);
  }

  public String stagingDirectory() {
    return stagingDirectory;
  }

  /** As {@link #transfer(String, Consumer)}, without events. */
  public TransferResult transfer(String reference) throws DockerGuestException {
    return transfer(reference, event -> { });
  }

  /**
   * Makes the destination hold the source's image {@code reference} ({@code name[:tag]}, which
   * the destination gets as {@code name:tag}, {@code :latest} when no tag is given; or an image
   * id), with the same id and layers, sending only what it lacks.
   *
   * @param listener gets the {@linkplain TransferEvent events}; its exceptions are logged, not thrown
   * @throws IllegalArgumentException if {@code reference} is not an image reference
   * @throws ImageNotFoundException if the source has no such image
   * @throws GuestDiskFullException if the destination has no room, before or during the transfer
   * @throws ImageVerificationException if a layer arrived altered or the loaded image differs
   * @throws GuestShellException if a shell failed (the staged layers stay for a resume)
   * @throws CommandFailedException if {@code docker save}, an upload or {@code docker load} failed
   */
  public TransferResult transfer(String reference, Consumer<TransferEvent> listener) throws DockerGuestException {
    DockerEngine.checkImageReference(reference);
    Objects.requireNonNull(listener, "listener");
    Events events = new Events(listener);
    long started = System.nanoTime();

    SourceImage image = inspectSource(reference);
    String idHex = Digests.hex(image.id);
    String dir = stagingDirectory + "/" + idHex;
    Survey survey = survey(dir);
    Optional<String> tag = repoTag(reference);
    String target = tag.orElse(image.id);
    int total = image.diffIds.size();

    if (survey.imageIds.contains(image.id)) {
      events.emit(new TransferEvent.Planned(image.id, total, 0, 0));
      for (int i = 0; i < total; i++) {
        events.emit(new TransferEvent.LayerSkipped(image.id, i, image.diffIds.get(i), TransferEvent.SkipReason.PRESENT));
      }
      if (tag.isPresent()) {
        destination.run(Exec.builder("docker", "tag", image.id, tag.get()).timeout(SURVEY_TIMEOUT).build())
            .orThrow("docker tag of " + image.id + " as " + tag.get() + " on " + destination.target());
      }
      verifyLoaded(image, target, events);
      if (!survey.staged.isEmpty()) {
        removeStaging(dir);
      }
      return result(image, target, 0, total, 0, 0, started);
    }

    List<String> chains = Digests.chainIds(image.diffIds);
    int firstMissing = 0;
    if (!survey.containerdStore) {
      while (firstMissing < total && survey.chainIds.contains(chains.get(firstMissing))) {
        firstMissing++;
      }
    }
    Set<String> needed = new LinkedHashSet<>();
    for (int i = firstMissing; i < total; i++) {
      needed.add(Digests.hex(image.diffIds.get(i)));
    }

    Path spool = createSpool();
    try {
      SavedImageReader.Result saved = save(image, needed, spool);
      byte[] manifest = manifest(image, tag, saved).getBytes(StandardCharsets.UTF_8);

      // What is staged already: verified layers are re-checked, partial ones resumed.
      Map<String, Long> offsets = new HashMap<>();
      List<String> prestaged = new ArrayList<>();
      for (SavedImageReader.Blob blob : saved.layers().values()) {
        Long whole = survey.staged.get(blob.blobHex());
        Long partial = survey.staged.get(blob.blobHex() + ".partial");
        if (whole != null && whole == blob.size()) {
          prestaged.add(blob.blobHex());
        } else if (partial != null && partial <= blob.size()) {
          offsets.put(blob.blobHex(), partial);
        }
      }
      Set<String> verifiedStaged = checkStaged(dir, prestaged);

      long layerBytesToSend = 0;
      long loadBytes = 0;
      int layersToSend = 0;
      Set<String> counted = new HashSet<>();
      for (SavedImageReader.Blob blob : saved.layers().values()) {
        loadBytes += blob.size();
        if (!verifiedStaged.contains(blob.blobHex()) && counted.add(blob.blobHex())) {
          layerBytesToSend += blob.size() - offsets.getOrDefault(blob.blobHex(), 0L);
          layersToSend++;
        }
      }
      long metadataBytes = saved.config().length + manifest.length;
      events.emit(new TransferEvent.Planned(image.id, total, layersToSend, layerBytesToSend + metadataBytes));
      checkSpace(survey, dir, layerBytesToSend + metadataBytes + METADATA_SLACK, 2 * loadBytes);

      long layerBytesSent = 0;
      int sent = 0;
      int skipped = 0;
      Set<String> done = new HashSet<>(verifiedStaged);
      for (int i = 0; i < total; i++) {
        String diffId = image.diffIds.get(i);
        if (i < firstMissing) {
          events.emit(new TransferEvent.LayerSkipped(image.id, i, diffId, TransferEvent.SkipReason.PRESENT));
          skipped++;
          continue;
        }
        SavedImageReader.Blob blob = saved.layers().get(Digests.hex(diffId));
        if (done.contains(blob.blobHex())) {
          events.emit(new TransferEvent.LayerSkipped(image.id, i, diffId, TransferEvent.SkipReason.STAGED));
          skipped++;
          continue;
        }
        layerBytesSent += upload(image, i, blob, dir, offsets.getOrDefault(blob.blobHex(), 0L), events, layerBytesToSend);
        done.add(blob.blobHex());
        sent++;
      }

      putSmall(dir + "/" + idHex + ".json", saved.config(), dir, layerBytesToSend);
      putSmall(dir + "/manifest.json", manifest, dir, layerBytesToSend);
      load(image, dir, saved, survey, loadBytes);
      events.emit(new TransferEvent.Loaded(image.id, target));
      verifyLoaded(image, target, events);
      removeStaging(dir);
      TransferResult result = result(image, target, sent, skipped, layerBytesSent, layerBytesSent + metadataBytes, started);
      LOG.info("{} -> {}: {} ({} of {} layers sent, {} bytes, {} ms)", source.target(), destination.target(),
          target, sent, total, result.bytesSent(), result.duration().toMillis());
      return result;
    } finally {
      deleteSpool(spool);
    }
  }

  // ------------------------------------------------------------------ source

  private record SourceImage(String reference, String id, List<String> diffIds) {}

  private SourceImage inspectSource(String reference) throws DockerGuestException {
    ExecResult r = source.run(Exec.builder("docker", "image", "inspect", "--format",
        "{{.Id}} {{json .RootFS.Layers}}", "--", reference).timeout(SURVEY_TIMEOUT).build());
    if (!r.succeeded()) {
      String err = r.stderrText();
      if (err.contains("No such image") || err.contains("No such object")) {
        throw new ImageNotFoundException(reference, "the image " + reference + " is not in the Docker of "
            + source.target() + " (docker image inspect: " + r.outputTail() + "). Build or load it there first", null);
      }
      r.orThrow("docker image inspect of " + reference + " on " + source.target());
    }
    String line = r.stdoutText().strip();
    int space = line.indexOf(' ');
    try {
      if (space < 0) {
        throw new IOException("no layers in the answer");
      }
      String id = line.substring(0, space);
      List<String> diffIds = new ArrayList<>();
      for (Object o : (List<?>) Json.parse(line.substring(space + 1))) {
        diffIds.add(String.valueOf(o));
      }
      if (!Digests.isDigest(id) || diffIds.isEmpty() || !diffIds.stream().allMatch(Digests::isDigest)) {
        throw new IOException("unexpected id or layers");
      }
      return new SourceImage(reference, id, List.copyOf(diffIds));
    } catch (IOException | ClassCastException e) {
      throw new ImageVerificationException("docker image inspect of " + reference + " on " + source.target()
          + " answered '" + DockerEngine.printable(line) + "', not an id and a list of sha256 diff ids", e);
    }
  }

  private SavedImageReader.Result save(SourceImage image, Set<String> needed, Path spool) throws DockerGuestException {
    ChunkPipe pipe = new ChunkPipe(256);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int[] exit = {-1};
    DockerGuestException[] failure = new DockerGuestException[1];
    Exec exec = Exec.builder("docker", "save", image.id).timeout(timeout).build();
    Thread saver = new Thread(() -> {
      try (OutputStream sink = pipe.sink()) {
        exit[0] = source.exec(exec, sink, err);
      } catch (DockerGuestException e) {
        failure[0] = e;
      } catch (IOException e) {
        failure[0] = new GuestShellException(GuestShellException.Reason.LOCAL_IO, "closing the pipe failed", e);
      }
    }, "pvedeploy-docker-save");
    saver.setDaemon(true);
    saver.start();
    Set<String> all = new HashSet<>();
    image.diffIds.forEach(d -> all.add(Digests.hex(d)));
    SavedImageReader.Result result = null;
    IOException readFailure = null;
    try (InputStream in = pipe.source()) {
      result = SavedImageReader.read(in, Digests.hex(image.id), all, needed, spool);
      in.transferTo(OutputStream.nullOutputStream()); // whatever follows the archive's end
    } catch (IOException e) {
      readFailure = e;
      pipe.abandon();
    }
    try {
      saver.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GuestShellException(GuestShellException.Reason.OTHER, "interrupted while docker save ran", e);
    }
    String what = "docker save of " + image.reference + " (" + image.id + ") on " + source.target();
    if (readFailure == null) {
      if (failure[0] != null) {
        throw failure[0];
      }
      if (exit[0] != 0) {
        new ExecResult(exit[0], null, err.toByteArray()).orThrow(what);
      }
      return result;
    }
    // Reading failed. Our giving up makes the shell report a broken output sink (LOCAL_IO): then
    // the read failure is the story; any other shell failure, or docker save failing, comes first.
    DockerGuestException primary = null;
    if (readFailure instanceof SavedImageReader.SpoolException spoolFailure) {
      primary = new GuestShellException(GuestShellException.Reason.LOCAL_IO, "spooling the layers of "
          + image.reference + " to " + spool + " on this machine failed: " + spoolFailure.getMessage()
          + ". Free space there (java.io.tmpdir) and try again", spoolFailure);
    } else if (failure[0] != null && !(failure[0] instanceof GuestShellException g
        && g.reason() == GuestShellException.Reason.LOCAL_IO)) {
      primary = failure[0];
    } else if (exit[0] > 0) {
      try {
        new ExecResult(exit[0], null, err.toByteArray()).orThrow(what);
      } catch (CommandFailedException e) {
        primary = e;
      }
    }
    if (primary == null) {
      primary = new ImageVerificationException(what + " gave an archive we cannot use: " + readFailure.getMessage(),
          readFailure);
    } else if (primary.getCause() != readFailure) {
      primary.addSuppressed(readFailure);
    }
    throw primary;
  }

  // ------------------------------------------------------------------ destination

  record Df(long availableBytes, String mount) {}

  record Survey(String rootDir, boolean containerdStore, Df staging, Df root, Set<String> chainIds,
      Set<String> imageIds, Map<String, Long> staged) {}

  Survey survey(String dir) throws DockerGuestException {
    ExecResult r = destination.run(Exec.builder("sh", "-c", SURVEY_SCRIPT, "pvedeploy-survey", stagingDirectory, dir)
        .timeout(SURVEY_TIMEOUT).build());
    if (r.exitCode() == 20) {
      throw new DockerMissingException(DockerMissingException.Missing.DAEMON_NOT_RUNNING,
          "the Docker daemon on " + destination.target() + " does not answer (docker info said: " + r.outputTail()
              + "). Start it, or run DockerEngine.setup(…) there first", null);
    }
    r.orThrow("surveying the images and disk space of " + destination.target());
    return parseSurvey(r.stdoutText(), destination.target());
  }

  static Survey parseSurvey(String text, String target) throws ImageVerificationException {
    String rootDir = null;
    boolean containerd = false;
    Df staging = null;
    Df root = null;
    Set<String> chains = new HashSet<>();
    Set<String> ids = new HashSet<>();
    Map<String, Long> staged = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      int space = line.indexOf(' ');
      if (space < 0) {
        continue;
      }
      String kind = line.substring(0, space);
      String rest = line.substring(space + 1);
      try {
        switch (kind) {
          case "info" -> {
            String[] parts = rest.split("\\|", 3);
            rootDir = parts[0];
            containerd = parts.length > 2 && parts[2].contains("io.containerd.snapshotter");
          }
          case "df-staging" -> staging = parseDf(rest);
          case "df-root" -> root = parseDf(rest);
          case "image" -> {
            int s = rest.indexOf(' ');
            ids.add(rest.substring(0, s));
            String json = rest.substring(s + 1).strip();
            if (!json.equals("null")) {
              List<String> layers = new ArrayList<>();
              for (Object o : (List<?>) Json.parse(json)) {
                layers.add(String.valueOf(o));
              }
              chains.addAll(Digests.chainIds(layers));
            }
          }
          case "staged" -> {
            int s = rest.indexOf(' ');
            staged.put(rest.substring(s + 1), Long.parseLong(rest.substring(0, s)));
          }
          default -> { }
        }
      } catch (IOException | RuntimeException e) {
        throw new ImageVerificationException("the survey of " + target + " has a line we cannot read: '"
            + DockerEngine.printable(line) + "' (" + e.getMessage() + ")", e);
      }
    }
    if (rootDir == null || staging == null || root == null) {
      throw new ImageVerificationException("the survey of " + target + " lacks Docker's root directory or"
          + " df's answer; it printed: " + DockerEngine.printable(text), null);
    }
    return new Survey(rootDir, containerd, staging, root, chains, ids, staged);
  }

  /** One line of {@code df -Pk}: file system, 1024-blocks, used, available, capacity, mount point. */
  static Df parseDf(String line) throws IOException {
    Matcher m = DF_LINE.matcher(line.strip());
    if (!m.matches()) {
      throw new IOException("not a line of df -Pk");
    }
    return new Df(Long.parseLong(m.group(4)) * 1024, m.group(6));
  }

  private void checkSpace(Survey survey, String dir, long stagingNeed, long rootNeed) throws GuestDiskFullException {
    boolean shared = survey.staging.mount().equals(survey.root.mount());
    long need = shared ? stagingNeed + rootNeed : stagingNeed;
    if (need > survey.staging.availableBytes()) {
      throw new GuestDiskFullException("the image needs " + mib(need) + " on the file system of " + dir + " ("
          + survey.staging.mount() + ") on " + destination.target() + ", which has " + mib(survey.staging.availableBytes())
          + " free" + (shared ? " (staged layers, plus twice their size for docker load into " + survey.rootDir + ")" : "")
          + "; nothing was sent. Free space there (docker image prune), or stage elsewhere:"
          + " ImageTransfer.withStagingDirectory(…)", dir, need, survey.staging.availableBytes(), null);
    }
    if (!shared && rootNeed > survey.root.availableBytes()) {
      throw new GuestDiskFullException("docker load needs about " + mib(rootNeed) + " in Docker's root "
          + survey.rootDir + " (" + survey.root.mount() + ") on " + destination.target() + ", which has "
          + mib(survey.root.availableBytes()) + " free; nothing was sent. Free space there (docker image prune,"
          + " docker builder prune)", survey.rootDir, rootNeed, survey.root.availableBytes(), null);
    }
  }

  private Set<String> checkStaged(String dir, List<String> names) throws DockerGuestException {
    if (names.isEmpty()) {
      return Set.of();
    }
    List<String> argv = new ArrayList<>(List.of("sh", "-c", CHECK_SCRIPT, "pvedeploy-check", dir));
    argv.addAll(names);
    ExecResult r = destination.run(Exec.builder(argv).timeout(timeout).build());
    Set<String> good = new HashSet<>();
    for (String line : r.stdoutText().split("\n")) {
      String[] parts = line.strip().split("\\s+\\*?", 2);
      if (parts.length == 2 && parts[0].equals(parts[1]) && names.contains(parts[1])) {
        good.add(parts[1]);
      }
    }
    for (String name : names) {
      if (!good.contains(name)) {
        LOG.warn("{}: staged layer {}/{} does not match its digest; sending it again", destination.target(), dir, name);
        destination.run(Exec.builder("rm", "-f", "--", dir + "/" + name).timeout(SURVEY_TIMEOUT).build())
            .orThrow("removing the bad staged layer " + dir + "/" + name + " on " + destination.target());
      }
    }
    return good;
  }

  private long upload(SourceImage image, int index, SavedImageReader.Blob blob, String dir, long offset,
      Events events, long bytesPlanned) throws DockerGuestException {
    String diffId = "sha256:" + blob.diffId();
    for (int attempt = 0; ; attempt++) {
      events.emit(new TransferEvent.LayerStarted(image.id, index, diffId, blob.size(), offset));
      long start = offset;
      ExecResult r;
      try (InputStream file = Files.newInputStream(blob.file())) {
        file.skipNBytes(start);
        Progress progress = new Progress(file, p -> events.emit(
            new TransferEvent.LayerProgress(image.id, index, diffId, p, blob.size() - start)));
        Exec exec = Exec.builder("sh", "-c", UPLOAD_SCRIPT, "pvedeploy-upload", dir, blob.blobHex(),
            String.valueOf(blob.size()), String.valueOf(start)).stdin(progress).timeout(timeout).build();
        r = destination.run(exec);
        if (r.succeeded()) {
          events.emit(new TransferEvent.LayerProgress(image.id, index, diffId, progress.count, blob.size() - start));
          events.emit(new TransferEvent.LayerFinished(image.id, index, diffId, progress.count));
          return progress.count;
        }
      } catch (IOException e) {
        throw new GuestShellException(GuestShellException.Reason.LOCAL_IO, "reading the spooled layer "
            + blob.file() + " failed: " + e.getMessage(), e);
      }
      String what = "layer " + diffId + " (" + mib(blob.size()) + ") for " + image.reference;
      if (diskFull(r)) {
        throw diskFullDuringUpload(dir, bytesPlanned, r, what);
      }
      switch (r.exitCode()) {
        case 3 -> throw new ImageVerificationException(what + " arrived incomplete on " + destination.target()
            + " (" + r.outputTail() + "); the part that arrived is kept: run the transfer again to resume", null);
        case 4 -> throw new ImageVerificationException(what + " arrived altered on " + destination.target() + ": "
            + r.outputTail() + ". Something on the way changes bytes; run the transfer again to send it afresh", null);
        case 6 -> {
          if (attempt == 0) {
            offset = 0; // the partial file changed under us: start this layer over, once
            continue;
          }
          r.orThrow("uploading " + what + " to " + destination.target());
        }
        default -> r.orThrow("uploading " + what + " to " + destination.target());
      }
      throw new IllegalStateException("unreachable: exit status " + r.exitCode() + " was not an error");
    }
  }

  private void putSmall(String path, byte[] content, String dir, long bytesPlanned) throws DockerGuestException {
    try {
      destination.put(path, content, FileOptions.mode(0600));
    } catch (CommandFailedException e) {
      if (e.outputTail().toLowerCase(Locale.ROOT).contains("no space left on device")) {
        throw diskFullDuringUpload(dir, bytesPlanned, new ExecResult(e.exitCode(), null,
            e.outputTail().getBytes(StandardCharsets.UTF_8)), path);
      }
      throw e;
    }
  }

  private GuestDiskFullException diskFullDuringUpload(String dir, long bytesPlanned, ExecResult r, String what) {
    long available = -1;
    try {
      removeStaging(dir);
      ExecResult df = destination.run(Exec.builder("df", "-Pk", "--", stagingDirectory).timeout(SURVEY_TIMEOUT).build());
      String[] lines = df.stdoutText().strip().split("\n");
      available = parseDf(lines[lines.length - 1]).availableBytes();
    } catch (DockerGuestException | IOException | RuntimeException e) {
      LOG.warn("{}: after the disk filled up, cleaning {} or asking df failed: {}", destination.target(), dir, e.getMessage());
    }
    return new GuestDiskFullException("the disk of " + stagingDirectory + " on " + destination.target()
        + " filled up while sending " + what + " (" + r.outputTail() + "). This transfer needed " + mib(bytesPlanned)
        + " there; " + (available < 0 ? "" : mib(available) + " are free now. ") + "Its staged files were removed;"
        + " running containers and images were not touched. Free space there (docker image prune), or stage"
        + " elsewhere: ImageTransfer.withStagingDirectory(…)", dir, bytesPlanned, available, null);
  }

  private void load(SourceImage image, String dir, SavedImageReader.Result saved, Survey survey, long loadBytes)
      throws DockerGuestException {
    List<String> argv = new ArrayList<>(List.of("sh", "-c", LOAD_SCRIPT, "pvedeploy-load", dir,
        "manifest.json", Digests.hex(image.id) + ".json"));
    saved.layers().values().stream().map(SavedImageReader.Blob::blobHex).distinct().sorted().forEach(argv::add);
    ExecResult r = destination.run(Exec.builder(argv).timeout(timeout).build());
    if (r.succeeded()) {
      return;
    }
    if (diskFull(r)) {
      removeStaging(dir);
      throw new GuestDiskFullException("docker load of " + image.reference + " on " + destination.target()
          + " ran out of space in Docker's root " + survey.rootDir + " (" + r.outputTail() + "); it needs about "
          + mib(2 * loadBytes) + " there. The staged layers were removed; running containers and images were not"
          + " touched. Free space (docker image prune, docker builder prune) and try again",
          survey.rootDir, 2 * loadBytes, -1, null);
    }
    r.orThrow("docker load of " + image.reference + " on " + destination.target() + " (the staged layers in "
        + dir + " stay for another try)");
  }

  private void verifyLoaded(SourceImage image, String target, Events events) throws DockerGuestException {
    ExecResult r = destination.run(Exec.builder("docker", "image", "inspect", "--format",
        "{{.Id}} {{json .RootFS.Layers}}", "--", target).timeout(SURVEY_TIMEOUT).build());
    r.orThrow("docker image inspect of " + target + " on " + destination.target() + " after the transfer");
    String line = r.stdoutText().strip();
    String expected = image.id + " " + Json.write(image.diffIds);
    if (!line.equals(expected)) {
      throw new ImageVerificationException("after the transfer " + target + " on " + destination.target()
          + " is '" + DockerEngine.printable(line) + "', but the source's image is '" + expected
          + "'. Its staging stays in " + stagingDirectory + " for inspection", null);
    }
    events.emit(new TransferEvent.Verified(image.id, target));
  }

  private void removeStaging(String dir) throws DockerGuestException {
    destination.run(Exec.builder("rm", "-rf", "--", dir).timeout(SURVEY_TIMEOUT).build())
        .orThrow("removing the staging directory " + dir + " on " + destination.target());
  }

  // ------------------------------------------------------------------ helpers

  /**
   * The tag {@code docker load} gives the image: the reference with {@code :latest} added when
   * it has no tag; none for an image id or a digest reference.
   */
  static Optional<String> repoTag(String reference) {
    if (IMAGE_ID.matcher(reference).matches() || reference.contains("@")) {
      return Optional.empty();
    }
    String last = reference.substring(reference.lastIndexOf('/') + 1);
    return Optional.of(last.contains(":") ? reference : reference + ":latest");
  }

  private static String manifest(SourceImage image, Optional<String> tag, SavedImageReader.Result saved) {
    List<String> layers = new ArrayList<>();
    for (String diffId : image.diffIds) {
      SavedImageReader.Blob blob = saved.layers().get(Digests.hex(diffId));
      // docker load never opens the layer of a chain its store has: such entries name no file
      layers.add(blob != null ? blob.blobHex() : "present-" + Digests.hex(diffId));
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("Config", Digests.hex(image.id) + ".json");
    entry.put("RepoTags", tag.map(List::of).orElse(List.of()));
    entry.put("Layers", layers);
    return Json.write(List.of(entry));
  }

  private static boolean diskFull(ExecResult r) {
    return (r.stderrText() + r.stdoutText()).toLowerCase(Locale.ROOT).contains("no space left on device");
  }

  private static TransferResult result(SourceImage image, String target, int sent, int skipped, long layerBytes,
      long bytes, long started) {
    return new TransferResult(image.id, target, image.diffIds.size(), sent, skipped, layerBytes, bytes,
        Duration.ofNanos(System.nanoTime() - started));
  }

  private static Path createSpool() throws GuestShellException {
    try {
      return Files.createTempDirectory("pvedeploy-transfer-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException | UnsupportedOperationException e) {
      throw new GuestShellException(GuestShellException.Reason.LOCAL_IO,
          "cannot create a private spool directory under " + System.getProperty("java.io.tmpdir") + ": " + e.getMessage(),
          e instanceof IOException io ? io : null);
    }
  }

  private static void deleteSpool(Path spool) {
    try (Stream<Path> files = Files.walk(spool)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("could not remove the spool directory {}: {}", spool, e.getMessage());
    }
  }

  static String mib(long bytes) {
    return bytes < 0 ? "?" : String.format(Locale.ROOT, "%.1f MiB (%d bytes)", bytes / 1048576.0, bytes);
  }

  /** Delivers events one at a time; a listener that throws is logged, never allowed to break the transfer. */
  private static final class Events {
    private final Consumer<TransferEvent> listener;

    Events(Consumer<TransferEvent> listener) {
      this.listener = listener;
    }

    synchronized void emit(TransferEvent event) {
      try {
        listener.accept(event);
      } catch (RuntimeException e) {
        LOG.warn("an image transfer listener threw on {}: {}", event, e.toString());
      }
    }
  }

  /** Counts what the upload reads, reporting every {@link #PROGRESS_STEP} bytes. */
  private static final class Progress extends FilterInputStream {
    private final Consumer<Long> report;
    long count;
    private long reported;

    Progress(InputStream in, Consumer<Long> report) {
      super(in);
      this.report = report;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        advance(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        advance(n);
      }
      return n;
    }

    private void advance(long n) {
      count += n;
      if (count - reported >= PROGRESS_STEP) {
        reported = count;
        report.accept(count);
      }
    }
  }
}
