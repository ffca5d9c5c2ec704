package io.pvedeploy.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Image transfer between two real Docker engines on this machine: the main daemon is the
 * source, a {@link SecondDockerd} the destination. Images are the Debian base plus one small
 * layer of {@code seq} output, one image per test so that each starts with the destination
 * lacking exactly that layer. The "previous release" is a container of the first image that
 * runs on the destination throughout; every failure test checks it still runs.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageTransferIT {
  static final String MARKER = "/tmp/pvd-transfer-pwned";

  SecondDockerd dest;
  GuestShell source;
  Intercepting destShell;
  String staging;
  String v1;
  TransferResult first;
  List<TransferEvent> firstEvents = Collections.synchronizedList(new ArrayList<>());
  String previousId;

  @BeforeAll
  void startDestinationAndShipTheFirstRelease() throws Exception {
    DockerFixture.requireDockerAndCompose();
    v1 = app(1, 250_000);
    dest = SecondDockerd.start();
    source = LocalShell.create();
    destShell = new Intercepting(dest.shell());
    staging = dest.dir + "/staging";
    first = transfer().transfer(v1, firstEvents::add);
    previousId = first.imageId();
    DockerFixture.Result run = dest.docker("run", "-d", "--network", "none", "--name", "previous-release", v1,
        "sleep", "3600");
    assertThat(run.code()).as(run.out()).isZero();
  }

  @AfterAll
  void stopDestination() {
    if (dest != null) {
      dest.close();
    }
  }

  ImageTransfer transfer() {
    return ImageTransfer.from(source).to(destShell).withStagingDirectory(staging);
  }

  /** The Debian base plus one layer: {@code seq first (first+count-1) > /v.txt}. */
  static String app(int first, int count) throws Exception {
    return DockerFixture.buildImage("pvedeploy-test/transfer", "FROM " + DockerFixture.baseImage() + "\n"
        + "RUN seq " + first + " " + (first + count - 1) + " > /v.txt\n");
  }

  static String sourceId(String ref) {
    return DockerFixture.run(List.of("docker", "image", "inspect", "--format", "{{.Id}}", ref), null).out().strip();
  }

  void assertPreviousReleaseRuns() {
    assertThat(dest.docker("inspect", "--format", "{{.State.Running}} {{.Image}}", "previous-release").out().strip())
        .isEqualTo("true " + previousId);
    assertThat(dest.docker("image", "inspect", "--format", "{{.Id}}", v1).out().strip()).isEqualTo(previousId);
  }

  static <T extends TransferEvent> List<T> events(List<TransferEvent> events, Class<T> kind) {
    synchronized (events) {
      return events.stream().filter(kind::isInstance).map(kind::cast).toList();
    }
  }

  @Test
  void theFirstTransferSentEveryLayerAndTheDestinationHasTheSameImage() {
    assertThat(first.layers()).isEqualTo(2);
    assertThat(first.layersSent()).isEqualTo(2);
    assertThat(first.imageId()).isEqualTo(sourceId(v1));
    assertThat(first.reference()).isEqualTo(v1);
    assertThat(dest.docker("image", "inspect", "--format", "{{.Id}}", v1).out().strip()).isEqualTo(sourceId(v1));
    long sizes = events(firstEvents, TransferEvent.LayerStarted.class).stream()
        .mapToLong(TransferEvent.LayerStarted::size).sum();
    assertThat(first.layerBytesSent()).isEqualTo(sizes).isGreaterThan(100L << 20);
    assertThat(firstEvents.get(0)).isInstanceOf(TransferEvent.Planned.class);
    assertThat(firstEvents.get(firstEvents.size() - 1)).isInstanceOf(TransferEvent.Verified.class);
    assertThat(Path.of(staging, first.imageId().substring(7))).doesNotExist();
  }

  @Test
  void onlyTheMissingLayerIsSentAndASecondTransferSendsNothing() throws Exception {
    String v2 = app(2, 250_000);
    List<TransferEvent> events = Collections.synchronizedList(new ArrayList<>());
    TransferResult r = transfer().transfer(v2, events::add);

    List<TransferEvent.LayerStarted> started = events(events, TransferEvent.LayerStarted.class);
    assertThat(started).hasSize(1);
    long layer = started.get(0).size();
    assertThat(r.layersSent()).isEqualTo(1);
    assertThat(r.layersSkipped()).isEqualTo(1);
    assertThat(r.layerBytesSent()).isEqualTo(layer);
    assertThat(r.bytesSent()).isLessThanOrEqualTo((long) (layer * 1.1));
    assertThat(events(events, TransferEvent.LayerSkipped.class)).singleElement()
        .satisfies(s -> assertThat(s.reason()).isEqualTo(TransferEvent.SkipReason.PRESENT));
    assertThat(events(events, TransferEvent.Planned.class)).singleElement()
        .satisfies(p -> assertThat(p.bytesToSend()).isEqualTo(r.bytesSent()));
    assertThat(events(events, TransferEvent.LayerFinished.class)).singleElement()
        .satisfies(f -> assertThat(f.bytesSent()).isEqualTo(layer));
    assertThat(events(events, TransferEvent.Verified.class)).hasSize(1);
    assertThat(dest.docker("image", "inspect", "--format", "{{.Id}}", v2).out().strip()).isEqualTo(sourceId(v2));
    assertThat(dest.docker("run", "--rm", "--network", "none", v2, "tail", "-n", "1", "/v.txt").out().strip())
        .isEqualTo("250001");

    List<TransferEvent> again = Collections.synchronizedList(new ArrayList<>());
    TransferResult second = transfer().transfer(v2, again::add);
    assertThat(second.bytesSent()).isZero();
    assertThat(second.layersSent()).isZero();
    assertThat(events(again, TransferEvent.LayerStarted.class)).isEmpty();
    assertThat(events(again, TransferEvent.Verified.class)).hasSize(1);
    assertPreviousReleaseRuns();
  }

  @Test
  void anInterruptedTransferResumesWhereItStopped() throws Exception {
    String v3 = app(3, 700_000);
    String idHex = sourceId(v3).substring(7);
    destShell.uploadStdin = in -> new FailAfter(in, 1_500_000);
    assertThatThrownBy(() -> transfer().transfer(v3)).isInstanceOf(GuestShellException.class);
    destShell.uploadStdin = UnaryOperator.identity();
    List<Path> partials;
    try (var files = Files.list(Path.of(staging, idHex))) {
      partials = files.filter(p -> p.toString().endsWith(".partial")).toList();
    }
    assertThat(partials).hasSize(1);
    long staged = Files.size(partials.get(0));
    assertThat(staged).isPositive().isLessThanOrEqualTo(1_500_000);

    List<TransferEvent> events = Collections.synchronizedList(new ArrayList<>());
    TransferResult r = transfer().transfer(v3, events::add);
    TransferEvent.LayerStarted start = events(events, TransferEvent.LayerStarted.class).get(0);
    assertThat(start.offset()).isEqualTo(staged);
    assertThat(r.layerBytesSent()).isEqualTo(start.size() - staged);
    assertThat(dest.docker("image", "inspect", "--format", "{{.Id}}", v3).out().strip()).isEqualTo(sourceId(v3));
    assertThat(Path.of(staging, idHex)).doesNotExist();
  }

  @Test
  void aLayerAlteredOnTheWayIsATypedErrorAndIsNotKept() throws Exception {
    String v4 = app(4, 250_000);
    String idHex = sourceId(v4).substring(7);
    destShell.uploadStdin = in -> new FlipByte(in, 1000);
    try {
      assertThatThrownBy(() -> transfer().transfer(v4)).isInstanceOf(ImageVerificationException.class)
          .hasMessageContaining("arrived altered");
    } finally {
      destShell.uploadStdin = UnaryOperator.identity();
    }
    try (var files = Files.list(Path.of(staging, idHex))) {
      assertThat(files.toList()).as("nothing of the altered layer is staged").isEmpty();
    }
    assertThat(dest.docker("image", "inspect", v4).code()).isNotZero();
    assertPreviousReleaseRuns();

    TransferResult r = transfer().transfer(v4);
    assertThat(r.layersSent()).isEqualTo(1);
    assertThat(dest.docker("image", "inspect", "--format", "{{.Id}}", v4).out().strip()).isEqualTo(sourceId(v4));
  }

  @Test
  void notEnoughSpaceForTheLayersIsRefusedBeforeAnythingIsSent() throws Exception {
    String v5 = app(5, 250_000);
    Path mnt = tmpfs("1m");
    try {
      List<TransferEvent> events = Collections.synchronizedList(new ArrayList<>());
      ImageTransfer small = transfer().withStagingDirectory(mnt + "/staging");
      assertThatThrownBy(() -> small.transfer(v5, events::add)).isInstanceOfSatisfying(GuestDiskFullException.class, e -> {
        assertThat(e.bytesNeeded()).isGreaterThan(e.bytesAvailable());
        assertThat(e.path()).startsWith(mnt.toString());
        assertThat(e.getMessage()).contains("nothing was sent", "withStagingDirectory");
      });
      assertThat(events(events, TransferEvent.LayerStarted.class)).isEmpty();
      assertThat(dest.docker("image", "inspect", v5).code()).isNotZero();
      assertPreviousReleaseRuns();
    } finally {
      umount(mnt);
    }
  }

  @Test
  void aDiskThatFillsUpDuringTheTransferFailsCleanlyAndThePreviousReleaseRuns() throws Exception {
    String v6 = app(6, 250_000);
    String idHex = sourceId(v6).substring(7);
    Path mnt = tmpfs("16m");
    try {
      ImageTransfer onTmpfs = transfer().withStagingDirectory(mnt + "/staging");
      // Another process fills the disk after the space check, just as the upload begins.
      destShell.beforeUpload = () -> DockerFixture.run(List.of("dd", "if=/dev/zero", "of=" + mnt + "/filler", "bs=64k"), null);
      try {
        assertThatThrownBy(() -> onTmpfs.transfer(v6)).isInstanceOfSatisfying(GuestDiskFullException.class, e -> {
          assertThat(e.getMessage()).contains("filled up", "were not touched");
          assertThat(e.path()).isEqualTo(mnt + "/staging/" + idHex);
        });
      } finally {
        destShell.beforeUpload = () -> { };
      }
      assertThat(Path.of(mnt.toString(), "staging", idHex)).as("no partial staging is left").doesNotExist();
      assertThat(dest.docker("image", "inspect", v6).code()).isNotZero();
      assertPreviousReleaseRuns();

      Files.delete(mnt.resolve("filler"));
      assertThat(onTmpfs.transfer(v6).layersSent()).isEqualTo(1);
      assertPreviousReleaseRuns();
    } finally {
      umount(mnt);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"img; touch " + MARKER, "image with space", "img:$(touch " + MARKER + ")",
      "img\ntouch " + MARKER, "'img'", "img`touch " + MARKER + "`", "IMG", "img:tag|cat", "", "-o/tmp/x"})
  void hostileReferencesAreRefusedBeforeAnyCommandRuns(String reference) {
    int before = destShell.calls.get();
    assertThatThrownBy(() -> transfer().transfer(reference)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("image reference");
    assertThat(destShell.calls.get()).isEqualTo(before);
    assertThat(Path.of(MARKER)).doesNotExist();
  }

  @Test
  void anImageTheSourceLacksIsATypedError() {
    assertThatThrownBy(() -> transfer().transfer("pvedeploy-test/no-such-image:1"))
        .isInstanceOfSatisfying(ImageNotFoundException.class,
            e -> assertThat(e.reference()).isEqualTo("pvedeploy-test/no-such-image:1"));
  }

  Path tmpfs(String size) throws IOException {
    Path mnt = Files.createTempDirectory(dest.dir, "tmpfs-");
    DockerFixture.Result r = DockerFixture.run(List.of("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs",
        mnt.toString()), null);
    assertThat(r.code()).as("mounting a tmpfs needs root: " + r.out()).isZero();
    return mnt;
  }

  static void umount(Path mnt) {
    DockerFixture.run(List.of("umount", mnt.toString()), null);
  }

  /** The destination's shell, with hooks on the layer uploads. */
  static final class Intercepting implements GuestShell {
    final GuestShell delegate;
    final AtomicInteger calls = new AtomicInteger();
    volatile UnaryOperator<InputStream> uploadStdin = UnaryOperator.identity();
    volatile Runnable beforeUpload = () -> { };

    Intercepting(GuestShell delegate) {
      this.delegate = delegate;
    }

    @Override
    public String target() {
      return delegate.target();
    }

    @Override
    public int exec(Exec exec, OutputStream stdout, OutputStream stderr) throws GuestShellException {
      calls.incrementAndGet();
      List<String> argv = exec.argv();
      if (argv.size() > 3 && argv.get(3).equals("pvedeploy-upload")) {
        beforeUpload.run();
        exec = exec.toBuilder().stdin(uploadStdin.apply(exec.openStdin())).build();
      }
      return delegate.exec(exec, stdout, stderr);
    }
  }

  /** Passes {@code limit} bytes, then fails as a dropped connection would. */
  static final class FailAfter extends java.io.FilterInputStream {
    private long left;

    FailAfter(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        throw new IOException("connection dropped (test)");
      }
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }

  /** Flips one bit of the byte at {@code position}. */
  static final class FlipByte extends java.io.FilterInputStream {
    private final long position;
    private long seen;

    FlipByte(InputStream in, long position) {
      super(in);
      this.position = position;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0 && position >= seen && position < seen + n) {
        b[off + (int) (position - seen)] ^= 1;
      }
      seen += Math.max(n, 0);
      return n;
    }
  }
}
