package io.pvedeploy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's first command, end to end against the embedded sandbox. */
class QuickStartTest {

  @Test
  void toursAContainersLifeAndLeavesNothingBehind() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    new QuickStart(new PrintStream(captured, true, StandardCharsets.UTF_8)).run();
    String out = captured.toString(StandardCharsets.UTF_8);

    assertThat(out).contains("node pve1", "node pve2");
    assertThat(out).containsPattern("OK +create LxcSpec\\[vmid=\\d+");
    assertThat(out).contains("unprivileged=true features=nesting=1");
    assertThat(out).contains("keyctl through an API token is refused");
    assertThat(out).containsPattern("OK +start \\(vzstart\\)");
    assertThat(out).containsPattern("OK +vzdump to local \\(vzdump\\)");
    assertThat(out).contains("backup local:backup/vzdump-lxc-");
    assertThat(out).containsPattern("OK +destroy \\(vzdestroy\\)");
    assertThat(out).containsPattern("Container \\d+ is gone: yes");
  }
}
