package io.pvedeploy.docker;

import io.pvedeploy.docker.internal.GuestFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The one way this module reaches a guest: run an argv, put a file, read a file.
 *
 * <p>An implementation must carry every argument to the program byte for byte, whatever it holds
 * (spaces, quotes, {@code $(…)}, backticks, newlines, {@code ;}, {@code |}, globs, non-ASCII): a
 * shell on the way, if there is one, must never interpret it. Stdout and stderr stay apart; a
 * non-zero exit is an {@link ExecResult}, never an exception; a command that outlives its
 * timeout is killed and is a {@link CommandTimeoutException}. File content never travels on a
 * command line. {@code GuestShellContract} in this module's test-jar checks all of that, and every
 * implementation's tests extend it.
 *
 * <p>Implementations here: {@link LocalShell} (this machine) and {@link SshGuestShell} (OpenSSH).
 * Only {@link #exec} and {@link #target} must be written; {@link #put} and {@link #read} have
 * default implementations over {@code exec} (content on stdin and stdout, written to a private
 * temp file and renamed into place), which an implementation may replace with a native transfer.
 * Implementations are safe to share between threads.
 */
public interface GuestShell extends AutoCloseable {

  /** Where commands run, for messages and logs: {@code local}, {@code root@10.0.0.5:22}, … */
  String target();

  /**
   * Runs a command, streaming its stdout and stderr into the given sinks as it runs. The sinks
   * are written from other threads and not closed.
   *
   * @return the command's exit status
   * @throws GuestShellException if the command could not be run or its output not delivered, or
   *     {@link CommandTimeoutException} if it outlived {@link Exec#timeout()}
   */
  int exec(Exec exec, OutputStream stdout, OutputStream stderr) throws GuestShellException;

  /** Runs a command and collects its output. */
  default ExecResult run(Exec exec) throws GuestShellException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = exec(exec, out, err);
    return new ExecResult(code, out.toByteArray(), err.toByteArray());
  }

  /** Runs {@code argv} with no stdin and the {@linkplain Exec#DEFAULT_TIMEOUT default timeout}. */
  default ExecResult run(List<String> argv) throws GuestShellException {
    return run(Exec.of(argv));
  }

  /** As {@link #run(List)}. */
  default ExecResult run(String... argv) throws GuestShellException {
    return run(Exec.of(argv));
  }

  /**
   * Writes {@code content} (read to its end, not closed) to the absolute guest path {@code path},
   * creating missing parent directories. The file appears whole or not at all: it is written to
   * a private temp file beside it, given its owner and mode, and renamed into place.
   *
   * @throws CommandFailedException if the guest refused (no space, permission, unknown owner)
   * @throws GuestShellException if the shell failed
   */
  default void put(String path, InputStream content, FileOptions options) throws DockerGuestException {
    GuestFiles.put(this, path, content, options);
  }

  /** As {@link #put(String, InputStream, FileOptions)}, with the content in memory. */
  default void put(String path, byte[] content, FileOptions options) throws DockerGuestException {
    put(path, new ByteArrayInputStream(content.clone()), options);
  }

  /** As {@link #put(String, InputStream, FileOptions)}, with the content of a local file. */
  default void put(String path, Path localFile, FileOptions options) throws DockerGuestException {
    try (InputStream in = Files.newInputStream(localFile)) {
      put(path, in, options);
    } catch (IOException e) {
      throw new GuestShellException(GuestShellException.Reason.LOCAL_IO,
          "cannot read the local file " + localFile + " to put it at " + path + " on " + target()
              + ": " + e.getMessage(), e);
    }
  }

  /**
   * Streams the guest file at the absolute path {@code path} into {@code out}.
   *
   * @throws CommandFailedException if the file does not exist or cannot be read
   */
  default void read(String path, OutputStream out) throws DockerGuestException {
    GuestFiles.read(this, path, out);
  }

  /** The whole guest file at {@code path}. */
  default byte[] read(String path) throws DockerGuestException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    read(path, out);
    return out.toByteArray();
  }

  /** Whether something exists at the absolute guest path {@code path} ({@code test -e}). */
  default boolean exists(String path) throws GuestShellException {
    return run("test", "-e", GuestFiles.checkPath(path)).succeeded();
  }

  /** Releases what the shell holds (an SSH master connection); a no-op by default. */
  @Override
  default void close() {}
}
