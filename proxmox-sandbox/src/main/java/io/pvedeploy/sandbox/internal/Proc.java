package io.pvedeploy.sandbox.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs host commands as argv lists (never through a shell): bytes in, bytes out, a deadline. */
final class Proc {
  /** What a finished command left: its exit code, its output, whether the deadline killed it. */
  record Result(List<String> argv, int exit, byte[] out, byte[] err, boolean timedOut) {
    String outText() {
      return new String(out, StandardCharsets.UTF_8);
    }

    String errText() {
      return new String(err, StandardCharsets.UTF_8);
    }

    boolean ok() {
      return exit == 0 && !timedOut;
    }

    /** Throws with the command, exit code and stderr's tail unless it exited 0. */
    Result check() {
      if (!ok()) {
        throw new IllegalStateException(describe());
      }
      return this;
    }

    String describe() {
      String tail = errText().strip();
      if (tail.length() > 2000) {
        tail = "…" + tail.substring(tail.length() - 2000);
      }
      return "command " + argv + (timedOut ? " timed out" : " failed with exit code " + exit)
          + (tail.isEmpty() ? "" : ": " + tail);
    }
  }

  private Proc() {}

  static Result run(List<String> argv, Duration timeout) {
    return run(argv, null, timeout, null);
  }

  static Result run(List<String> argv, byte[] stdin, Duration timeout) {
    return run(argv, stdin, timeout, null);
  }

  /** Runs argv; {@code stdinFile} (opened by this process, as root) wins over {@code stdin}. */
  static Result run(List<String> argv, byte[] stdin, Duration timeout, Path stdinFile) {
    ProcessBuilder pb = new ProcessBuilder(argv);
    if (stdinFile != null) {
      pb.redirectInput(stdinFile.toFile());
    }
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + argv, e);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread tOut = pump(p.getInputStream(), out);
    Thread tErr = pump(p.getErrorStream(), err);
    if (stdinFile == null) {
      Thread tIn = new Thread(() -> {
        try (OutputStream os = p.getOutputStream()) {
          if (stdin != null) {
            os.write(stdin);
          }
        } catch (IOException ignored) {
          // the command exited without reading all of its input; its exit code tells
        }
      }, "proc-stdin");
      tIn.setDaemon(true);
      tIn.start();
    }
    boolean timedOut = false;
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        timedOut = true;
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      tOut.join(5000);
      tErr.join(5000);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + argv, e);
    }
    synchronized (out) {
      synchronized (err) {
        return new Result(List.copyOf(argv), timedOut ? -1 : p.exitValue(), out.toByteArray(), err.toByteArray(), timedOut);
      }
    }
  }

  private static Thread pump(InputStream in, ByteArrayOutputStream sink) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[65536];
      try (in) {
        int n;
        while ((n = in.read(buf)) > 0) {
          synchronized (sink) {
            sink.write(buf, 0, n);
          }
        }
      } catch (IOException ignored) {
        // the process went away; what was read is kept
      }
    }, "proc-pump");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** argv as a list, flattening nested lists, for readable call sites. */
  static List<String> argv(Object... parts) {
    List<String> res = new ArrayList<>();
    for (Object p : parts) {
      if (p instanceof List<?> l) {
        for (Object o : l) {
          res.add(String.valueOf(o));
        }
      } else {
        res.add(String.valueOf(p));
      }
    }
    return res;
  }
}
