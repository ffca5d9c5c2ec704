package io.pvedeploy.proxmox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.exec.ExecuteStreamHandler;

/**
 * Moves bytes between the caller and one {@code ssh} process: stdin from a caller's stream (or
 * closed at once), stdout and stderr each into their own sink, never mixed. Unlike Commons Exec's
 * {@code PumpStreamHandler} it copies in 64 KiB chunks and tells a failure to read the caller's
 * input (the upload is incomplete) apart from ssh no longer reading it.
 */
final class SshStreams implements ExecuteStreamHandler {
  private static final int BUFFER = 64 * 1024;
  private static final long DRAIN_WAIT_MS = 30_000;
  private static final long STDIN_WAIT_MS = 2_000;

  private final InputStream stdinSource;
  private final OutputStream stdoutSink;
  private final OutputStream stderrSink;
  private final AtomicLong stdinBytes = new AtomicLong();

  private OutputStream processStdin;
  private InputStream processStdout;
  private InputStream processStderr;
  private Thread stdinThread;
  private Thread stdoutThread;
  private Thread stderrThread;
  private volatile IOException inputFailure;
  private volatile IOException outputFailure;

  SshStreams(InputStream stdinSource, OutputStream stdoutSink, OutputStream stderrSink) {
    this.stdinSource = stdinSource;
    this.stdoutSink = stdoutSink;
    this.stderrSink = stderrSink;
  }

  @Override
  public void setProcessInputStream(OutputStream os) {
    this.processStdin = os;
  }

  @Override
  public void setProcessOutputStream(InputStream is) {
    this.processStdout = is;
  }

  @Override
  public void setProcessErrorStream(InputStream is) {
    this.processStderr = is;
  }

  @Override
  public void start() {
    stdoutThread = drain(processStdout, stdoutSink, "stdout");
    stderrThread = drain(processStderr, stderrSink, "stderr");
    if (stdinSource == null) {
      closeQuietly(processStdin);
      return;
    }
    stdinThread = new Thread(this::feedStdin, "pvedeploy-ssh-stdin");
    stdinThread.setDaemon(true);
    stdinThread.start();
  }

  private void feedStdin() {
    byte[] buffer = new byte[BUFFER];
    try {
      while (true) {
        int n;
        try {
          n = stdinSource.read(buffer);
        } catch (IOException e) {
          inputFailure = e;
          return;
        }
        if (n < 0) {
          return;
        }
        try {
          processStdin.write(buffer, 0, n);
        } catch (IOException sshStoppedReading) {
          // The remote command ended without reading all of its input; its exit code tells.
          return;
        }
        stdinBytes.addAndGet(n);
      }
    } finally {
      closeQuietly(processStdin);
    }
  }

  private Thread drain(InputStream from, OutputStream to, String name) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[BUFFER];
              boolean sinkBroken = false;
              try {
                int n;
                while ((n = from.read(buffer)) >= 0) {
                  if (sinkBroken) {
                    continue; // keep draining so ssh never blocks on a full pipe
                  }
                  try {
                    to.write(buffer, 0, n);
                  } catch (IOException e) {
                    outputFailure = e;
                    sinkBroken = true;
                  }
                }
              } catch (IOException processGone) {
                // The pipe closed under us; whatever arrived has been kept.
              }
            },
            "pvedeploy-ssh-" + name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  @Override
  public void stop() {
    join(stdoutThread, DRAIN_WAIT_MS);
    join(stderrThread, DRAIN_WAIT_MS);
    if (stdinThread != null) {
      join(stdinThread, STDIN_WAIT_MS);
      if (stdinThread.isAlive()) {
        // Blocked in the caller's stream after ssh ended: let it go.
        stdinThread.interrupt();
      }
    }
  }

  /** Set when reading the caller's stdin source failed: the remote side got a truncated input. */
  IOException inputFailure() {
    return inputFailure;
  }

  /** Set when writing to the caller's stdout or stderr sink failed. */
  IOException outputFailure() {
    return outputFailure;
  }

  long stdinBytes() {
    return stdinBytes.get();
  }

  private static void join(Thread thread, long millis) {
    if (thread == null) {
      return;
    }
    try {
      thread.join(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(OutputStream out) {
    if (out == null) {
      return;
    }
    try {
      out.close();
    } catch (IOException ignored) {
      // ssh has already gone; nothing to flush to.
    }
  }
}
