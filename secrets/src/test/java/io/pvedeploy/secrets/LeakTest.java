package io.pvedeploy.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every public operation with a known secret and checks that the value shows up in no log
 * line (SLF4J through slf4j-simple to System.err, captured here), no exception message (with its
 * causes), no toString, no audit line and not in clear in the store file.
 */
class LeakTest {
  static final String CANARY = "Canary-9f3b1c77-value";
  static final String ROTATED = "Rotated-4e0d88a1-value";

  @TempDir Path dir;
  final List<String> seen = new ArrayList<>();

  @Test
  void theValueAppearsNowhere() throws Exception {
    PrintStream originalErr = System.err;
    PrintStream originalOut = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
    System.setErr(capture);
    System.setOut(capture);
    try {
      exerciseEverything();
    } finally {
      System.setErr(originalErr);
      System.setOut(originalOut);
    }
    String logs = captured.toString(StandardCharsets.UTF_8);
    assertThat(logs).as("slf4j-simple output is captured").contains("Generated secret 'db_password'")
        .contains("env file");
    for (String secret : List.of(CANARY, ROTATED, Base64.getEncoder().encodeToString(CANARY.getBytes(StandardCharsets.UTF_8)))) {
      assertThat(logs).doesNotContain(secret);
      assertThat(seen).allSatisfy(text -> assertThat(text).doesNotContain(secret));
      assertThat(Files.readString(dir.resolve("app.secrets"))).doesNotContain(secret);
      assertThat(Files.readString(dir.resolve("app.secrets.audit"))).doesNotContain(secret);
    }
    assertThat(seen).hasSizeGreaterThan(30);
  }

  private void exerciseEverything() throws Exception {
    AgeIdentity me = AgeIdentity.generate();
    AgeIdentity other = AgeIdentity.generate();
    Path file = dir.resolve("app.secrets");
    Secret canary = Secret.ofUtf8(CANARY);
    Generator rotated = random -> Secret.ofUtf8(ROTATED);
    Generator fixed = random -> Secret.ofUtf8(CANARY);

    SecretStore store = SecretStore.builder(file).identity(me).actor("leak-test").lockTimeout(Duration.ofSeconds(5)).create();
    see(store, canary, me, me.recipient());
    see(store.getOrGenerate("db_password", fixed));
    see(store.getOrGenerate("db_password", fixed));
    store.put("api_token", canary);
    see(store.get("api_token"), store.get("api_token").orElseThrow());
    see(store.info("api_token"), store.list(), store.names(), store.recipients(), store.due(Duration.ZERO));
    see(store.rotate("api_token", rotated));
    see(store.previous("api_token"));
    store.confirmRotation("api_token");
    store.addRecipient(other.recipient());
    store.removeRecipient(other.recipient());
    SecretFiles files = store.files("db_password", "api_token");
    see(files, files.list(), files.composeSection("./secrets"), files.writeTo(dir.resolve("out")));
    see(store.renderEnvFileWeaker("A=${db_password}\n"));
    Files.writeString(dir.resolve("tpl"), "A=${db_password}\n");
    store.writeEnvFileWeaker(dir.resolve("tpl"), dir.resolve("env"));
    see(store.audit(), store.audit().entries(), store.audit().verify());
    see(SecretStore.open(file, me));
    see(Age.encrypt(canary, List.of(me.recipient())).length);

    // Every failure path that can be reached with the value at hand.
    fail(() -> store.get(CANARY));
    fail(() -> {
      store.put(CANARY, canary);
      return null;
    });
    fail(() -> store.getOrGenerate(CANARY, fixed));
    fail(() -> store.rotate(CANARY, fixed));
    fail(() -> store.files(CANARY));
    fail(() -> store.renderEnvFileWeaker("A=${" + CANARY + "}\n"));
    store.put("multi", Secret.ofUtf8(CANARY + "\n" + CANARY));
    fail(() -> store.renderEnvFileWeaker("A=${multi}\n"));
    store.rotate("db_password", rotated);
    fail(() -> store.rotate("db_password", fixed));
    fail(() -> {
      store.confirmRotation("nope");
      return null;
    });
    fail(() -> AgeRecipient.parse(CANARY));
    fail(() -> Generators.password(CANARY, 0));
    fail(() -> SecretStore.open(file, other));
    fail(() -> Age.decrypt(Age.encrypt(canary, List.of(me.recipient())), other));
    fail(() -> Secret.of(new byte[] {(byte) 0xff}).asString());
    Files.writeString(dir.resolve("bad-key"), CANARY + "\n");
    fail(() -> AgeIdentity.read(dir.resolve("bad-key")));
    fail(() -> AgeIdentity.fromSecret(canary));
    String content = Files.readString(file);
    Files.writeString(file, content.replaceFirst("value=([A-Za-z0-9+/]{30})A", "value=$1B").replaceFirst("value=([A-Za-z0-9+/]{30})[^A]", "value=$1A"));
    fail(() -> SecretStore.open(file, me));
    Files.writeString(file, content.substring(0, content.length() / 2));
    fail(() -> SecretStore.open(file, me));
    fail(() -> store.delete("db_password"));
    Files.writeString(file, content);
    see(store.delete("db_password"));
  }

  private void see(Object... things) {
    for (Object thing : things) {
      seen.add(String.valueOf(thing));
    }
  }

  interface Failing {
    Object run() throws Exception;
  }

  private void fail(Failing action) {
    try {
      see(action.run());
    } catch (Throwable e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        seen.add(String.valueOf(t.getMessage()));
        seen.add(t.toString());
      }
      ByteArrayOutputStream trace = new ByteArrayOutputStream();
      e.printStackTrace(new PrintStream(trace, true, StandardCharsets.UTF_8));
      seen.add(trace.toString(StandardCharsets.UTF_8));
      return;
    }
    throw new AssertionError("expected a failure");
  }
}
