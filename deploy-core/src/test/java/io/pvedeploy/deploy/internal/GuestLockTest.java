package io.pvedeploy.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pvedeploy.deploy.DeploymentLockedException;
import io.pvedeploy.deploy.LockHolder;
import io.pvedeploy.docker.LocalShell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deploy lock's shell commands, run for real by {@code sh} on this machine (a guest's shell). */
class GuestLockTest {
  @TempDir Path base;

  private GuestLock lock() {
    return new GuestLock(LocalShell.create(), base.resolve("demo").toString(), "demo");
  }

  @Test
  void aHeldLockRefusesTheNextApplierAndNamesTheHolder() throws Exception {
    GuestLock.Acquired first = lock().acquire("apply of demo: 3 step(s)");
    assertThat(first.deployed()).as("no deployed.json yet").isEmpty();

    assertThatThrownBy(() -> lock().acquire("apply of demo: 1 step(s)"))
        .isInstanceOfSatisfying(DeploymentLockedException.class, e -> {
          assertThat(e.holder().holder()).isEqualTo(GuestLock.whoAmI()).contains(" pid " + ProcessHandle.current().pid());
          assertThat(e.holder().message()).isEqualTo("apply of demo: 3 step(s)");
          assertThat(e.holder().since()).isBetween(Instant.now().minusSeconds(60), Instant.now());
        })
        .hasMessageContaining("demo on " + LocalShell.create().target() + " is locked by " + GuestLock.whoAmI())
        .hasMessageContaining("Nothing was changed").hasMessageContaining("Deployer.unlock(spec)");

    assertThat(lock().holder()).map(LockHolder::message).contains("apply of demo: 3 step(s)");
    lock().release("not-the-token");
    assertThat(lock().holder()).as("another applier's token does not release it").isPresent();
    lock().release(first.token());
    assertThat(lock().holder()).isEmpty();
    assertThat(base.resolve("demo/" + GuestLock.DIR)).doesNotExist();
    lock().release(lock().acquire("again").token());
  }

  @Test
  void breakingTheLockRemovesItWhoeverHoldsItAndSaysWho() throws Exception {
    assertThat(lock().breakLock()).isEmpty();
    lock().acquire("db migration until 14:00");
    assertThat(lock().breakLock()).map(LockHolder::message).contains("db migration until 14:00");
    assertThat(lock().holder()).isEmpty();
  }

  @Test
  void takingTheLockReadsDeployedJsonInTheSameRoundTrip() throws Exception {
    DeployedState state = new DeployedState("r2", "b2", Map.of("app:2", "sha256:2"), Map.of("db_password", 1), "d");
    Files.createDirectories(base.resolve("demo"));
    Files.writeString(base.resolve("demo/deployed.json"), state.toJson());
    GuestLock.Acquired acquired = lock().acquire("apply");
    assertThat(acquired.deployed()).contains(state);
  }

  @Test
  void ofManyAppliersAtOnceExactlyOneGetsTheLock() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> tries = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        Callable<String> attempt = () -> {
          try {
            return lock().acquire("racer").token();
          } catch (DeploymentLockedException e) {
            return "refused";
          }
        };
        tries.add(pool.submit(attempt));
      }
      List<String> outcomes = new ArrayList<>();
      for (Future<String> t : tries) {
        outcomes.add(t.get());
      }
      assertThat(outcomes).filteredOn(o -> !o.equals("refused")).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aHalfWrittenHolderIsReportedAsUnknown() throws Exception {
    Files.createDirectories(base.resolve("demo/" + GuestLock.DIR));
    assertThatThrownBy(() -> lock().acquire("apply")).isInstanceOfSatisfying(DeploymentLockedException.class,
        e -> assertThat(e.holder().holder()).startsWith("(unknown"));
    assertThat(GuestLock.parse("{\"holder\":\"x\"")).isEmpty();
  }
}
