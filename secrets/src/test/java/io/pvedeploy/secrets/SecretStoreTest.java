package io.pvedeploy.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pvedeploy.secrets.internal.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretStoreTest {
  @TempDir Path dir;
  final AgeIdentity me = AgeIdentity.generate();

  Path file() {
    return dir.resolve("app.secrets");
  }

  @Test
  void generateOnceAcrossThreeInstancesOnTheSameFile() throws Exception {
    SecretStore.create(file(), me);
    AtomicInteger generated = new AtomicInteger();
    Generator counting = random -> {
      generated.incrementAndGet();
      return Generators.password(32).generate(random);
    };
    Secret first = SecretStore.open(file(), me).getOrGenerate("db_password", counting);
    Secret second = SecretStore.open(file(), me).getOrGenerate("db_password", counting);
    Secret third = SecretStore.builder(file()).identity(AgeIdentity.fromSecret(me.toKeyFile())).open()
        .getOrGenerate("db_password", counting);
    assertThat(second).isEqualTo(first);
    assertThat(third).isEqualTo(first);
    assertThat(generated).hasValue(1);
    assertThat(SecretStore.open(file(), me).info("db_password").orElseThrow().version()).isEqualTo(1);
  }

  @Test
  void getPutDelete() throws Exception {
    SecretStore store = SecretStore.create(file(), me);
    assertThat(store.get("api_token")).isEmpty();
    store.put("api_token", Secret.ofUtf8("one"));
    store.put("api_token", Secret.ofUtf8("two"));
    assertThat(store.get("api_token").orElseThrow().asString()).isEqualTo("two");
    assertThat(store.info("api_token").orElseThrow().version()).isEqualTo(2);
    assertThat(store.names()).containsExactly("api_token");
    assertThat(store.delete("api_token")).isTrue();
    assertThat(store.delete("api_token")).isFalse();
    assertThat(SecretStore.open(file(), me).names()).isEmpty();
  }

  @Test
  void putAllWritesOnceAndAuditsEach() throws Exception {
    SecretStore store = SecretStore.create(file(), me);
    store.put("a", Secret.ofUtf8("0"));
    store.putAll(java.util.Map.of("a", Secret.ofUtf8("1"), "b", Secret.ofUtf8("2")));
    assertThat(store.get("a").orElseThrow().asString()).isEqualTo("1");
    assertThat(store.info("a").orElseThrow().version()).isEqualTo(2);
    assertThat(SecretStore.open(file(), me).get("b").orElseThrow().asString()).isEqualTo("2");
    assertThat(store.audit().entries()).extracting(AuditEntry::action).filteredOn(AuditAction.WRITE::equals).hasSize(3);
    assertThat(store.audit().verify()).isInstanceOf(AuditCheck.Intact.class);
  }

  @Test
  void anotherInstanceSeesWrites() throws Exception {
    SecretStore a = SecretStore.create(file(), me);
    SecretStore b = SecretStore.open(file(), me);
    a.put("x", Secret.ofUtf8("1"));
    b.put("y", Secret.ofUtf8("2"));
    assertThat(a.names()).containsExactly("x", "y");
    assertThat(SecretStore.open(file(), me).get("x").orElseThrow().asString()).isEqualTo("1");
  }

  @Test
  void createRefusesAnExistingFileAndOpenAMissingOne() throws Exception {
    SecretStore.create(file(), me);
    assertThatThrownBy(() -> SecretStore.create(file(), me)).isInstanceOf(StoreExistsException.class);
    assertThatThrownBy(() -> SecretStore.open(dir.resolve("none"), me)).isInstanceOf(StoreNotFoundException.class)
        .hasMessageContaining("openOrCreate");
    assertThat(SecretStore.builder(dir.resolve("new")).identity(me).openOrCreate().names()).isEmpty();
  }

  @Test
  void namesAreValidatedWithoutEchoingThem() throws Exception {
    SecretStore store = SecretStore.create(file(), me);
    for (String bad : List.of("", "Upper", "with space", "../etc", "-lead", "x".repeat(65), "a/b")) {
      assertThatThrownBy(() -> store.get(bad)).isInstanceOf(InvalidSecretNameException.class)
          .hasMessageContaining("[a-z0-9_][a-z0-9_.-]{0,63}");
    }
    assertThatThrownBy(() -> store.get("p@ssw0rd-value")).hasMessageNotContaining("p@ssw0rd");
    assertThat(store.get("ok.name-1_x")).isEmpty();
  }

  @Test
  void rotationKeepsPreviousUntilConfirmed() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    SecretStore store = SecretStore.builder(file()).identity(me).clock(clock).create();
    Secret v1 = store.getOrGenerate("db_password", Generators.password(24));
    clock.advance(Duration.ofDays(10));
    Secret v2 = store.rotate("db_password", Generators.password(24));
    assertThat(v2).isNotEqualTo(v1);
    assertThat(store.get("db_password").orElseThrow()).isEqualTo(v2);
    assertThat(store.getOrGenerate("db_password", Generators.password(24))).isEqualTo(v2);
    assertThat(store.previous("db_password").orElseThrow()).isEqualTo(v1);
    SecretInfo info = store.info("db_password").orElseThrow();
    assertThat(info.version()).isEqualTo(2);
    assertThat(info.rotationPending()).isTrue();
    assertThat(info.created()).isEqualTo(Instant.parse("2025-01-01T00:00:00Z"));
    assertThat(info.rotated()).isEqualTo(Instant.parse("2025-01-11T00:00:00Z"));
    assertThatThrownBy(() -> store.rotate("db_password", Generators.password(24)))
        .isInstanceOf(RotationPendingException.class).hasMessageContaining("confirmRotation");
    store.confirmRotation("db_password");
    assertThat(store.previous("db_password")).isEmpty();
    assertThatThrownBy(() -> store.confirmRotation("db_password")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.rotate("nope", Generators.hex(16))).isInstanceOf(SecretNotFoundException.class);
  }

  @Test
  void dueListsValuesOlderThanTheMaximumAge() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    SecretStore store = SecretStore.builder(file()).identity(me).clock(clock).create();
    store.put("old", Secret.ofUtf8("a"));
    clock.advance(Duration.ofDays(50));
    store.put("newer", Secret.ofUtf8("b"));
    clock.advance(Duration.ofDays(50));
    assertThat(store.due(Duration.ofDays(90))).extracting(SecretInfo::name).containsExactly("old");
    assertThat(store.due(Duration.ofDays(30))).extracting(SecretInfo::name).containsExactly("old", "newer");
    store.rotate("old", Generators.hex(16));
    assertThat(store.due(Duration.ofDays(30))).extracting(SecretInfo::name).containsExactly("newer");
  }

  @Test
  void addedRecipientReadsEverythingRemovedOneNothingNew() throws Exception {
    AgeIdentity other = AgeIdentity.generate();
    SecretStore store = SecretStore.create(file(), me);
    store.put("a", Secret.ofUtf8("alpha"));
    assertThatThrownBy(() -> SecretStore.open(file(), other)).isInstanceOf(NotARecipientException.class)
        .hasMessageContaining(other.recipient().value()).hasMessageContaining("addRecipient");
    assertThat(store.addRecipient(other.recipient())).isTrue();
    assertThat(store.addRecipient(other.recipient())).isFalse();
    assertThat(SecretStore.open(file(), other).get("a").orElseThrow().asString()).isEqualTo("alpha");
    String dataKeyBefore = line("data-key");

    assertThat(store.removeRecipient(other.recipient())).isTrue();
    store.put("b", Secret.ofUtf8("beta"));
    assertThat(line("data-key")).isNotEqualTo(dataKeyBefore);
    assertThatThrownBy(() -> SecretStore.open(file(), other)).isInstanceOf(NotARecipientException.class);
    for (String valueLine : Files.readAllLines(file()).stream().filter(l -> l.startsWith("secret ")).toList()) {
      byte[] cipher = java.util.Base64.getDecoder().decode(valueLine.replaceAll(".* value=(\\S+).*", "$1"));
      assertThatThrownBy(() -> Age.decrypt(cipher, other)).isInstanceOf(DecryptionException.class);
    }
    assertThat(store.recipients()).containsExactly(me.recipient());
    assertThatThrownBy(() -> store.removeRecipient(me.recipient())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("only recipient");
  }

  @Test
  void cannotRemoveItsOwnIdentity() throws Exception {
    AgeIdentity other = AgeIdentity.generate();
    SecretStore store = SecretStore.create(file(), me, other.recipient());
    assertThatThrownBy(() -> store.removeRecipient(me.recipient())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("opened with");
  }

  @Test
  void aCrashBeforeTheRenameLeavesTheOldFile() throws Exception {
    SecretStore store = SecretStore.create(file(), me);
    store.put("kept", Secret.ofUtf8("v1"));
    byte[] before = Files.readAllBytes(file());
    AtomicFiles.beforeRenameHook(temp -> {
      throw new IOException("simulated crash");
    });
    try {
      assertThatThrownBy(() -> store.put("lost", Secret.ofUtf8("v2"))).isInstanceOf(StoreIoException.class)
          .hasMessageContaining("intact");
    } finally {
      AtomicFiles.beforeRenameHook(null);
    }
    assertThat(Files.readAllBytes(file())).isEqualTo(before);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
    }
    assertThat(SecretStore.open(file(), me).names()).containsExactly("kept");
  }

  @Test
  void aWriteWithoutTheLockIsAConflictNotALostUpdate() throws Exception {
    SecretStore store = SecretStore.create(file(), me);
    store.put("a", Secret.ofUtf8("1"));
    Path elsewhere = dir.resolve("copy.secrets");
    Generator sneaky = random -> {
      try {
        // An editor saves the file while we hold the lock: a valid store, but not the one we read.
        SecretStore.create(elsewhere, me).put("b", Secret.ofUtf8("2"));
        Files.copy(elsewhere, file(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return Secret.ofUtf8("3");
    };
    assertThatThrownBy(() -> store.getOrGenerate("c", sneaky)).isInstanceOf(StoreConflictException.class)
        .hasMessageContaining("without the lock");
  }

  @Test
  void theFileReadsInADiff() throws Exception {
    SecretStore store = SecretStore.create(file(), me);
    store.put("b_second", Secret.ofUtf8("2"));
    store.put("a_first", Secret.ofUtf8("1"));
    List<String> lines = Files.readAllLines(file());
    assertThat(lines).filteredOn(l -> !l.startsWith("#")).first().isEqualTo("pvedeploy-secrets version=1");
    assertThat(lines).filteredOn(l -> l.startsWith("secret "))
        .extracting(l -> l.split(" ")[1] + " " + l.split(" ")[2]).containsExactly("a_first after=-", "b_second after=a_first");
    assertThat(lines.get(lines.size() - 1)).startsWith("end count=2 last=b_second mac=");
  }

  private String line(String prefix) throws IOException {
    return Files.readAllLines(file()).stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
  }
}
