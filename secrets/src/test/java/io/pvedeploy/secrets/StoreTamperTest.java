package io.pvedeploy.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.pvedeploy.secrets.StoreTamperedException.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way the file can be changed outside the store is caught and named. */
class StoreTamperTest {
  @TempDir Path dir;
  final AgeIdentity me = AgeIdentity.generate();
  Path file;

  @BeforeEach
  void store() throws Exception {
    file = dir.resolve("app.secrets");
    SecretStore store = SecretStore.create(file, me);
    store.put("api_token", Secret.ofUtf8("token-value"));
    store.put("db_password", Secret.ofUtf8("password-value"));
    store.put("smtp_password", Secret.ofUtf8("smtp-value"));
  }

  @Test
  void untouchedFileOpens() throws Exception {
    assertThat(SecretStore.open(file, me).names()).hasSize(3);
  }

  @Test
  void flippedByteInAValue() throws Exception {
    List<String> lines = lines();
    int i = indexOf(lines, "secret db_password ");
    String line = lines.get(i);
    int at = line.indexOf(" value=") + 40;
    char c = line.charAt(at);
    lines.set(i, line.substring(0, at) + (c == 'A' ? 'B' : 'A') + line.substring(at + 1));
    write(lines);
    StoreTamperedException e = tampered();
    assertThat(e.kind()).isEqualTo(Kind.VALUE_MODIFIED);
    assertThat(e.secretName()).contains("db_password");
    assertThat(e.line()).isEqualTo(i + 1);
    assertThat(e.getMessage()).contains("db_password").contains("version control");
  }

  @Test
  void flippedBitAnywhereFails() throws Exception {
    byte[] original = Files.readAllBytes(file);
    int firstSignificant = new String(original, StandardCharsets.UTF_8).indexOf("pvedeploy-secrets");
    for (int at = firstSignificant; at < original.length; at += 97) {
      byte[] changed = original.clone();
      changed[at] ^= 0x01;
      Files.write(file, changed);
      assertThat(catchThrowableOfType(() -> SecretStore.open(file, me), SecretsException.class))
          .as("byte %d flipped", at).isNotNull();
    }
  }

  @Test
  void valuesSwappedBetweenKeys() throws Exception {
    List<String> lines = lines();
    int a = indexOf(lines, "secret api_token ");
    int b = indexOf(lines, "secret db_password ");
    String va = value(lines.get(a));
    String vb = value(lines.get(b));
    lines.set(a, lines.get(a).replace(va, vb));
    lines.set(b, lines.get(b).replace(vb, va));
    write(lines);
    StoreTamperedException e = tampered();
    assertThat(e.kind()).isEqualTo(Kind.VALUE_SWAPPED);
    assertThat(e.secretName()).contains("api_token");
    assertThat(e.getMessage()).contains("api_token").contains("db_password");
  }

  @Test
  void wholeValueAndMacMovedToAnotherName() throws Exception {
    List<String> lines = lines();
    int a = indexOf(lines, "secret api_token ");
    int b = indexOf(lines, "secret db_password ");
    String tailA = lines.get(a).substring(lines.get(a).indexOf(" value="));
    String tailB = lines.get(b).substring(lines.get(b).indexOf(" value="));
    lines.set(a, lines.get(a).replace(tailA, tailB));
    lines.set(b, lines.get(b).replace(tailB, tailA));
    write(lines);
    assertThat(tampered().kind()).isEqualTo(Kind.VALUE_SWAPPED);
  }

  @Test
  void deletedEntry() throws Exception {
    List<String> lines = lines();
    lines.remove(indexOf(lines, "secret db_password "));
    write(lines);
    StoreTamperedException e = tampered();
    assertThat(e.kind()).isEqualTo(Kind.ENTRY_REMOVED);
    assertThat(e.secretName()).contains("db_password");
  }

  @Test
  void deletedLastEntry() throws Exception {
    List<String> lines = lines();
    lines.remove(indexOf(lines, "secret smtp_password "));
    write(lines);
    StoreTamperedException e = tampered();
    assertThat(e.kind()).isEqualTo(Kind.ENTRY_REMOVED);
    assertThat(e.secretName()).contains("smtp_password");
  }

