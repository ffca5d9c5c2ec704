package io.pvedeploy.secrets;

import io.pvedeploy.secrets.StoreTamperedException.Kind;
import io.pvedeploy.secrets.internal.AgeCodec;
import io.pvedeploy.secrets.internal.AtomicFiles;
import io.pvedeploy.secrets.internal.Macs;
import io.pvedeploy.secrets.internal.StoreFormat;
import io.pvedeploy.secrets.internal.StoreFormat.Entry;
import io.pvedeploy.secrets.internal.StoreLock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An age-encrypted secrets store in one text file: names in clear, each value a separate age
 * ciphertext for every recipient, the whole set under a MAC (docs/secrets-format.md).
 *
 * <pre>{@code
 * AgeIdentity me = AgeIdentity.read(Path.of("key.txt"));
 * SecretStore store = SecretStore.builder(Path.of("app.secrets")).identity(me).actor("ci").openOrCreate();
 * Secret dbPassword = store.getOrGenerate("db_password", Generators.password(32));
 * }</pre>
 *
 * <p><b>Generate once.</b> {@link #getOrGenerate} returns the stored value whenever there is one,
 * forever, until someone {@link #rotate}s it: a redeploy never changes a password that a database
 * read only when its data directory was empty.
 *
 * <p><b>Concurrency.</b> Every operation takes the store's lock ({@code FILE.lock}: an OS file
 * lock for other processes, a JVM lock for other instances), reloads the file if another writer
 * changed it, applies itself to the newest content, checks that the file is still the one it read
 * (compare-and-swap on its SHA-256) and replaces it by atomic rename of a synced temp file. Two
 * writers never lose each other's write; a crash leaves the old file. An instance is safe to
 * share between threads.
 *
 * <p><b>Audit.</b> Every plaintext handed out, every write, rotation and recipient change is
 * appended to the {@linkplain #audit() audit log}; values never are, nor are they logged, put in
 * exception messages or printed by any {@code toString}.
 */
public final class SecretStore {
  private static final Logger LOG = LoggerFactory.getLogger(SecretStore.class);
  private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\$\\{|\\$\\{([^}]*)}");

  private final Path file;
  private final Path lockFile;
  private final AgeIdentity identity;
  private final String actor;
  private final Clock clock;
  private final SecureRandom random;
  private final Duration lockTimeout;
  private final AuditLog audit;
  private State state;

  /** What was read from the file, verified. */
  private record State(List<String> recipients, String dataKey, byte[] macKey,
      TreeMap<String, Entry> entries, byte[] contentHash, Object fileKey, long size, FileTime modified) {}

  private SecretStore(Builder b) {
    this.file = b.file;
    this.lockFile = b.file.resolveSibling(b.file.getFileName() + ".lock");
    this.identity = b.identity;
    this.actor = b.actor;
    this.clock = b.clock;
    this.random = b.random;
    this.lockTimeout = b.lockTimeout;
    this.audit = new AuditLog(b.auditLog != null ? b.auditLog : b.file.resolveSibling(b.file.getFileName() + ".audit"));
  }

  /** Starts configuring a store at {@code file}. */
  public static Builder builder(Path file) {
    return new Builder(file);
  }

  /** Opens an existing store with the defaults of {@link Builder}. */
  public static SecretStore open(Path file, AgeIdentity identity) throws SecretsException {
    return builder(file).identity(identity).open();
  }

  /**
   * Creates a store at {@code file} readable by {@code identity} and {@code others}; it must not
   * exist.
   */
  public static SecretStore create(Path file, AgeIdentity identity, AgeRecipient... others) throws SecretsException {
    return builder(file).identity(identity).create(others);
  }

  /** How a store is opened: its file, who opens it, and how it behaves. */
  public static final class Builder {
    private final Path file;
    private AgeIdentity identity;
    private String actor = defaultActor();
    private Clock clock = Clock.systemUTC();
    private SecureRandom random = new SecureRandom();
    private Duration lockTimeout = Duration.ofSeconds(30);
    private Path auditLog;

    private Builder(Path file) {
      if (file == null) {
        throw new IllegalArgumentException("the store file must not be null");
      }
      this.file = file.toAbsolutePath().normalize();
    }

    /** The identity that decrypts: one of the store's recipients. Required. */
    public Builder identity(AgeIdentity identity) {
      this.identity = Objects.requireNonNull(identity, "identity");
      return this;
    }

    /**
     * Who is acting, for the audit log: e.g. {@code ci@build-17} or {@code alice}. Defaults to
     * {@code user@host}. Letters, digits and {@code _.@:+/,-}, at most 200 characters.
     */
    public Builder actor(String actor) {
      if (!AuditLog.validActor(actor)) {
        throw new IllegalArgumentException("an audit actor is 1 to 200 of [A-Za-z0-9_.@:+/,-],"
            + " e.g. 'ci@build-17'");
      }
      this.actor = actor;
      return this;
    }

    /** The audit log file; {@code FILE.audit} beside the store by default. */
    public Builder auditLog(Path auditLog) {
      this.auditLog = Objects.requireNonNull(auditLog, "auditLog").toAbsolutePath().normalize();
      return this;
    }

    /** The clock for created/rotated dates and audit times; UTC system clock by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The randomness for generated values and data keys; a fresh {@link SecureRandom} by default. */
    public Builder random(SecureRandom random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** How long to wait for another writer's lock; 30 s by default. */
    public Builder lockTimeout(Duration lockTimeout) {
      if (lockTimeout == null || lockTimeout.isNegative()) {
        throw new IllegalArgumentException("the lock timeout must be zero or positive");
      }
      this.lockTimeout = lockTimeout;
      return this;
    }

    /**
     * Opens the existing store and verifies it whole.
     *
     * @throws StoreNotFoundException if there is no file
     * @throws NotARecipientException if the identity cannot read it
     * @throws StoreTamperedException if it does not verify
     */
    public SecretStore open() throws SecretsException {
      SecretStore store = new SecretStore(checked());
      store.locked(() -> {
        store.load();
        return null;
      });
      return store;
    }

    /**
     * Creates a new store readable by the identity and {@code others}.
     *
     * @throws StoreExistsException if the file exists
     */
    public SecretStore create(AgeRecipient... others) throws SecretsException {
      SecretStore store = new SecretStore(checked());
      store.locked(() -> {
        store.createFile(others);
        return null;
      });
      return store;
    }

    /**
     * Opens the store, or creates it (readable by the identity and {@code others}) if there is
     * none, under the lock: two processes racing here end up with one store.
     */
    public SecretStore openOrCreate(AgeRecipient... others) throws SecretsException {
      SecretStore store = new SecretStore(checked());
      store.locked(() -> {
        if (Files.exists(store.file)) {
          store.load();
        } else {
          store.createFile(others);
        }
        return null;
      });
      return store;
    }

    private Builder checked() {
      if (identity == null) {
        throw new IllegalStateException("a store needs an identity to decrypt: builder(file)"
            + ".identity(AgeIdentity.read(keyFile))");
      }
      return this;
    }

    private static String defaultActor() {
      String user = System.getProperty("user.name", "unknown");
      String host = System.getenv("HOSTNAME");
      if (host == null) {
        try {
          host = Files.readString(Path.of("/etc/hostname")).strip();
        } catch (IOException | RuntimeException e) {
          host = "localhost";
        }
      }
      String actor = (user + "@" + host).replaceAll("[^A-Za-z0-9_.@:+/,-]", "_");
      return actor.length() > 200 ? actor.substring(0, 200) : actor;
    }
  }

  // ---------------------------------------------------------------- reading

  /** The store file. */
  public Path file() {
    return file;
  }

  /** The recipients every value is encrypted to, sorted. */
  public synchronized List<AgeRecipient> recipients() throws SecretsException {
    return locked(() -> state.recipients.stream().map(AgeRecipient::new).toList());
  }

  /** The names of all secrets, sorted. */
  public synchronized Set<String> names() throws SecretsException {
    return locked(() -> new TreeSet<>(state.entries.keySet()));
  }

  /** What the store knows of every secret, by name; decrypts nothing. */
  public synchronized List<SecretInfo> list() throws SecretsException {
    return locked(() -> state.entries.values().stream().map(SecretStore::info).toList());
  }

  /** What the store knows of one secret; decrypts nothing. */
  public synchronized Optional<SecretInfo> info(String name) throws SecretsException {
    checkName(name);
    return locked(() -> Optional.ofNullable(state.entries.get(name)).map(SecretStore::info));
  }

  /**
   * The secrets whose current value is older than {@code maxAge} (by their rotated date),
   * oldest first: what a rotation policy should rotate now.
   */
  public synchronized List<SecretInfo> due(Duration maxAge) throws SecretsException {
    if (maxAge == null || maxAge.isNegative()) {
      throw new IllegalArgumentException("the maximum age must be zero or positive, e.g. Duration.ofDays(90)");
    }
    Instant now = clock.instant();
    return locked(() -> state.entries.values().stream()
        .filter(e -> !e.rotated().plus(maxAge).isAfter(now))
        .sorted(Comparator.comparing(Entry::rotated).thenComparing(Entry::name))
        .map(SecretStore::info)
        .toList());
  }

  /** A secret's value, decrypted (and audited as a read), or empty if there is none. */
  public synchronized Optional<Secret> get(String name) throws SecretsException {
    checkName(name);
    return locked(() -> {
      Entry e = state.entries.get(name);
      if (e == null) {
        return Optional.empty();
      }
      Secret value = decrypt(e, e.value(), "value");
      audit(AuditAction.READ, name, "version:" + e.version());
      return Optional.of(value);
    });
  }

  /**
   * The value kept since the last unconfirmed {@link #rotate}, for an application that still
   * uses it; empty when no rotation is pending.
   */
  public synchronized Optional<Secret> previous(String name) throws SecretsException {
    checkName(name);
    return locked(() -> {
      Entry e = state.entries.get(name);
      if (e == null || e.previous() == null) {
        return Optional.empty();
      }
      Secret value = decrypt(e, e.previous(), "previous value");
      audit(AuditAction.READ, name, "previous:version:" + (e.version() - 1));
      return Optional.of(value);
    });
  }

  /**
   * The stored value if there is one, unchanged; otherwise a new value from {@code generator},
   * stored before it is returned. Asked again, by any process, it returns that same value until
   * the secret is rotated or deleted.
   */
  public synchronized Secret getOrGenerate(String name, Generator generator) throws SecretsException {
    checkName(name);
    Objects.requireNonNull(generator, "generator");
    return locked(() -> {
      Entry existing = state.entries.get(name);
      if (existing != null) {
        Secret value = decrypt(existing, existing.value(), "value");
        audit(AuditAction.READ, name, "version:" + existing.version());
        return value;
      }
      Secret value = generate(generator, name);
      Instant now = now();
      TreeMap<String, Entry> entries = new TreeMap<>(state.entries);
      entries.put(name, new Entry(name, "", 1, now, now, encrypt(value, state.recipients), null, "", 0));
      commit(state.recipients, state.dataKey, state.macKey, entries);
      audit(AuditAction.GENERATE, name, "version:1");
      LOG.info("Generated secret '{}' in {}", name, file);
      return value;
    });
  }

  // ---------------------------------------------------------------- writing

  /** Stores {@code value} under {@code name}, replacing any value (the version goes up by one). */
  public synchronized void put(String name, Secret value) throws SecretsException {
    checkName(name);
    Objects.requireNonNull(value, "value");
    locked(() -> {
      Instant now = now();
      Entry old = state.entries.get(name);
      Entry e = old == null
          ? new Entry(name, "", 1, now, now, encrypt(value, state.recipients), null, "", 0)
          : new Entry(name, "", old.version() + 1, old.created(), now, encrypt(value, state.recipients),
              old.previous(), "", 0);
      TreeMap<String, Entry> entries = new TreeMap<>(state.entries);
      entries.put(name, e);
      commit(state.recipients, state.dataKey, state.macKey, entries);
      audit(AuditAction.WRITE, name, "version:" + e.version());
      LOG.info("Wrote secret '{}' (version {}) in {}", name, e.version(), file);
      return null;
    });
  }

  /**
   * Stores many values in one write (one lock, one file replacement), as {@link #put} would one
   * by one: for imports and large stores.
   */
  public synchronized void putAll(Map<String, Secret> values) throws SecretsException {
    Objects.requireNonNull(values, "values");
    values.keySet().forEach(SecretStore::checkName);
    values.values().forEach(v -> Objects.requireNonNull(v, "value"));
    locked(() -> {
      Instant now = now();
      TreeMap<String, Entry> entries = new TreeMap<>(state.entries);
      for (Map.Entry<String, Secret> v : values.entrySet()) {
        Entry old = entries.get(v.getKey());
        String cipher = encrypt(v.getValue(), state.recipients);
        entries.put(v.getKey(), old == null
            ? new Entry(v.getKey(), "", 1, now, now, cipher, null, "", 0)
            : new Entry(v.getKey(), "", old.version() + 1, old.created(), now, cipher, old.previous(), "", 0));
      }
      commit(state.recipients, state.dataKey, state.macKey, entries);
      List<AuditLog.Event> events = new ArrayList<>(values.size());
      for (String name : values.keySet()) {
        events.add(new AuditLog.Event(AuditAction.WRITE, name, "version:" + state.entries.get(name).version()));
      }
      audit.appendAll(clock.instant(), actor, events);
      LOG.info("Wrote {} secrets in {}", values.size(), file);
      return null;
    });
  }

  /** Deletes a secret and any previous value. @return whether there was one */
  public synchronized boolean delete(String name) throws SecretsException {
    checkName(name);
    return locked(() -> {
      if (!state.entries.containsKey(name)) {
        return false;
      }
      TreeMap<String, Entry> entries = new TreeMap<>(state.entries);
      entries.remove(name);
      commit(state.recipients, state.dataKey, state.macKey, entries);
      audit(AuditAction.DELETE, name, null);
      LOG.info("Deleted secret '{}' from {}", name, file);
      return true;
    });
  }

  /**
   * Replaces a secret's value with a new one from {@code generator}, keeping the old one as
   * {@linkplain #previous previous} until {@link #confirmRotation} says the application uses
   * the new one.
   *
   * @return the new value
   * @throws SecretNotFoundException if there is no such secret
   * @throws RotationPendingException if the last rotation is not confirmed yet
   */
  public synchronized Secret rotate(String name, Generator generator) throws SecretsException {
    checkName(name);
    Objects.requireNonNull(generator, "generator");
    return locked(() -> {
      Entry old = requireEntry(name, "rotate");
      if (old.previous() != null) {
        throw new RotationPendingException("secret '" + name + "' has an unconfirmed rotation"
            + " (version " + old.version() + " replaced " + (old.version() - 1) + " at " + old.rotated()
            + "); call confirmRotation(\"" + name + "\") once the application uses it, then rotate again");
      }
      Secret value = generate(generator, name);
      Entry e = new Entry(name, "", old.version() + 1, old.created(), now(), encrypt(value, state.recipients),
          old.value(), "", 0);
      TreeMap<String, Entry> entries = new TreeMap<>(state.entries);
      entries.put(name, e);
      commit(state.recipients, state.dataKey, state.macKey, entries);
      audit(AuditAction.ROTATE, name, "version:" + e.version());
      LOG.info("Rotated secret '{}' to version {} in {}; the previous value is kept until confirmed",
          name, e.version(), file);
      return value;
    });
  }

  /**
   * Forgets the previous value of a rotated secret: the application now uses the new one.
   *
   * @throws SecretNotFoundException if there is no such secret
   * @throws IllegalStateException if no rotation is pending
   */
  public synchronized void confirmRotation(String name) throws SecretsException {
    checkName(name);
    locked(() -> {
      Entry old = requireEntry(name, "confirm the rotation of");
      if (old.previous() == null) {
        throw new IllegalStateException("secret '" + name + "' has no rotation to confirm (version "
            + old.version() + " is current and nothing older is kept)");
      }
      Entry e = new Entry(name, "", old.version(), old.created(), old.rotated(), old.value(), null, "", 0);
      TreeMap<String, Entry> entries = new TreeMap<>(state.entries);
      entries.put(name, e);
      commit(state.recipients, state.dataKey, state.macKey, entries);
      audit(AuditAction.CONFIRM_ROTATION, name, "version:" + e.version());
      return null;
    });
  }

  /**
   * Adds a recipient: every value (and previous value) is re-encrypted to the new list, under a
   * new data key. @return false if it already was one
   */
  public synchronized boolean addRecipient(AgeRecipient recipient) throws SecretsException {
    Objects.requireNonNull(recipient, "recipient");
    return locked(() -> {
      if (state.recipients.contains(recipient.value())) {
        return false;
      }
      TreeSet<String> recipients = new TreeSet<>(state.recipients);
      recipients.add(recipient.value());
      reencrypt(List.copyOf(recipients));
      audit(AuditAction.ADD_RECIPIENT, null, "recipient:" + recipient.value());
      LOG.info("Added recipient {} to {}; {} values re-encrypted", recipient, file, state.entries.size());
      return true;
    });
  }

  /**
   * Removes a recipient: the data key is replaced and every value re-encrypted without it, so
   * nothing written from now on is readable by it. Values it could read before may be in its
   * copies or in version control: rotate those that matter.
   *
   * @return false if it was not a recipient
   * @throws IllegalArgumentException for the last recipient, or this store's own identity
   */
  public synchronized boolean removeRecipient(AgeRecipient recipient) throws SecretsException {
    Objects.requireNonNull(recipient, "recipient");
    return locked(() -> {
      if (!state.recipients.contains(recipient.value())) {
        return false;
      }
      if (state.recipients.size() == 1) {
        throw new IllegalArgumentException("cannot remove " + recipient + ": it is the store's only"
            + " recipient and nobody could read the store afterwards. Add another recipient first");
      }
      if (recipient.equals(identity.recipient())) {
        throw new IllegalArgumentException("cannot remove " + recipient + ": it is the identity this"
            + " store was opened with, which could not read the result. Remove it from a store opened"
            + " by another recipient");
      }
      List<String> recipients = new ArrayList<>(state.recipients);
      recipients.remove(recipient.value());
      reencrypt(List.copyOf(recipients));
      audit(AuditAction.REMOVE_RECIPIENT, null, "recipient:" + recipient.value());
      LOG.info("Removed recipient {} from {}; data key rotated, {} values re-encrypted", recipient, file,
          state.entries.size());
      return true;
    });
  }

  /** The store's audit trail. */
  public AuditLog audit() {
    return audit;
  }

  // ---------------------------------------------------------------- rendering

  /**
   * The named secrets as files (mode 0400 unless changed), decrypted now and audited as reads.
   *
   * @throws SecretNotFoundException naming every missing secret
   */
  public synchronized SecretFiles files(String... names) throws SecretsException {
    if (names == null || names.length == 0) {
      throw new IllegalArgumentException("name at least one secret to render as a file");
    }
    Set<String> wanted = new LinkedHashSet<>(Arrays.asList(names));
    wanted.forEach(SecretStore::checkName);
    return locked(() -> new SecretFiles(decryptAll(wanted, "render:files"), 0400, null, null));
  }

  /**
   * <b>The weaker option:</b> fills an env-file template with secret values. Prefer {@link
   * #files}: values in an env file end up in the container's environment, where {@code docker
   * inspect}, {@code /proc/PID/environ}, crash reports and child processes see them. Use this only
   * for an image that reads nothing but environment variables.
   *
   * <p>Template convention: {@code ${name}} anywhere on a line is replaced by the secret {@code
   * name}'s value ({@code POSTGRES_PASSWORD=${db_password}}, {@code
   * URL=postgres://app:${db_password}@db/app}); {@code $${} writes a literal {@code ${}; every
   * other character, comment and blank line is copied unchanged. A value is inserted as is, so it
   * must not hold a line break (refused); generate env-bound values with {@link
   * Generators#SAFE_ALPHABET}, which needs no quoting.
   *
   * @return the rendered file's content; write it with mode 0600 at most
   * @throws SecretNotFoundException naming every referenced secret the store lacks
   */
  public synchronized Secret renderEnvFileWeaker(String template) throws SecretsException {
    Objects.requireNonNull(template, "template");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = ENV_REFERENCE.matcher(template);
    while (m.find()) {
      if (m.group(1) != null) {
        String name = m.group(1);
        if (!StoreFormat.NAME.matcher(name).matches()) {
          throw new InvalidSecretNameException("the env template references ${…} with "
              + name.length() + " characters that are not a secret name ([a-z0-9_][a-z0-9_.-]{0,63});"
              + " write $${ for a literal ${");
        }
        names.add(name);
      }
    }
    return locked(() -> {
      Map<String, Secret> values = decryptAll(names, "render:env");
      LOG.warn("Rendering {} secret(s) into an env file from {}: env values are visible in docker"
          + " inspect and /proc; prefer SecretStore.files(...)", values.size(), file);
      StringBuilder out = new StringBuilder(template.length() + 64 * values.size());
      Matcher r = ENV_REFERENCE.matcher(template);
      int at = 0;
      try {
        while (r.find()) {
          out.append(template, at, r.start());
          if (r.group(1) == null) {
            out.append("${");
          } else {
            String text = values.get(r.group(1)).asString();
            if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0 || text.indexOf('\0') >= 0) {
              throw new IllegalStateException("secret '" + r.group(1) + "' holds a line break or NUL and"
                  + " cannot go in an env file; deliver it with files(\"" + r.group(1) + "\")");
            }
            out.append(text);
          }
          at = r.end();
        }
        out.append(template, at, template.length());
        Secret rendered = Secret.ofUtf8(out);
        return rendered;
      } finally {
        out.setLength(0);
        out.trimToSize();
        values.values().forEach(Secret::destroy);
      }
    });
  }

  /**
   * <b>The weaker option</b> ({@link #renderEnvFileWeaker}): reads {@code template} (e.g. {@code
   * .env.template}) and writes the result to {@code output} with mode 0600, atomically.
   */
  public void writeEnvFileWeaker(Path template, Path output) throws SecretsException {
    String text;
    try {
      text = Files.readString(template, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new StoreIoException("cannot read the env template " + template + ": " + e.getMessage(), e);
    }
    Secret rendered = renderEnvFileWeaker(text);
    byte[] bytes = rendered.bytes();
    try {
      AtomicFiles.write(output, bytes, 0600, true);
    } catch (IOException e) {
      throw new StoreIoException("cannot write the env file " + output + ": " + e.getMessage(), e);
    } finally {
      Arrays.fill(bytes, (byte) 0);
      rendered.destroy();
    }
  }

  @Override
  public String toString() {
    return "SecretStore[" + file + ", " + identity.recipient() + "]";
  }

  // ---------------------------------------------------------------- internals

  @FunctionalInterface
  private interface Op<T> {
    T run() throws SecretsException;
  }

  private <T> T locked(Op<T> op) throws SecretsException {
    StoreLock.Held held;
    try {
      held = StoreLock.acquire(lockFile, lockTimeout);
    } catch (StoreLock.TimeoutException e) {
      throw new StoreLockedException("the store " + file + " stayed locked for " + lockTimeout
          + " (" + e.getMessage() + "); another deploy may be running. Wait and retry, or raise"
          + " lockTimeout", e);
    } catch (IOException e) {
      throw new StoreIoException("cannot take the lock " + lockFile + ": " + e.getMessage(), e);
    }
    try (held) {
      if (state != null) {
        refresh();
      }
      return op.run();
    } catch (IOException e) {
      throw new StoreIoException("cannot release the lock " + lockFile + ": " + e.getMessage(), e);
    }
  }

  /** Reloads when the file is not the one last read (rename gives a new inode; size, time). */
  private void refresh() throws SecretsException {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      if (Objects.equals(a.fileKey(), state.fileKey) && a.size() == state.size
          && a.lastModifiedTime().equals(state.modified)) {
        return;
      }
    } catch (NoSuchFileException e) {
      throw new StoreNotFoundException("the store file " + file + " was removed while open; restore"
          + " it from version control or a backup", e);
    } catch (IOException e) {
      throw new StoreIoException("cannot read the store file " + file + ": " + e.getMessage(), e);
    }
    load();
  }

  private void load() throws SecretsException {
    byte[] content;
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class);
      content = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new StoreNotFoundException("no secrets store at " + file + "; create one with"
          + " SecretStore.create(file, identity) or builder(file).openOrCreate()", e);
    } catch (IOException e) {
      throw new StoreIoException("cannot read the store file " + file + ": " + e.getMessage(), e);
    }
    StoreFormat.Parsed parsed = StoreFormat.parse(new String(content, StandardCharsets.UTF_8));
    byte[] dataKey = openDataKey(parsed);
    byte[] macKey = Macs.hkdf(dataKey, Macs.MAC_KEY_INFO);
    Arrays.fill(dataKey, (byte) 0);
    StoreFormat.verify(parsed, macKey);
    TreeMap<String, Entry> entries = new TreeMap<>();
    for (Entry e : parsed.entries()) {
      entries.put(e.name(), e);
    }
    if (state != null) {
      Arrays.fill(state.macKey, (byte) 0);
    }
    state = new State(parsed.recipients(), parsed.dataKey(), macKey, entries, Macs.sha256().digest(content),
        attributes.fileKey(), attributes.size(), attributes.lastModifiedTime());
    LOG.debug("Loaded {} ({} secrets, {} recipients)", file, entries.size(), parsed.recipients().size());
  }

  private byte[] openDataKey(StoreFormat.Parsed parsed) throws SecretsException {
    if (!parsed.recipients().contains(identity.recipient().value())) {
      throw new NotARecipientException("the identity " + identity.recipient() + " is not a recipient"
          + " of " + file + " (recipients: " + String.join(", ", parsed.recipients()) + "). Ask one of"
          + " them to run store.addRecipient(AgeRecipient.parse(\"" + identity.recipient() + "\"))");
    }
    byte[] cipher;
    try {
      cipher = Base64.getDecoder().decode(parsed.dataKey());
    } catch (IllegalArgumentException e) {
      throw StoreFormat.tampered(Kind.MALFORMED, null, 0, "the data-key line is not base64");
    }
    byte[] dataKey;
    try {
      dataKey = AgeCodec.decrypt(cipher, identity.reader());
    } catch (GeneralSecurityException e) {
      throw StoreFormat.tampered(Kind.HEADER_MODIFIED, null, 0, "the data key does not decrypt with "
          + identity.recipient() + ", which the recipient list names: the data-key line was replaced"
          + " or the recipient line added");
    }
    if (dataKey.length != 32) {
      Arrays.fill(dataKey, (byte) 0);
      throw StoreFormat.tampered(Kind.HEADER_MODIFIED, null, 0, "the data key is " + dataKey.length
          + " bytes, not 32: the data-key line was replaced");
    }
    return dataKey;
  }

  private void createFile(AgeRecipient... others) throws SecretsException {
    if (Files.exists(file)) {
      throw new StoreExistsException("a store file already exists at " + file + "; open it with"
          + " SecretStore.open(file, identity) or builder(file).openOrCreate()");
    }
    TreeSet<String> recipients = new TreeSet<>();
    recipients.add(identity.recipient().value());
    for (AgeRecipient r : others) {
      recipients.add(Objects.requireNonNull(r, "recipient").value());
    }
    byte[] dataKey = new byte[32];
    random.nextBytes(dataKey);
    String dataKeyCipher = encryptBytes(dataKey, List.copyOf(recipients));
    byte[] macKey = Macs.hkdf(dataKey, Macs.MAC_KEY_INFO);
    Arrays.fill(dataKey, (byte) 0);
    StoreFormat.Rendered rendered = StoreFormat.render(List.copyOf(recipients), dataKeyCipher, List.of(), macKey);
    byte[] content = rendered.text().getBytes(StandardCharsets.UTF_8);
    try {
      AtomicFiles.write(file, content, 0600, false);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      throw new StoreExistsException("a store file appeared at " + file + " while creating it", e);
    } catch (IOException e) {
      throw new StoreIoException("cannot create the store file " + file + ": " + e.getMessage(), e);
    }
    setState(List.copyOf(recipients), dataKeyCipher, macKey, rendered, content);
    audit(AuditAction.CREATE, null, "recipients:" + recipients.size());
    LOG.info("Created secrets store {} for {} recipient(s)", file, recipients.size());
  }

  /** Re-encrypts every value and previous value to {@code recipients} under a new data key. */
  private void reencrypt(List<String> recipients) throws SecretsException {
    TreeMap<String, Entry> entries = new TreeMap<>();
    for (Entry e : state.entries.values()) {
      String value = reencrypt(e, e.value(), "value", recipients);
      String previous = e.previous() == null ? null : reencrypt(e, e.previous(), "previous value", recipients);
      entries.put(e.name(), new Entry(e.name(), "", e.version(), e.created(), e.rotated(), value, previous, "", 0));
    }
    byte[] dataKey = new byte[32];
    random.nextBytes(dataKey);
    String dataKeyCipher = encryptBytes(dataKey, recipients);
    byte[] macKey = Macs.hkdf(dataKey, Macs.MAC_KEY_INFO);
    Arrays.fill(dataKey, (byte) 0);
    commit(recipients, dataKeyCipher, macKey, entries);
  }

  private String reencrypt(Entry e, String cipher, String what, List<String> recipients) throws SecretsException {
    Secret plain = decrypt(e, cipher, what);
    try {
      return encrypt(plain, recipients);
    } finally {
      plain.destroy();
    }
  }

  /** Compare-and-swap: writes only if the file is still the one this instance verified. */
  private void commit(List<String> recipients, String dataKeyCipher, byte[] macKey, TreeMap<String, Entry> entries)
      throws SecretsException {
    StoreFormat.Rendered rendered = StoreFormat.render(recipients, dataKeyCipher, List.copyOf(entries.values()), macKey);
    byte[] content = rendered.text().getBytes(StandardCharsets.UTF_8);
    try {
      byte[] current = Files.readAllBytes(file);
      if (!MessageDigest.isEqual(Macs.sha256().digest(current), state.contentHash)) {
        throw new StoreConflictException("the store file " + file + " changed although this process"
            + " held its lock: something wrote it without the lock (an editor, git checkout). Nothing"
            + " was written; retry the operation, which will verify the new content");
      }
      int mode = modeOf(file);
      AtomicFiles.write(file, content, mode, true);
    } catch (NoSuchFileException e) {
      throw new StoreNotFoundException("the store file " + file + " was removed while open", e);
    } catch (IOException e) {
      throw new StoreIoException("cannot write the store file " + file + " (the previous version is"
          + " intact): " + e.getMessage(), e);
    }
    if (macKey != state.macKey) {
      Arrays.fill(state.macKey, (byte) 0);
    }
    setState(recipients, dataKeyCipher, macKey, rendered, content);
  }

  private void setState(List<String> recipients, String dataKeyCipher, byte[] macKey,
      StoreFormat.Rendered rendered, byte[] content) throws SecretsException {
    TreeMap<String, Entry> entries = new TreeMap<>();
    for (Entry e : rendered.entries()) {
      entries.put(e.name(), e);
    }
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      state = new State(List.copyOf(recipients), dataKeyCipher, macKey, entries, Macs.sha256().digest(content),
          a.fileKey(), a.size(), a.lastModifiedTime());
    } catch (IOException e) {
      throw new StoreIoException("cannot read the store file " + file + " back: " + e.getMessage(), e);
    }
  }

  private static int modeOf(Path path) throws IOException {
    int mode = 0;
    for (PosixFilePermission p : Files.getPosixFilePermissions(path)) {
      mode |= 1 << (8 - p.ordinal());
    }
    return mode;
  }

  private Map<String, Secret> decryptAll(Set<String> names, String detail) throws SecretsException {
    List<String> missing = names.stream().filter(n -> !state.entries.containsKey(n)).toList();
    if (!missing.isEmpty()) {
      throw new SecretNotFoundException("the store " + file + " holds no secret named " + missing
          + "; create them with put or getOrGenerate first");
    }
    Map<String, Secret> values = new LinkedHashMap<>();
    for (String name : names) {
      Entry e = state.entries.get(name);
      values.put(name, decrypt(e, e.value(), "value"));
    }
    List<AuditLog.Event> events = new ArrayList<>(names.size());
    for (String name : names) {
      events.add(new AuditLog.Event(AuditAction.READ, name, detail + ":version:" + state.entries.get(name).version()));
    }
    audit.appendAll(clock.instant(), actor, events);
    return values;
  }

  private Entry requireEntry(String name, String what) throws SecretNotFoundException {
    Entry e = state.entries.get(name);
    if (e == null) {
      throw new SecretNotFoundException("cannot " + what + " secret '" + name + "': the store " + file
          + " holds no secret of that name (names: " + abbreviated(state.entries.keySet()) + ")");
    }
    return e;
  }

  private Secret decrypt(Entry e, String cipherText, String what) throws SecretsException {
    byte[] cipher;
    try {
      cipher = Base64.getDecoder().decode(cipherText);
    } catch (IllegalArgumentException ex) {
      throw new DecryptionException("the " + what + " of secret '" + e.name() + "' is not base64"
          + " although its MAC holds: it was written by a faulty tool", ex);
    }
    try {
      return Secret.wrap(AgeCodec.decrypt(cipher, identity.reader()));
    } catch (GeneralSecurityException ex) {
      throw new DecryptionException("the " + what + " of secret '" + e.name() + "' does not decrypt"
          + " with " + identity.recipient() + " although its MAC holds: it was encrypted for other"
          + " recipients by a faulty writer. Ask a recipient who can read it to put it again", ex);
    }
  }

  private String encrypt(Secret value, List<String> recipients) {
    byte[] plain = value.bytes();
    try {
      return encryptBytes(plain, recipients);
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  private static String encryptBytes(byte[] plain, List<String> recipients) {
    try {
      return Base64.getEncoder().encodeToString(AgeCodec.encrypt(plain, recipients));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot do age's X25519/ChaCha20-Poly1305", e);
    }
  }

  private Secret generate(Generator generator, String name) {
    Secret value = generator.generate(random);
    if (value == null) {
      throw new IllegalStateException("the generator for '" + name + "' returned null");
    }
    return value;
  }

  private Instant now() {
    return StoreFormat.truncate(clock.instant());
  }

  private void audit(AuditAction action, String name, String detail) throws StoreIoException {
    audit.append(clock.instant(), actor, action, name, detail);
  }

  private static SecretInfo info(Entry e) {
    return new SecretInfo(e.name(), e.version(), e.created(), e.rotated(), e.previous() != null);
  }

  private static String abbreviated(Set<String> names) {
    if (names.size() <= 10) {
      return names.toString();
    }
    return names.stream().limit(10).toList() + " and " + (names.size() - 10) + " more";
  }

  /** Validates a secret name without ever echoing it: it might be a value passed by mistake. */
  static void checkName(String name) {
    if (name == null) {
      throw new InvalidSecretNameException("a secret name must not be null");
    }
    if (!StoreFormat.NAME.matcher(name).matches()) {
      int bad = 0;
      while (bad < name.length() && (bad == 0 ? "abcdefghijklmnopqrstuvwxyz0123456789_" : "abcdefghijklmnopqrstuvwxyz0123456789_.-")
          .indexOf(name.charAt(bad)) >= 0) {
        bad++;
      }
      throw new InvalidSecretNameException("a secret name must match [a-z0-9_][a-z0-9_.-]{0,63} (safe"
          + " as a file name and compose key); the name given has " + name.length() + " characters"
          + (bad < name.length() ? " and an invalid one at position " + (bad + 1) : ", too many"));
    }
  }
}
