package io.pvedeploy.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PlanTest {
  static final String BASIS = "sha256:" + "ab".repeat(32);
  static final String OTHER = "sha256:" + "cd".repeat(32);

  static Plan firstDeploy() {
    return new Plan("shop", List.of(
        new PlanStep.Create("guest.lxc[151]", List.of(Change.set("cores", 2), Change.set("memory", 2048),
            Change.set("hostname", "shop"))),
        new PlanStep.Create("secret[db_password]", List.of(Change.sensitive("value"))),
        new PlanStep.Update("release", List.of(Change.update("id", "aaa", "bbb"))),
        new PlanStep.NoOp("docker.engine")), List.of(), BASIS);
  }

  @Test
  void aPlanPrintsLikeTerraformWithASummaryLine() {
    assertThat(firstDeploy().render()).isEqualTo("""
        pvedeploy will perform the following actions for shop:

          # guest.lxc[151] will be created
          + guest.lxc[151] {
              + cores    = 2
              + memory   = 2048
              + hostname = "shop"
            }

          # secret[db_password] will be created
          + secret[db_password] {
              + value = (sensitive)
            }

          # release will be updated in-place
          ~ release {
              ~ id = "aaa" -> "bbb"
            }

        Plan: 2 to add, 1 to change, 0 to destroy.
        """);
  }

  @Test
  void replacementsAndDeletionsAreMarkedDestructiveAndCountedTwiceOrOnce() {
    Plan plan = new Plan("shop", List.of(
        new PlanStep.Replace("guest.lxc[151]", List.of(Change.update("unprivileged", 0, 1).forcingReplacement())),
        new PlanStep.Delete("image[shop/old:1]", List.of(Change.remove("id", "sha256:1")))), List.of(), BASIS);
    assertThat(plan.isDestructive()).isTrue();
    assertThat(plan.toAdd()).isEqualTo(1);
    assertThat(plan.toDestroy()).isEqualTo(2);
    assertThat(plan.render())
        .contains("-/+ guest.lxc[151] {\n      ~ unprivileged = 0 -> 1 # forces replacement\n")
        .contains("  - image[shop/old:1] {\n      - id = \"sha256:1\"")
        .endsWith("Plan: 1 to add, 0 to change, 2 to destroy.\n");
  }

  @Test
  void nothingToDoPrintsNoChangesAndWarningsStillShow() {
    Plan plan = new Plan("shop", List.of(new PlanStep.NoOp("guest.lxc[151]")),
        List.of("guest.lxc[151] runs privileged: legacy NFS mount"), BASIS);
    assertThat(plan.hasChanges()).isFalse();
    assertThat(plan.render()).isEqualTo("""
        Warnings:
          ! guest.lxc[151] runs privileged: legacy NFS mount

        No changes. The deployment of shop matches its spec.
        """);
  }

  @Test
  void sensitiveChangesHoldNoValueEvenWhenGivenOne() {
    Change c = new Change("value", Optional.of("hunter2-before"), Optional.of("hunter2-after"), true, false);
    assertThat(c.before()).isEmpty();
    assertThat(c.after()).isEmpty();
    Plan plan = new Plan("shop", List.of(new PlanStep.Update("secret[db]", List.of(c))), List.of(), BASIS);
    assertThat(plan.render()).contains("~ value = (sensitive) -> (sensitive)").doesNotContain("hunter2");
    assertThat(plan.toJson()).doesNotContain("hunter2").contains("\"sensitive\": true");
    assertThat(plan.toString()).doesNotContain("hunter2");
  }

  @Test
  void theJsonFormCarriesActionsChangesAndTheSummary() {
    String json = firstDeploy().toJson();
    assertThat(json).contains("\"format_version\": 1").contains("\"basis\": \"" + BASIS + "\"")
        .contains("\"action\": \"create\"").contains("\"action\": \"update\"").contains("\"action\": \"no-op\"")
        .contains("\"attribute\": \"memory\"").contains("\"after\": \"2048\"").contains("\"before\": null")
        .contains("\"add\": 2").contains("\"change\": 1").contains("\"destroy\": 0");
  }

  @Test
  void aStalePlanIsRefusedNamingBothStates() throws Exception {
    Plan plan = firstDeploy();
    plan.checkBasis(BASIS);
    assertThatThrownBy(() -> plan.checkBasis(OTHER)).isInstanceOfSatisfying(StalePlanException.class, e -> {
      assertThat(e.planBasis()).isEqualTo(BASIS);
      assertThat(e.currentBasis()).isEqualTo(OTHER);
      assertThat(e.getMessage()).contains("nothing was changed").contains("sha256:abababab");
    });
  }

  @Test
  void badStepsAndPlansAreRefused() {
    assertThatThrownBy(() -> new PlanStep.Update("release", List.of())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NoOp");
    assertThatThrownBy(() -> new PlanStep.NoOp("two\nlines")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PlanStep.NoOp(" padded")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Plan("shop", List.of(), List.of(), "md5:00")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sha256");
    assertThatThrownBy(() -> Change.set(" ", 1)).isInstanceOf(IllegalArgumentException.class);
  }
}