  @Test
  void addedEntryFromAnOlderVersionOfTheSameStore() throws Exception {
    SecretStore store = SecretStore.open(file, me);
    store.put("cache_key", Secret.ofUtf8("old"));
    String resurrected = lines().get(indexOf(lines(), "secret cache_key "));
    store.delete("cache_key");
    List<String> lines = lines();
    lines.add(indexOf(lines, "secret db_password "), resurrected);
    write(lines);
    StoreTamperedException e = tampered();
    assertThat(e.kind()).isEqualTo(Kind.ENTRY_ADDED);
    assertThat(e.secretName()).contains("cache_key");
  }

  @Test
  void addedForgedEntry() throws Exception {
    List<String> lines = lines();
    String template = lines.get(indexOf(lines, "secret db_password "));
    String forged = template.replace("secret db_password after=api_token", "secret evil after=db_password");
    lines.add(indexOf(lines, "secret smtp_password "), forged);
    write(lines);
    StoreTamperedException e = tampered();
    assertThat(e.kind()).isEqualTo(Kind.ENTRY_ADDED);
    assertThat(e.secretName()).contains("evil");
  }

  @Test
  void appendedEntry() throws Exception {
    List<String> lines = lines();
    String template = lines.get(indexOf(lines, "secret smtp_password "));
    lines.add(lines.size() - 1, template.replace("secret smtp_password after=db_password", "secret zzz after=smtp_password"));
    write(lines);
    StoreTamperedException e = tampered();
    assertThat(e.kind()).isEqualTo(Kind.ENTRY_ADDED);
    assertThat(e.secretName()).contains("zzz");
  }

  @Test
  void truncatedFile() throws Exception {
    byte[] content = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(content, content.length * 2 / 3));
    assertThat(tampered().kind()).isEqualTo(Kind.TRUNCATED);
    String text = new String(content, StandardCharsets.UTF_8);
    Files.writeString(file, text.substring(0, text.lastIndexOf("end ")));
    assertThat(tampered().kind()).isEqualTo(Kind.TRUNCATED);
    Files.writeString(file, text.substring(0, text.length() - 10) + "\n");
    assertThat(tampered().kind()).isEqualTo(Kind.TRUNCATED);
  }

  @Test
  void recipientAddedByHand() throws Exception {
    List<String> lines = lines();
    AgeIdentity intruder = AgeIdentity.generate();
    int r = indexOf(lines, "recipient ");
    String mine = lines.get(r).substring("recipient ".length());
    lines.add(intruder.recipient().value().compareTo(mine) < 0 ? r : r + 1, "recipient " + intruder.recipient().value());
    write(lines);
    StoreTamperedException e = tampered();
    assertThat(e.kind()).isEqualTo(Kind.HEADER_MODIFIED);
    assertThat(e.secretName()).isEmpty();
  }

  @Test
  void datesChanged() throws Exception {
    List<String> lines = lines();
    int i = indexOf(lines, "secret smtp_password ");
    lines.set(i, lines.get(i).replaceFirst("created=\\d{4}", "created=2000"));
    write(lines);
    StoreTamperedException e = tampered();
    assertThat(e.kind()).isEqualTo(Kind.VALUE_MODIFIED);
    assertThat(e.secretName()).contains("smtp_password");
  }

  @Test
  void linesReordered() throws Exception {
    List<String> lines = lines();
    int a = indexOf(lines, "secret api_token ");
    int b = indexOf(lines, "secret db_password ");
    String t = lines.get(a);
    lines.set(a, lines.get(b));
    lines.set(b, t);
    write(lines);
    assertThat(tampered().kind()).isEqualTo(Kind.MALFORMED);
  }

  @Test
  void anotherStoreIsNotReadable() throws Exception {
    assertThat(catchThrowableOfType(() -> SecretStore.open(file, AgeIdentity.generate()), NotARecipientException.class))
        .isNotNull();
  }

  private StoreTamperedException tampered() {
    StoreTamperedException e = catchThrowableOfType(() -> SecretStore.open(file, me), StoreTamperedException.class);
    assertThat(e).as("opening the tampered store must fail with StoreTamperedException").isNotNull();
    return e;
  }

  private List<String> lines() throws Exception {
    return new ArrayList<>(Files.readAllLines(file));
  }

  private void write(List<String> lines) throws Exception {
    Files.writeString(file, String.join("\n", lines) + "\n");
  }

  private static int indexOf(List<String> lines, String prefix) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new AssertionError("no line starts with " + prefix);
  }

  private static String value(String line) {
    return line.replaceAll(".* value=(\\S+).*", "$1");
  }
}
