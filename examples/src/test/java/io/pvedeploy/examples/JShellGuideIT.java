package io.pvedeploy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * docs/jshell.md must work: every line typed at its {@code jshell>} prompts goes to the real
 * {@code jshell} tool, with the jar the guide names, and every answer the guide shows must come
 * back ({@code …} matching whatever differs from run to run).
 */
@Tag("integration")
class JShellGuideIT {
  private static final Path GUIDE = Path.of("..", "docs", "jshell.md");
  private static final Path JAR = Path.of("target", "pvedeploy-examples.jar");

  record Step(String input, String expected) {}

  @Test
  void theSessionInTheGuideRunsAndAnswersAsShown() throws Exception {
    assertThat(JAR).as("built at package, before integration tests").exists();
    List<Step> steps = steps(Files.readString(GUIDE));
    assertThat(steps).hasSizeGreaterThan(8);

    Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");
    Process process = new ProcessBuilder(jshell.toString(), "-q", "--class-path", JAR.toString())
        .redirectErrorStream(true).start();
    StringBuilder input = new StringBuilder();
    steps.forEach(step -> input.append(step.input()).append('\n'));
    input.append("/exit\n");
    process.getOutputStream().write(input.toString().getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();

    assertThat(output).as("the session's output").doesNotContain("|  Exception", "|  Error");
    for (Step step : steps) {
      if (step.expected() != null) {
        assertThat(output).as("answer to: %s", step.input()).containsPattern(pattern(step.expected()));
      }
    }
  }

  /** The typed lines of the guide's jshell block, each with the answer shown under it, if any. */
  static List<Step> steps(String guide) {
    String block = guide.substring(guide.indexOf("```jshell") + 9);
    block = block.substring(0, block.indexOf("```"));
    List<Step> steps = new ArrayList<>();
    String[] lines = block.split("\n");
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].startsWith("jshell> ")) {
        String next = i + 1 < lines.length ? lines[i + 1] : "";
        String expected = next.contains(" ==> ") ? next.substring(next.indexOf(" ==> ") + 5) : null;
        steps.add(new Step(lines[i].substring(8), expected));
      }
    }
    return steps;
  }

  /** The shown answer as a regex: literal, except that … matches anything on the line. */
  private static Pattern pattern(String expected) {
    StringBuilder regex = new StringBuilder("==> ");
    for (String part : expected.split("…", -1)) {
      if (regex.length() > 4) {
        regex.append(".*?");
      }
      regex.append(Pattern.quote(part));
    }
    return Pattern.compile(regex.toString());
  }
}
