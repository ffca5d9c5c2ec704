package io.pvedeploy.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every {@link GuestShell} must do, written once. An implementation's test extends this and
 * says how to get a shell; deploy-core's Proxmox-backed shells run the same tests through this
 * module's test-jar ({@code <type>test-jar</type>}).
 *
 * <p>The guest needs POSIX {@code sh}, coreutils ({@code printf}, {@code cat}, {@code stat},
 * {@code mktemp}, {@code sleep}) and the user {@code nobody} with group {@code nogroup} (Debian's);
 * the shell must log in as root for the ownership test ({@link #canChown()} says otherwise).
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class GuestShellContract {

  /** The shell under test; the same instance may be returned every time. */
  protected abstract GuestShell shell();

  /** A directory on the guest where the tests may create a scratch directory. */
  protected String scratchParent() {
    return "/tmp";
  }

  /** Whether the shell's user may give files away (root). */
  protected boolean canChown() {
    return true;
  }

  /** Generous per-command timeout for slow transports. */
  protected Duration timeout() {
    return Duration.ofSeconds(60);
  }

  private String scratchRoot;
  private int scratchCount;

  /** A scratch directory on the guest, fresh (and existing) for each test. */
  protected String scratch;

  @BeforeEach
  void createScratch() throws Exception {
    if (scratchRoot == null) {
      ExecResult r = shell().run(Exec.of("mktemp", "-d", scratchParent() + "/pvd-contract.XXXXXXXX"));
      assertThat(r.exitCode()).as("mktemp -d on the guest: %s", r.stderrText()).isZero();
      scratchRoot = r.stdoutText().strip();
    }
    // One directory per test, made by the put that every test's first file needs anyway.
    scratch = scratchRoot + "/t" + (++scratchCount);
    shell().put(scratch + "/.keep", new byte[0], FileOptions.defaults());
  }

  /**
   * Removes the scratch directories. Runs after the subclass's own {@code @AfterAll}; a subclass
   * that closes its shell there calls this first.
   */
  @AfterAll
  protected void removeScratchRoot() throws Exception {
    if (scratchRoot != null) {
      shell().run(Exec.of("rm", "-rf", "--", scratchRoot));
      scratchRoot = null;
    }
  }

  /** Arguments no shell may interpret on the way. */
  public static final List<String> NASTY = List.of(
      "plain",
      "",
      "two words",
      "  leading and trailing  ",
      "single ' quote",
      "double \" quote",
      "'",
      "''",
      "\\backslash\\",
      "$(touch /tmp/pvd-contract-pwned)",
      "`touch /tmp/pvd-contract-pwned`",
      "${HOME}",
      "$HOME",
      "a;b",
      "a|b",
      "a&b",
      "a && touch /tmp/pvd-contract-pwned",
      "*",
      "?",
      "[a-z]",
      "~",
      "~root",
      "-n",
      "--",
      "line one\nline two",
      "trailing newline\n",
      "tab\there",
      "carriage\rreturn",
      "> /tmp/pvd-contract-pwned",
      "< /etc/passwd",
      "#comment",
      "!history",
      "{a,b}",
      "é ü ß 日本語 🚀",
      "emoji 🚀 and 'quote' and $(x)",
      "%s %d %%");

  @Test
  void argvArrivesByteForByte() throws Exception {
    List<String> argv = new ArrayList<>(List.of("printf", "%s\\0"));
    argv.addAll(NASTY);
    ExecResult r = shell().run(Exec.builder(argv).timeout(timeout()).build());
    assertThat(r.exitCode()).as(r.stderrText()).isZero();
    assertThat(splitNul(r.stdout())).containsExactlyElementsOf(NASTY);
    assertThat(shell().exists("/tmp/pvd-contract-pwned")).as("no shell ran the payloads").isFalse();
  }

  @Test
  void eachArgumentIsOneWordEvenForAShellScript() throws Exception {
    // sh -c with positional parameters: the script is ours, the arguments stay data.
    ExecResult r = shell().run(Exec.builder("sh", "-c", "for a in \"$@\"; do printf '%s\\0' \"$a\"; done",
        "sh", "a b", "$(id)", "`id`", "x;y").timeout(timeout()).build());
    assertThat(splitNul(r.stdout())).containsExactly("a b", "$(id)", "`id`", "x;y");
  }

  @Test
  void exitCodesAreResultsNotExceptions() throws Exception {
    assertThat(shell().run(Exec.of("true")).exitCode()).isZero();
    assertThat(shell().run(Exec.of("false")).exitCode()).isEqualTo(1);
    assertThat(shell().run(Exec.of("sh", "-c", "exit 42")).exitCode()).isEqualTo(42);
    assertThat(shell().run(Exec.of("sh", "-c", "exit 255")).exitCode()).isEqualTo(255);
  }

  @Test
  void aMissingProgramIsExit127() throws Exception {
    ExecResult r = shell().run(Exec.of("pvd-no-such-program-xyz", "arg"));
    assertThat(r.exitCode()).isEqualTo(127);
    assertThat(r.stderrText()).contains("pvd-no-such-program-xyz");
  }

  @Test
  void stdoutAndStderrStayApart() throws Exception {
    ExecResult r = shell().run(Exec.of("sh", "-c", "printf out1; printf err1 >&2; printf out2; printf err2 >&2; exit 3"));
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.stdoutText()).isEqualTo("out1out2");
    assertThat(r.stderrText()).isEqualTo("err1err2");
  }

  @Test
  void binaryOutputArrivesIntact() throws Exception {
    ExecResult r = shell().run(Exec.of("printf", "\\000\\001\\377\\n\\r\\200"));
    assertThat(r.stdout()).containsExactly(0, 1, 0xff, '\n', '\r', 0x80);
  }

  @Test
  void severalMegabytesOfStdinArriveIntactFromBytes() throws Exception {
    byte[] data = random(6 * 1024 * 1024 + 17, 1);
    ExecResult r = shell().run(Exec.builder("cat").stdin(data).timeout(timeout()).build());
    assertThat(r.exitCode()).isZero();
    assertThat(Arrays.equals(r.stdout(), data)).as("6 MiB echoed intact").isTrue();
  }

  @Test
  void stdinStreamIsReadToItsEnd() throws Exception {
    byte[] data = random(3 * 1024 * 1024 + 5, 2);
    ExecResult r = shell().run(Exec.builder("wc", "-c").stdin(new ByteArrayInputStream(data)).timeout(timeout()).build());
    assertThat(r.stdoutText().strip()).isEqualTo(String.valueOf(data.length));
  }

  @Test
  void noStdinMeansEndOfFileAtOnce() throws Exception {
    ExecResult r = shell().run(Exec.builder("cat").timeout(Duration.ofSeconds(20)).build());
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).isEmpty();
  }

  @Test
  void execStreamsOutputIntoSinks() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = shell().exec(Exec.of("sh", "-c", "echo a; echo b >&2"), out, err);
    assertThat(code).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("a\n");
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("b\n");
  }

  @Test
  void putAndReadRoundTripBinaryWithMode() throws Exception {
    byte[] data = random(1024 * 1024 + 3, 3);
    String path = scratch + "/sub/dir/file.bin";
    shell().put(path, data, FileOptions.mode(0640));
    assertThat(shell().read(path)).isEqualTo(data);
    assertThat(stat(path)).startsWith("640 ");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    shell().read(path, out);
    assertThat(out.toByteArray()).isEqualTo(data);
  }

  @Test
  void putFromAStreamReplacesTheFileWhole() throws Exception {
    String path = scratch + "/replace.txt";
    shell().put(path, "old content that is longer".getBytes(StandardCharsets.UTF_8), FileOptions.defaults());
    InputStream in = new ByteArrayInputStream("new".getBytes(StandardCharsets.UTF_8));
    shell().put(path, in, FileOptions.mode(0600));
    assertThat(new String(shell().read(path), StandardCharsets.UTF_8)).isEqualTo("new");
    assertThat(stat(path)).startsWith("600 ");
    ExecResult leftovers = shell().run(Exec.of("sh", "-c", "ls -A \"$1\"", "sh", scratch));
    assertThat(leftovers.stdoutText().lines()).as("no temp file left").containsExactly(".keep", "replace.txt");
  }

  @Test
  void putSetsOwnerAndGroupOrRefusesWithATypedError() throws Exception {
    String path = scratch + "/owned";
    FileOptions owned = FileOptions.mode(0440).withOwner("nobody", "nogroup");
    if (canChown()) {
      shell().put(path, new byte[] {1, 2, 3}, owned);
      assertThat(stat(path)).isEqualTo("440 nobody nogroup");
    } else {
      // A shell whose user may not chown must say so, not quietly leave the file as its own.
      assertThatThrownBy(() -> shell().put(path, new byte[] {1, 2, 3}, owned))
          .isInstanceOf(DockerGuestException.class);
    }
  }

  @Test
  void putAndReadPathsWithShellMetacharacters() throws Exception {
    String dir = scratch + "/we ird $(touch " + scratch + "/pwned) `x` 'q' \"d\" ;|&*? é";
    String path = dir + "/file $HOME.txt";
    shell().put(path, "content".getBytes(StandardCharsets.UTF_8), FileOptions.defaults());
    assertThat(new String(shell().read(path), StandardCharsets.UTF_8)).isEqualTo("content");
    assertThat(shell().exists(path)).isTrue();
    assertThat(shell().exists(scratch + "/pwned")).isFalse();
    ExecResult ls = shell().run(Exec.of("ls", "--", dir));
    assertThat(ls.stdoutText()).isEqualTo("file $HOME.txt\n");
  }

  @Test
  void putOfEmptyContent() throws Exception {
    String path = scratch + "/empty";
    shell().put(path, new byte[0], FileOptions.defaults());
    assertThat(shell().read(path)).isEmpty();
  }

  @Test
  void readingAMissingFileFails() {
    assertThatThrownBy(() -> shell().read(scratch + "/missing"))
        .isInstanceOf(CommandFailedException.class)
        .hasMessageContaining(scratch + "/missing");
  }

  @Test
  void putIntoAnUnwritablePlaceFailsAndLeavesNothing() {
    assertThatThrownBy(() -> shell().put("/proc/pvd-contract/file", new byte[] {1}, FileOptions.defaults()))
        .isInstanceOf(CommandFailedException.class)
        .hasMessageContaining("/proc/pvd-contract/file");
  }

  @Test
  void relativeOrControlCharacterPathsAreRefused() {
    assertThatThrownBy(() -> shell().put("relative/file", new byte[0], FileOptions.defaults()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> shell().read(scratch + "/new\nline"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void nulInAnArgumentIsRefusedBeforeAnythingRuns() {
    assertThatThrownBy(() -> Exec.of("echo", "a\0b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("argument 1")
        .hasMessageNotContaining("a\0b");
  }

  @Test
  void aCommandThatOutlivesItsTimeoutIsKilled() throws Exception {
    String marker = scratch + "/survived";
    long start = System.nanoTime();
    assertThatThrownBy(() -> shell().run(Exec.builder("sh", "-c", "sleep 3; touch \"$1\"", "sh", marker)
            .timeout(Duration.ofMillis(1500)).build()))
        .isInstanceOf(CommandTimeoutException.class)
        .hasMessageContaining("sh")
        .satisfies(e -> assertThat(((CommandTimeoutException) e).reason())
            .isEqualTo(GuestShellException.Reason.TIMEOUT));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    Thread.sleep(3500);
    assertThat(shell().exists(marker)).as("the command was killed, not left running").isFalse();
  }

  @Test
  void theShellIsUsableFromSeveralThreads() throws Exception {
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < 6; i++) {
      int n = i;
      Thread t = new Thread(() -> {
        try {
          ExecResult r = shell().run(Exec.of("printf", "%s", "thread-" + n));
          assertThat(r.stdoutText()).isEqualTo("thread-" + n);
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failures).isEmpty();
  }

  // ------------------------------------------------------------------ helpers

  protected String stat(String path) throws Exception {
    return shell().run(Exec.of("stat", "-c", "%a %U %G", "--", path)).orThrow("stat").stdoutText().strip();
  }

  protected static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  protected static List<String> splitNul(byte[] bytes) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        out.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    return out;
  }

}
