package io.pvedeploy.secrets.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The store's lock: an exclusive {@link FileChannel#lock} on a sidecar file ({@code
 * STORE.lock}, never the store itself, which is replaced by rename) for other processes, and a
 * JVM-wide {@link ReentrantLock} per lock file for other store instances in this JVM, because
 * the JVM refuses a second {@code FileLock} on a file it already locks.
 */
public final class StoreLock {
  private StoreLock() {}

  private static final Map<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

  /** A held lock; closing releases it. */
  public interface Held extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  /** Thrown when the lock is not had within the timeout. */
  public static final class TimeoutException extends Exception {
    private static final long serialVersionUID = 1L;

    TimeoutException(String message) {
      super(message);
    }
  }

  public static Held acquire(Path lockFile, Duration timeout) throws IOException, TimeoutException {
    Path key = lockFile.toAbsolutePath().normalize();
    ReentrantLock local = IN_JVM.computeIfAbsent(key, k -> new ReentrantLock());
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      if (!local.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new TimeoutException("another store instance in this JVM held " + key + " for " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for " + key, e);
    }
    FileChannel channel = null;
    try {
      Files.createDirectories(key.getParent());
      channel = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      long sleep = 1;
      while ((lock = channel.tryLock()) == null) {
        if (System.nanoTime() > deadline) {
          throw new TimeoutException("another process held " + key + " for " + timeout);
        }
        Thread.sleep(sleep);
        sleep = Math.min(50, sleep * 2);
      }
      FileChannel open = channel;
      FileLock held = lock;
      return () -> {
        try {
          held.release();
          open.close();
        } finally {
          local.unlock();
        }
      };
    } catch (IOException | TimeoutException | RuntimeException e) {
      if (channel != null) {
        channel.close();
      }
      local.unlock();
      throw e;
    } catch (InterruptedException e) {
      channel.close();
      local.unlock();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for " + key, e);
    }
  }
}
