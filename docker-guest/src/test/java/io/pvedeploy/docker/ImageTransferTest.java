package io.pvedeploy.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pvedeploy.docker.internal.Digests;
import io.pvedeploy.docker.internal.SavedImageReader;
import io.pvedeploy.docker.internal.TarReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pure parts of image transfer: chain ids, tags, df and survey parsing, reading saved images. */
class ImageTransferTest {
  static final String BASE = "sha256:206bbf49bbab59798d5496e96a7166e95f3a6bc31e436338d75e4a64497de111";
  static final String TOP = "sha256:47f5f461e2fd167d41ca192b0a0be0cfb294544fa9e175e676d96fae33178c83";

  @Test
  void chainIdsAreThoseOfDockersLayerStore() {
    // As found under /var/lib/docker/image/overlay2/layerdb/sha256/ for an image of these layers.
    assertThat(Digests.chainIds(List.of(BASE, TOP))).containsExactly(BASE,
        "sha256:021917f2cd9e3c95f923af19c4e902c7fedf72f84c61bee16ad9170c032a255e");
  }

  @Test
  void theLoadTagIsTheReferenceWithLatestAddedAndNoneForIdsOrDigests() {
    assertThat(ImageTransfer.repoTag("shop/web")).contains("shop/web:latest");
    assertThat(ImageTransfer.repoTag("registry.local:5000/shop/web")).contains("registry.local:5000/shop/web:latest");
    assertThat(ImageTransfer.repoTag("registry.local:5000/shop/web:1.4")).contains("registry.local:5000/shop/web:1.4");
    assertThat(ImageTransfer.repoTag(BASE)).isEmpty();
    assertThat(ImageTransfer.repoTag("1ef14230054f")).isEmpty();
    assertThat(ImageTransfer.repoTag("shop/web@" + BASE)).isEmpty();
  }

  @Test
  void dfLinesAreReadFromTheRightSoFileSystemNamesMayHoldSpaces() throws IOException {
    ImageTransfer.Df df = ImageTransfer.parseDf("/dev/mapper/vg 0-root 263174212 24886644 82832828      24% /var/lib/my docker");
    assertThat(df.availableBytes()).isEqualTo(82832828L * 1024);
    assertThat(df.mount()).isEqualTo("/var/lib/my docker");
    assertThatThrownBy(() -> ImageTransfer.parseDf("df: /x: No such file")).isInstanceOf(IOException.class);
  }

  @Test
  void theSurveyGivesChainIdsImagesStagedFilesAndTheImageStore() throws Exception {
    String text = String.join("\n",
        "info /var/lib/docker|overlay2|[[\"Backing Filesystem\",\"extfs\"]]",
        "df-staging tmpfs 1024 0 1024 0% /opt/pvedeploy/.images",
        "df-root /dev/vda 263174212 24886644 82832828 24% /",
        "image sha256:" + "a".repeat(64) + " [\"" + BASE + "\",\"" + TOP + "\"]",
        "staged 1234 " + "b".repeat(64) + ".partial",
        "");
    ImageTransfer.Survey s = ImageTransfer.parseSurvey(text, "fake");
    assertThat(s.rootDir()).isEqualTo("/var/lib/docker");
    assertThat(s.containerdStore()).isFalse();
    assertThat(s.staging().availableBytes()).isEqualTo(1024 * 1024);
    assertThat(s.chainIds()).containsExactlyInAnyOrderElementsOf(Digests.chainIds(List.of(BASE, TOP)));
    assertThat(s.imageIds()).containsExactly("sha256:" + "a".repeat(64));
    assertThat(s.staged()).containsEntry("b".repeat(64) + ".partial", 1234L);

    ImageTransfer.Survey containerd = ImageTransfer.parseSurvey(text.replace("[[\"Backing Filesystem\",\"extfs\"]]",
        "[[\"driver-type\",\"io.containerd.snapshotter.v1\"]]"), "fake");
    assertThat(containerd.containerdStore()).isTrue();
    assertThatThrownBy(() -> ImageTransfer.parseSurvey("image x\n", "fake"))
        .isInstanceOf(ImageVerificationException.class);
  }

