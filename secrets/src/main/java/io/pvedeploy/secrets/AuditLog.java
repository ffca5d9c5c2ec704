package io.pvedeploy.secrets;

import io.pvedeploy.secrets.internal.Macs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The store's append-only audit trail ({@code STORE.audit} by default): one line per read of a
 * plaintext, write, rotation and recipient change, each holding the SHA-256 of the line before
 * it, so an edited, removed or inserted line breaks the chain at that point.
 *
 * <pre>
 * seq=7 time=2025-01-02T03:04:05.678Z actor=ci@build1 action=ROTATE name=db_password detail=version:2 prev=9f86d0…
 * </pre>
 *
 * <p>The chain cannot show that lines were cut from the end: compare {@link AuditCheck.Intact#headHash()}
 * with a copy kept elsewhere (a deploy log, a ticket) for that. Values never reach this file.
 * Appends happen under the store's lock.
 */
public final class AuditLog {
  static final String GENESIS = "0".repeat(64);
  private static final Pattern LINE = Pattern.compile("seq=([0-9]{1,18}) time=(\\S+) actor=(\\S+)"
      + " action=([A-Z_]+) name=(\\S+) detail=(\\S+) prev=([0-9a-f]{64})");
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_.@:+/=,-]{1,200}");

  private final Path file;

  AuditLog(Path file) {
    this.file = file;
  }

  /** The log file. */
  public Path file() {
    return file;
  }

  /**
   * Every entry, oldest first.
   *
   * @throws AuditLogException if a line is not an audit entry (run {@link #verify()} to find it)
   */
  public List<AuditEntry> entries() throws AuditLogException, StoreIoException {
    List<String> lines = lines();
    List<AuditEntry> entries = new ArrayList<>(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      AuditEntry entry = parse(lines.get(i));
      if (entry == null) {
        throw new AuditLogException("line " + (i + 1) + " of the audit log " + file + " is not an"
            + " audit entry; run verify() to see where the log was damaged");
      }
      entries.add(entry);
    }
    return entries;
  }

  /** Checks the hash chain and reports the first broken entry. */
  public AuditCheck verify() throws StoreIoException {
    List<String> lines = lines();
    String previousHash = GENESIS;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      AuditEntry entry = parse(line);
      if (entry == null) {
        return new AuditCheck.Broken(i + 1, i + 1, "the line is not an audit entry (edited, or cut"
            + " short by a crash while appending)");
      }
      if (entry.sequence() != i + 1) {
        return new AuditCheck.Broken(i + 1, i + 1, "its sequence number is " + entry.sequence()
            + ", expected " + (i + 1) + ": an entry before it was removed or inserted");
      }
      if (!entry.previousHash().equals(previousHash)) {
        return new AuditCheck.Broken(i + 1, i + 1, "its prev hash does not match the line before it:"
            + " that line, or this one, was edited");
      }
      previousHash = hash(line);
    }
    return new AuditCheck.Intact(lines.size(), previousHash);
  }

  /** One entry to append. */
  record Event(AuditAction action, String name, String detail) {}

  /** Appends one entry; the caller holds the store's lock. */
  void append(Instant time, String actor, AuditAction action, String name, String detail) throws StoreIoException {
    appendAll(time, actor, List.of(new Event(action, name, detail)));
  }

  /** Appends entries in one write and one sync; the caller holds the store's lock. */
  void appendAll(Instant time, String actor, List<Event> events) throws StoreIoException {
    try {
      String last = lastLine();
      AuditEntry lastEntry = last == null ? null : parse(last);
      long seq = last == null ? 1 : lastEntry != null ? lastEntry.sequence() + 1 : lines().size() + 1;
      String prev = last == null ? GENESIS : hash(last);
      StringBuilder text = new StringBuilder(events.size() * 200);
      for (Event e : events) {
        String line = "seq=" + seq++ + " time=" + time + " actor=" + actor + " action=" + e.action()
            + " name=" + (e.name() == null ? "-" : e.name())
            + " detail=" + (e.detail() == null ? "-" : token(e.detail())) + " prev=" + prev;
        text.append(line).append('\n');
        prev = hash(line);
      }
      try (FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE,
          StandardOpenOption.WRITE, StandardOpenOption.APPEND),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
        ByteBuffer buffer = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(false);
      }
    } catch (IOException e) {
      throw new StoreIoException("cannot append to the audit log " + file + ": " + e.getMessage(), e);
    }
  }

  static boolean validActor(String actor) {
    return actor != null && TOKEN.matcher(actor).matches() && !actor.contains("=");
  }

  private static String token(String detail) {
    String cleaned = detail.replaceAll("[^A-Za-z0-9_.@:+/,-]", "_");
    return cleaned.isEmpty() ? "-" : cleaned;
  }

  /** The last line, read from the file's tail: appends stay cheap however long the log grows. */
  private String lastLine() throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      int window = 4096;
      while (true) {
        long from = Math.max(0, size - window);
        ByteBuffer buffer = ByteBuffer.allocate((int) (size - from));
        channel.read(buffer, from);
        String tail = new String(buffer.array(), StandardCharsets.UTF_8);
        String trimmed = tail.endsWith("\n") ? tail.substring(0, tail.length() - 1) : tail;
        int cut = trimmed.lastIndexOf('\n');
        if (cut >= 0 || from == 0) {
          String line = trimmed.substring(cut + 1);
          return line.isEmpty() && from == 0 ? null : line;
        }
        window *= 4;
      }
    }
  }

  private List<String> lines() throws StoreIoException {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
      if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
        lines.remove(lines.size() - 1);
      }
      return lines;
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new StoreIoException("cannot read the audit log " + file + ": " + e.getMessage(), e);
    }
  }

  private static AuditEntry parse(String line) {
    Matcher m = LINE.matcher(line);
    if (!m.matches()) {
      return null;
    }
    try {
      return new AuditEntry(Long.parseLong(m.group(1)), Instant.parse(m.group(2)), m.group(3),
          AuditAction.valueOf(m.group(4)), m.group(5).equals("-") ? null : m.group(5),
          m.group(6).equals("-") ? null : m.group(6), m.group(7));
    } catch (IllegalArgumentException | DateTimeParseException e) {
      return null;
    }
  }

  static String hash(String line) {
    return Macs.sha256Hex(line.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "AuditLog[" + file + "]";
  }
}
