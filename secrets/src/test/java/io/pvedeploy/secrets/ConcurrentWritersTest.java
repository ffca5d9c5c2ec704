package io.pvedeploy.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** N writers, each adding distinct keys to one file: none is lost. */
class ConcurrentWritersTest {
  @TempDir Path dir;

  @Test
  void writersInSeparateJvmsLoseNothing() throws Exception {
    AgeIdentity me = AgeIdentity.generate();
    Path key = dir.resolve("key.txt");
    me.write(key);
    Path store = dir.resolve("shared.secrets");
    int processes = 3;
    int each = 8;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> running = new ArrayList<>();
    for (int p = 0; p < processes; p++) {
      running.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
          StoreWriterMain.class.getName(), store.toString(), key.toString(), "proc" + p, String.valueOf(each))
          .redirectErrorStream(true).redirectOutput(dir.resolve("proc" + p + ".log").toFile()).start());
    }
    // This JVM writes at the same time.
    for (int i = 0; i < each; i++) {
      SecretStore.builder(store).identity(me).lockTimeout(Duration.ofMinutes(2)).openOrCreate()
          .put("main_" + i, Secret.ofUtf8("main-" + i));
    }
    for (int p = 0; p < processes; p++) {
      assertThat(running.get(p).waitFor(3, TimeUnit.MINUTES)).isTrue();
      assertThat(running.get(p).exitValue())
          .as("writer %d: %s", p, Files.readString(dir.resolve("proc" + p + ".log"))).isZero();
    }
    SecretStore result = SecretStore.open(store, me);
    Set<String> expected = new HashSet<>();
    for (int i = 0; i < each; i++) {
      expected.add("main_" + i);
      for (int p = 0; p < processes; p++) {
        expected.add("proc" + p + "_" + i);
      }
    }
    assertThat(result.names()).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(result.get("proc2_7").orElseThrow().asString()).isEqualTo("proc2-7");
    assertThat(result.audit().verify()).isInstanceOf(AuditCheck.Intact.class);
  }

  @Test
  void threadsWithSeparateInstancesLoseNothing() throws Exception {
    AgeIdentity me = AgeIdentity.generate();
    Path store = dir.resolve("threads.secrets");
    SecretStore.create(store, me);
    int threads = 6;
    int each = 10;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(pool.submit(() -> {
          SecretStore mine = SecretStore.open(store, me);
          for (int i = 0; i < each; i++) {
            mine.put("t" + id + "_" + i, Secret.ofUtf8("v"));
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(SecretStore.open(store, me).names()).hasSize(threads * each);
  }

  @Test
  void generateOnceHoldsUnderARace() throws Exception {
    AgeIdentity me = AgeIdentity.generate();
    Path store = dir.resolve("race.secrets");
    SecretStore.create(store, me);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Secret>> values = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        values.add(pool.submit(() -> SecretStore.open(store, me).getOrGenerate("db_password", Generators.password(32))));
      }
      Set<Secret> distinct = new HashSet<>();
      for (Future<Secret> f : values) {
        distinct.add(f.get(1, TimeUnit.MINUTES));
      }
      assertThat(distinct).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }
}