  @Test
  void theSurveyAndUploadsAreConstantScriptsWithArgumentsAsParameters() throws Exception {
    FakeShell dest = new FakeShell(argv -> FakeShell.fail(20, "Cannot connect to the Docker daemon"));
    ImageTransfer t = ImageTransfer.from(new FakeShell(argv -> FakeShell.ok(""))).to(dest)
        .withStagingDirectory("/srv/stage dir $(x)/");
    assertThat(t.stagingDirectory()).isEqualTo("/srv/stage dir $(x)");
    assertThatThrownBy(() -> t.survey("/srv/stage dir $(x)/abc")).isInstanceOf(DockerMissingException.class);
    assertThat(dest.calls).singleElement().satisfies(argv -> {
      assertThat(argv.subList(0, 2)).containsExactly("sh", "-c");
      assertThat(argv.get(2)).isEqualTo(ImageTransfer.SURVEY_SCRIPT);
      assertThat(argv.subList(3, argv.size())).containsExactly("pvedeploy-survey", "/srv/stage dir $(x)", "/srv/stage dir $(x)/abc");
    });
    assertThatThrownBy(() -> t.withStagingDirectory("relative")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> t.withStagingDirectory("/")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> t.withStagingDirectory("/a\nb")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aLegacySaveKeepsOnlyTheNeededLayerAndChecksTheConfig(@TempDir Path spool) throws Exception {
    byte[] base = "base layer content".getBytes(StandardCharsets.UTF_8);
    byte[] top = "top layer content".getBytes(StandardCharsets.UTF_8);
    byte[] config = "{\"rootfs\":{}}".getBytes(StandardCharsets.UTF_8);
    String id = Digests.sha256Hex(config);
    String longDir = "d".repeat(64);
    byte[] tar = new TestTar()
        .file(longDir + "/VERSION", "1.0".getBytes(StandardCharsets.UTF_8))
        .file(longDir + "/layer.tar", top)
        .file("e".repeat(64) + "/layer.tar", base)
        .file(id + ".json", config)
        .file("manifest.json", "[]".getBytes(StandardCharsets.UTF_8))
        .bytes();
    SavedImageReader.Result r = SavedImageReader.read(new ByteArrayInputStream(tar), id,
        Set.of(Digests.sha256Hex(base), Digests.sha256Hex(top)), Set.of(Digests.sha256Hex(top)), spool);
    assertThat(r.config()).isEqualTo(config);
    assertThat(r.layers()).containsOnlyKeys(Digests.sha256Hex(top));
    SavedImageReader.Blob blob = r.layers().get(Digests.sha256Hex(top));
    assertThat(Files.readAllBytes(blob.file())).isEqualTo(top);
    try (var files = Files.list(spool)) {
      assertThat(files.toList()).as("the unneeded layer is not kept").containsExactly(blob.file());
    }

    byte[] otherConfig = new TestTar().file(id + ".json", "{}".getBytes(StandardCharsets.UTF_8)).bytes();
    assertThatThrownBy(() -> SavedImageReader.read(new ByteArrayInputStream(otherConfig), id, Set.of(), Set.of(), spool))
        .isInstanceOf(IOException.class).hasMessageContaining("not the image id");
  }

  @Test
  void anOciSaveIsReadByBlobNameAndAGzipLayerByItsContent(@TempDir Path spool) throws Exception {
    byte[] base = "base".getBytes(StandardCharsets.UTF_8);
    byte[] top = "top, compressed in the save".getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(top);
    }
    byte[] config = "{\"oci\":true}".getBytes(StandardCharsets.UTF_8);
    String id = Digests.sha256Hex(config);
    byte[] tar = new TestTar()
        .file("blobs/sha256/" + Digests.sha256Hex(base), base)
        .file("blobs/sha256/" + Digests.sha256Hex(gz.toByteArray()), gz.toByteArray())
        .file("blobs/sha256/" + id, config)
        .file("index.json", "{}".getBytes(StandardCharsets.UTF_8))
        .file("manifest.json", "[]".getBytes(StandardCharsets.UTF_8))
        .bytes();
    String topDiff = Digests.sha256Hex(top);
    SavedImageReader.Result r = SavedImageReader.read(new ByteArrayInputStream(tar), id,
        Set.of(Digests.sha256Hex(base), topDiff), Set.of(topDiff), spool);
    assertThat(r.layers()).containsOnlyKeys(topDiff);
    assertThat(r.layers().get(topDiff).blobHex()).isEqualTo(Digests.sha256Hex(gz.toByteArray()));

    assertThatThrownBy(() -> SavedImageReader.read(new ByteArrayInputStream(tar), id, Set.of(),
        Set.of("f".repeat(64)), spool)).isInstanceOf(IOException.class).hasMessageContaining("no layer");
  }

  @Test
  void tarReaderTakesPaxAndGnuLongNamesAndRefusesGarbage() throws Exception {
    String longName = "dir/" + "n".repeat(150) + "/layer.tar";
    byte[] tar = new TestTar().pax(longName, "x".getBytes(StandardCharsets.UTF_8))
        .gnuLong("g".repeat(120), "y".getBytes(StandardCharsets.UTF_8)).bytes();
    TarReader reader = new TarReader(new ByteArrayInputStream(tar));
    TarReader.Entry e = reader.next();
    assertThat(e.name()).isEqualTo(longName);
    assertThat(reader.content().readAllBytes()).containsExactly('x');
    assertThat(reader.next().name()).isEqualTo("g".repeat(120));
    assertThat(reader.next()).isNull();
    byte[] garbage = new byte[1024];
    garbage[0] = 'z';
    assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(garbage)).next())
        .isInstanceOf(IOException.class).hasMessageContaining("checksum");
  }

  /** A tiny ustar writer for test archives. */
  static final class TestTar {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    TestTar file(String name, byte[] content) {
      return entry(name, '0', content);
    }

    TestTar pax(String name, byte[] content) {
      String record = " path=" + name + "\n";
      int len = record.length();
      while (len != record.length() + String.valueOf(len).length()) {
        len = record.length() + String.valueOf(len).length();
      }
      String pax = len + record;
      entry("PaxHeaders/x", 'x', pax.getBytes(StandardCharsets.UTF_8));
      return entry("short", '0', content);
    }

    TestTar gnuLong(String name, byte[] content) {
      entry("././@LongLink", 'L', (name + "\0").getBytes(StandardCharsets.UTF_8));
      return entry(name.substring(0, 99), '0', content);
    }

    private TestTar entry(String name, char type, byte[] content) {
      byte[] h = new byte[512];
      put(h, 0, name.getBytes(StandardCharsets.UTF_8), 100);
      put(h, 100, "0000644\0".getBytes(StandardCharsets.US_ASCII), 8);
      put(h, 124, String.format("%011o\0", content.length).getBytes(StandardCharsets.US_ASCII), 12);
      put(h, 136, "00000000000\0".getBytes(StandardCharsets.US_ASCII), 12);
      h[156] = (byte) type;
      put(h, 257, "ustar\00000".getBytes(StandardCharsets.US_ASCII), 8);
      for (int i = 148; i < 156; i++) {
        h[i] = ' ';
      }
      int sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      put(h, 148, String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII), 8);
      out.writeBytes(h);
      out.writeBytes(content);
      out.writeBytes(new byte[(512 - content.length % 512) % 512]);
      return this;
    }

    private static void put(byte[] h, int off, byte[] v, int max) {
      System.arraycopy(v, 0, h, off, Math.min(v.length, max));
    }

    byte[] bytes() {
      out.writeBytes(new byte[1024]);
      return out.toByteArray();
    }
  }
}
