package io.pvedeploy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.pvedeploy.deploy.ApplyEvent;
import io.pvedeploy.deploy.Change;
import io.pvedeploy.deploy.PlanStep;
import io.pvedeploy.docker.TransferEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's display where there is no terminal (a CI log, a pipe): plain lines, no escape codes. */
class DemoProgressTest {

  @Test
  void withoutATerminalEachStepAndEachShippedLayerIsOnePlainLine() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DemoProgress progress = new DemoProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
    PlanStep step = new PlanStep.Create("image[demo/app:1]", List.of(Change.set("id", "sha256:ab")));
    progress.accept(new ApplyEvent.StepStarted(step, 4, 7));
    progress.accept(new ApplyEvent.ImageProgress(step, "demo/app:1",
        new TransferEvent.Planned("sha256:ab", 3, 2, 3 * 1024 * 1024)));
    progress.accept(new ApplyEvent.ImageProgress(step, "demo/app:1",
        new TransferEvent.LayerFinished("sha256:ab", 1, "sha256:l1", 1024 * 1024)));
    progress.accept(new ApplyEvent.ImageProgress(step, "demo/app:1",
        new TransferEvent.LayerFinished("sha256:ab", 2, "sha256:l2", 2 * 1024 * 1024)));
    progress.accept(new ApplyEvent.ImageProgress(step, "demo/app:1", new TransferEvent.Verified("sha256:ab", "demo/app:1")));
    progress.accept(new ApplyEvent.StepFinished(step, Duration.ofMillis(12_340)));

    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("""
        [4/7] create image[demo/app:1]
              sending 2 of 3 layers, 3.0 MiB
              a layer of 1.0 MiB sent; 1.0 MiB of 3.0 MiB so far
              a layer of 2.0 MiB sent; 3.0 MiB of 3.0 MiB so far
              loaded and verified demo/app:1
              done in 12.3 s
        """);
  }

  @Test
  void aRollbackIsTwoLinesTheEventAndTheFailure() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DemoProgress progress = new DemoProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
    PlanStep step = new PlanStep.Update("release", List.of(Change.update("id", "aa", "bb")));
    progress.accept(new ApplyEvent.StepStarted(step, 1, 1));
    progress.accept(new ApplyEvent.RollingBack(step, "bb", "aa", "backend is unhealthy"));
    progress.accept(new ApplyEvent.StepFailed(step, new Exception("release bb of demo failed its health gate")));

    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("""
        [1/1] update release
              release bb is not healthy; bringing release aa back up
              FAILED: release bb of demo failed its health gate
        """);
  }
}
