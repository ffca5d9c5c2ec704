package io.pvedeploy.proxmox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Property test of the quoting: thousands of random argv full of shell metacharacters travel
 * through a real sshd and bash, and a remote {@code printf '%s\0'} must return every argument
 * byte for byte. Many argv share one ssh call to keep it fast.
 */
@Tag("integration")
class NodeShellQuotingIT {
  static final int ARGV_LISTS = 3000;
  static final int PER_CALL = 300;

  /** Characters and fragments that break naive quoting, plus plain letters. */
  static final String[] PIECES = {
    " ", "  ", "'", "''", "\"", "$(id)", "$(", ")", "`id`", "`", "\n", "\t", "\r", ";", "|", "&",
    "&&", "*", "?", "~", "~root", "\\", "\\'", "\\\\", "[a-z]", "{a,b}", "-", "--", "-rf", "$",
    "$HOME", "${x}", "$'\\n'", "!", "#", "%", "%s", "%%", "=", "<", ">", ">>", "\u0001", "\u007f",
    "é", "漢字", "😀", "ü\u0308", "\u00a0", "a", "b", "z", "0", "9", "x y", "/", ".", "..", ",",
  };

  static SshdFixture sshd;

  @BeforeAll
  static void start() throws Exception {
    sshd = SshdFixture.start();
  }

  @AfterAll
  static void stop() {
    if (sshd != null) {
      sshd.close();
    }
  }

  static List<List<String>> randomArgvs(long seed, int count) {
    Random random = new Random(seed);
    List<List<String>> all = new ArrayList<>();
    for (int n = 0; n < count; n++) {
      List<String> argv = new ArrayList<>();
      int args = 1 + random.nextInt(5);
      for (int a = 0; a < args; a++) {
        StringBuilder arg = new StringBuilder();
        int pieces = random.nextInt(7); // 0: the empty string
        if (random.nextInt(10) == 0) {
          arg.append('-'); // leading dash
        }
        for (int p = 0; p < pieces; p++) {
          arg.append(PIECES[random.nextInt(PIECES.length)]);
        }
        argv.add(arg.toString());
      }
      all.add(argv);
    }
    return all;
  }

  @Test
  void randomArgvArriveByteForByteThroughSshd() throws Exception {
    try (NodeShell node = sshd.shell().build()) {
      assertRoundTrip(node, randomArgvs(20240601L, ARGV_LISTS));
    }
  }

  @Test
  void randomArgvArriveByteForByteInAsciiOnlyMode() throws Exception {
    try (NodeShell node = sshd.shell().asciiOnlyCommandLines(true).build()) {
      // Each non-ASCII run costs the node a $(printf) subshell: fewer, still a thousand.
      assertRoundTrip(node, randomArgvs(20240602L, ARGV_LISTS / 3));
    }
    List<String> lines = sshd.commandLines();
    assertThat(lines.get(lines.size() - 1).chars().allMatch(c -> c < 0x80))
        .as("the command line sshd received is pure ASCII").isTrue();
  }

  @Test
  void quotedLinesMeanTheSameToDashAndBash() throws Exception {
    List<List<String>> argvs = randomArgvs(20240603L, ARGV_LISTS / 3);
    // bash in ASCII-only mode is covered through sshd above.
    assertLocalShell("/bin/dash", false, argvs);
    assertLocalShell("/bin/dash", true, argvs);
    assertLocalShell("/bin/bash", false, argvs);
  }

  private static void assertLocalShell(String shell, boolean ascii, List<List<String>> argvs)
      throws Exception {
    for (int from = 0; from < argvs.size(); from += PER_CALL) {
      List<String> args = flatten(argvs.subList(from, Math.min(argvs.size(), from + PER_CALL)));
      List<String> argv = new ArrayList<>(List.of("printf", "%s\\0"));
      argv.addAll(args);
      Process p = new ProcessBuilder(shell, "-c", ShellQuoting.quote(argv, ascii)).start();
      byte[] out = p.getInputStream().readAllBytes();
      assertThat(p.waitFor()).isZero();
      assertThat(out).as("%s, asciiOnly=%s, batch at %d", shell, ascii, from).isEqualTo(expected(args));
    }
  }

  private static void assertRoundTrip(NodeShell node, List<List<String>> argvs) throws Exception {
    for (int from = 0; from < argvs.size(); from += PER_CALL) {
      List<String> args = flatten(argvs.subList(from, Math.min(argvs.size(), from + PER_CALL)));
      List<String> argv = new ArrayList<>(List.of("printf", "%s\\0"));
      argv.addAll(args);
      RemoteCommandResult r = node.run(argv, Duration.ofSeconds(30));
      assertThat(r.stderrText()).isEmpty();
      assertThat(r.exitCode()).isZero();
      byte[] expected = expected(args);
      if (!java.util.Arrays.equals(r.stdout(), expected)) {
        // Name the first argument that differs, not just two big byte arrays.
        List<String> got = SshdFixture.splitNul(r.stdout());
        for (int i = 0; i < args.size(); i++) {
          assertThat(i < got.size() ? got.get(i) : null).as("argument %d of batch at %d", i, from)
              .isEqualTo(args.get(i));
        }
      }
      assertThat(r.stdout()).isEqualTo(expected);
    }
  }

  private static List<String> flatten(List<List<String>> argvs) {
    List<String> all = new ArrayList<>();
    argvs.forEach(all::addAll);
    return all;
  }

  private static byte[] expected(List<String> args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String a : args) {
      out.writeBytes(a.getBytes(StandardCharsets.UTF_8));
      out.write(0);
    }
    return out.toByteArray();
  }
}
