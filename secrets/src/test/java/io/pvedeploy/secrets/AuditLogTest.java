package io.pvedeploy.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
  @TempDir Path dir;
  final AgeIdentity me = AgeIdentity.generate();

  SecretStore store() throws Exception {
    SecretStore store = SecretStore.builder(dir.resolve("s.secrets")).identity(me).actor("ci@build-1").create();
    store.getOrGenerate("db_password", Generators.password(20));
    store.get("db_password");
    store.put("api_token", Secret.ofUtf8("t"));
    store.rotate("db_password", Generators.password(20));
    store.confirmRotation("db_password");
    store.addRecipient(AgeIdentity.generate().recipient());
    store.delete("api_token");
    return store;
  }

  @Test
  void recordsWhoWhatWhenAsTypedEntries() throws Exception {
    AuditLog log = store().audit();
    List<AuditEntry> entries = log.entries();
    assertThat(entries).extracting(AuditEntry::action).containsExactly(AuditAction.CREATE, AuditAction.GENERATE,
        AuditAction.READ, AuditAction.WRITE, AuditAction.ROTATE, AuditAction.CONFIRM_ROTATION,
        AuditAction.ADD_RECIPIENT, AuditAction.DELETE);
    assertThat(entries).allSatisfy(e -> assertThat(e.actor()).isEqualTo("ci@build-1"));
    assertThat(entries.get(2).secret()).contains("db_password");
    assertThat(entries.get(4).detail()).isEqualTo("version:2");
    assertThat(entries.get(6).detail()).startsWith("recipient:age1");
    assertThat(entries).extracting(AuditEntry::sequence).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    assertThat(log.verify()).isInstanceOfSatisfying(AuditCheck.Intact.class, i -> assertThat(i.entries()).isEqualTo(8));
    assertThat(log.file()).isEqualTo(dir.resolve("s.secrets.audit"));
  }

  @Test
  void anEditedLineBreaksTheChainThere() throws Exception {
    AuditLog log = store().audit();
    List<String> lines = new ArrayList<>(Files.readAllLines(log.file()));
    lines.set(3, lines.get(3).replace("actor=ci@build-1", "actor=someone-else"));
    Files.write(log.file(), lines);
    assertThat(log.verify()).isInstanceOfSatisfying(AuditCheck.Broken.class, b -> {
      assertThat(b.entry()).isEqualTo(5);
      assertThat(b.reason()).contains("prev hash");
    });
  }

  @Test
  void aRemovedLineIsFound() throws Exception {
    AuditLog log = store().audit();
    List<String> lines = new ArrayList<>(Files.readAllLines(log.file()));
    lines.remove(2);
    Files.write(log.file(), lines);
    assertThat(log.verify()).isInstanceOfSatisfying(AuditCheck.Broken.class, b -> assertThat(b.entry()).isEqualTo(3));
  }

  @Test
  void garbageIsReportedByVerifyAndRefusedByEntries() throws Exception {
    AuditLog log = store().audit();
    Files.writeString(log.file(), "not an entry\n", java.nio.file.StandardOpenOption.APPEND);
    assertThat(log.verify()).isInstanceOfSatisfying(AuditCheck.Broken.class, b -> assertThat(b.entry()).isEqualTo(9));
    assertThatThrownBy(log::entries).isInstanceOf(AuditLogException.class).hasMessageContaining("line 9");
  }
}
