package io.pvedeploy.docker.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteStreamHandler;

/**
 * Runs one local process through Commons Exec: argv passed as is (never split or quoted), stdin
 * fed from a stream, stdout and stderr pumped into separate sinks, and a deadline after which the
 * process and all its descendants are killed (a watchdog that kills only the direct child leaves
 * {@code sh -c}'s children holding the pipes open).
 */
public final class ProcessRunner {
  private ProcessRunner() {}

  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "pvedeploy-process-deadline");
    t.setDaemon(true);
    return t;
  });

  /** How a process ended. */
  public record Outcome(int exitCode, boolean timedOut, IOException inputFailure,
      IOException outputFailure, long stdinBytes) {}

  /**
   * Runs {@code command}.
   *
   * @param env the environment, or null to inherit this JVM's
   * @throws IOException if the program cannot be started (not found, not executable)
   */
  public static Outcome run(List<String> command, InputStream stdin, OutputStream stdout,
      OutputStream stderr, Duration timeout, Map<String, String> env) throws IOException {
    CommandLine line = new CommandLine(command.get(0));
    for (String arg : command.subList(1, command.size())) {
      line.addArgument(arg, false);
    }
    Pumps pumps = new Pumps(stdin, stdout, stderr);
    TrackingExecutor executor = new TrackingExecutor(pumps, command);
    AtomicBoolean timedOut = new AtomicBoolean();
    ScheduledFuture<?> deadline = TIMER.schedule(() -> {
      timedOut.set(true);
      executor.killTree();
    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    int exit;
    try {
      exit = executor.execute(line, env);
    } finally {
      deadline.cancel(false);
    }
    // An orphaned grandchild may still hold the pipes; it is gone with the tree on timeout.
    return new Outcome(exit, timedOut.get(), pumps.inputFailure(), pumps.outputFailure(), pumps.stdinBytes());
  }

  /**
   * A DefaultExecutor that launches the exact argv (Commons Exec's {@code CommandLine} trims
   * each argument and rewrites path separators, which would change arguments such as {@code
   * "  padded  "}) and remembers the process, to kill its whole tree.
   */
  private static final class TrackingExecutor extends DefaultExecutor {
    private final AtomicReference<Process> process = new AtomicReference<>();
    private final List<String> argv;
    private volatile boolean killRequested;

    @SuppressWarnings("deprecation") // the builder cannot make a subclass
    TrackingExecutor(ExecuteStreamHandler streams, List<String> argv) {
      super();
      this.argv = List.copyOf(argv);
      setStreamHandler(streams);
      setExitValues(null);
    }

    @Override
    protected Process launch(CommandLine command, Map<String, String> env, File dir) throws IOException {
      ProcessBuilder builder = new ProcessBuilder(argv);
      if (env != null) {
        builder.environment().clear();
        builder.environment().putAll(env);
      }
      if (dir != null) {
        builder.directory(dir);
      }
      Process p = builder.start();
      process.set(p);
      if (killRequested) {
        killTree();
      }
      return p;
    }

    void killTree() {
      killRequested = true;
      Process p = process.get();
      if (p != null) {
        // The parent first, from a list taken before: a shell whose child dies first runs its
        // next command (sh -c 'sleep 3; touch x' touched x), and once the parent is gone its
        // children are no longer its descendants.
        List<ProcessHandle> descendants = p.descendants().toList();
        p.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
      }
    }
  }

  /**
   * Moves bytes between the caller and one process: stdin from the caller's stream (or closed at
   * once), stdout and stderr each into their own sink, in 64 KiB chunks; tells a failure to read
   * the caller's input apart from the process no longer reading it.
   */
  static final class Pumps implements ExecuteStreamHandler {
    private static final int BUFFER = 64 * 1024;
    private static final long DRAIN_WAIT_MS = 30_000;
    private final InputStream source;
    private final OutputStream outSink;
    private final OutputStream errSink;
    private OutputStream processIn;
    private InputStream processOut;
    private InputStream processErr;
    private Thread inThread;
    private Thread outThread;
    private Thread errThread;
    private volatile IOException inputFailure;
    private volatile IOException outputFailure;
    private volatile long stdinBytes;

    Pumps(InputStream source, OutputStream outSink, OutputStream errSink) {
      this.source = source;
      this.outSink = outSink;
      this.errSink = errSink;
    }

    @Override
    public void setProcessInputStream(OutputStream os) {
      processIn = os;
    }

    @Override
    public void setProcessOutputStream(InputStream is) {
      processOut = is;
    }

    @Override
    public void setProcessErrorStream(InputStream is) {
      processErr = is;
    }

    @Override
    public void start() {
      outThread = drain(processOut, outSink, "stdout");
      errThread = drain(processErr, errSink, "stderr");
      if (source == null) {
        closeQuietly(processIn);
        return;
      }
      inThread = new Thread(this::feed, "pvedeploy-exec-stdin");
      inThread.setDaemon(true);
      inThread.start();
    }

    private void feed() {
      byte[] buffer = new byte[BUFFER];
      try {
        while (true) {
          int n;
          try {
            n = source.read(buffer);
          } catch (IOException e) {
            inputFailure = e;
            return;
          }
          if (n < 0) {
            return;
          }
          try {
            processIn.write(buffer, 0, n);
          } catch (IOException processStoppedReading) {
            return; // the command ended without reading all its input; its exit code tells
          }
          stdinBytes += n;
        }
      } finally {
        closeQuietly(processIn);
      }
    }

    private Thread drain(InputStream from, OutputStream to, String name) {
      Thread thread = new Thread(() -> {
        byte[] buffer = new byte[BUFFER];
        boolean sinkBroken = false;
        try {
          int n;
          while ((n = from.read(buffer)) >= 0) {
            if (sinkBroken) {
              continue; // keep draining so the process never blocks on a full pipe
            }
            try {
              to.write(buffer, 0, n);
            } catch (IOException e) {
              outputFailure = e;
              sinkBroken = true;
            }
          }
        } catch (IOException pipeClosed) {
          // whatever arrived has been delivered
        }
      }, "pvedeploy-exec-" + name);
      thread.setDaemon(true);
      thread.start();
      return thread;
    }

    @Override
    public void stop() {
      join(outThread);
      join(errThread);
      if (inThread != null) {
        try {
          inThread.join(2000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (inThread.isAlive()) {
          inThread.interrupt(); // blocked in the caller's stream after the process ended
        }
      }
    }

    IOException inputFailure() {
      return inputFailure;
    }

    IOException outputFailure() {
      return outputFailure;
    }

    long stdinBytes() {
      return stdinBytes;
    }

    private static void join(Thread t) {
      if (t == null) {
        return;
      }
      try {
        // Bounded: a daemonised grandchild may keep the pipe open long after the process ended.
        t.join(DRAIN_WAIT_MS);
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
        // the process is gone; nothing to flush to
      }
    }
  }
}
