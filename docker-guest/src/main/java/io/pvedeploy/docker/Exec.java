package io.pvedeploy.docker;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One command to run on a guest: its argv (the program and its arguments, each passed to the
 * program verbatim, never parsed by a shell on our side), what to feed its stdin, and how long it
 * may run.
 *
 * <pre>{@code
 * shell.run(Exec.of("docker", "info", "--format", "{{json .}}"));
 * shell.run(Exec.builder("sha256sum").stdin(bytes).timeout(Duration.ofMinutes(1)).build());
 * }</pre>
 *
 * <p>An {@code Exec} with in-memory stdin (or none) can be run any number of times; one with a
 * stream as stdin reads that stream, so it runs once. {@link #toString()} shows the program and
 * the number of arguments, never the arguments or the input, which may hold secrets.
 */
public final class Exec {
  /** The timeout of an {@code Exec} built without one. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

  private final List<String> argv;
  private final Duration timeout;
  private final byte[] stdinBytes;
  private final InputStream stdinStream;

  private Exec(Builder b) {
    this.argv = b.argv;
    this.timeout = b.timeout;
    this.stdinBytes = b.stdinBytes;
    this.stdinStream = b.stdinStream;
  }

  /** An {@code Exec} of {@code argv} with no stdin and the {@linkplain #DEFAULT_TIMEOUT default timeout}. */
  public static Exec of(String... argv) {
    return builder(argv).build();
  }

  /** As {@link #of(String...)}. */
  public static Exec of(List<String> argv) {
    return builder(argv).build();
  }

  public static Builder builder(String... argv) {
    return builder(List.of(Objects.requireNonNull(argv, "argv")));
  }

  public static Builder builder(List<String> argv) {
    return new Builder(argv);
  }

  public List<String> argv() {
    return argv;
  }

  /** The program: {@code argv().get(0)}. */
  public String program() {
    return argv.get(0);
  }

  public Duration timeout() {
    return timeout;
  }

  /** Whether the command gets any stdin (otherwise its stdin is closed at once). */
  public boolean hasStdin() {
    return stdinBytes != null || stdinStream != null;
  }

  /** The command's stdin: a fresh stream over the bytes, the caller's stream, or null for none. */
  public InputStream openStdin() {
    if (stdinBytes != null) {
      return new ByteArrayInputStream(stdinBytes);
    }
    return stdinStream;
  }

  /** A builder that starts as a copy of this one. */
  public Builder toBuilder() {
    Builder b = new Builder(argv).timeout(timeout);
    b.stdinBytes = stdinBytes;
    b.stdinStream = stdinStream;
    return b;
  }

  @Override
  public String toString() {
    return "Exec[" + argv.get(0) + " +" + (argv.size() - 1) + " args, timeout " + timeout
        + (hasStdin() ? ", with stdin]" : "]");
  }

  /** Builds an {@link Exec}. */
  public static final class Builder {
    private final List<String> argv;
    private Duration timeout = DEFAULT_TIMEOUT;
    private byte[] stdinBytes;
    private InputStream stdinStream;

    private Builder(List<String> argv) {
      this.argv = checkArgv(argv);
    }

    /** How long the command may run before it is killed; positive. */
    public Builder timeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be a positive duration, got " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** The command's whole stdin, in memory (copied). */
    public Builder stdin(byte[] bytes) {
      this.stdinBytes = Objects.requireNonNull(bytes, "stdin bytes").clone();
      this.stdinStream = null;
      return this;
    }

    /** The command's stdin, read to its end (not closed) while the command runs. */
    public Builder stdin(InputStream stream) {
      this.stdinStream = Objects.requireNonNull(stream, "stdin stream");
      this.stdinBytes = null;
      return this;
    }

    public Exec build() {
      return new Exec(this);
    }
  }

  /**
   * Checks an argv: at least the program; no null argument; no NUL (a C string cannot hold it);
   * no lone surrogate (not encodable as UTF-8). The message names the index, never the value.
   */
  static List<String> checkArgv(List<String> argv) {
    if (argv == null || argv.isEmpty()) {
      throw new IllegalArgumentException("argv must hold at least the program to run");
    }
    for (int i = 0; i < argv.size(); i++) {
      io.pvedeploy.docker.internal.ShellQuoting.checkArgument(argv.get(i), i);
    }
    List<String> copy = List.copyOf(argv);
    if (copy.get(0).isEmpty()) {
      throw new IllegalArgumentException("argv[0], the program, must not be empty");
    }
    return copy;
  }
}
