package io.pvedeploy.sandbox.internal;

import com.squareup.moshi.JsonAdapter;
import com.squareup.moshi.Moshi;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A client of a real QEMU guest agent ({@code qemu-ga -m unix-listen}) speaking its JSON
 * protocol: every connection first re-synchronises with {@code guest-sync-delimited} (the agent
 * answers with a 0xFF byte, then the id), then sends one command and reads one answer line.
 */
final class Qga {
  /** The agent answered {@code {"error": {"class": …, "desc": …}}}. */
  static final class AgentError extends RuntimeException {
    AgentError(String message) {
      super(message);
    }
  }

  private static final JsonAdapter<Object> JSON = new Moshi.Builder().build().adapter(Object.class).serializeNulls();
  private final Path socket;
  private final Duration timeout;

  Qga(Path socket, Duration timeout) {
    this.socket = socket;
    this.timeout = timeout;
  }

  Path socket() {
    return socket;
  }

  /** Runs one command; returns the value of {@code return}. */
  synchronized Object call(String command, Map<String, Object> arguments) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        Selector sel = Selector.open()) {
      ch.configureBlocking(false);
      ch.register(sel, SelectionKey.OP_READ);
      long id = ThreadLocalRandom.current().nextLong(1, Integer.MAX_VALUE);
      Reader r = new Reader(ch, sel, deadline);
      send(ch, Map.of("execute", "guest-sync-delimited", "arguments", Map.of("id", id)));
      r.skipToDelimiter();
      while (true) {
        Object sync = JSON.fromJson(r.line());
        if (sync instanceof Map<?, ?> m && m.get("return") instanceof Number n && n.longValue() == id) {
          break;
        }
      }
      Map<String, Object> msg = new LinkedHashMap<>();
      msg.put("execute", command);
      if (arguments != null && !arguments.isEmpty()) {
        msg.put("arguments", arguments);
      }
      send(ch, msg);
      Object answer = JSON.fromJson(r.line());
      if (!(answer instanceof Map<?, ?> m)) {
        throw new IllegalStateException("qemu-ga answered " + command + " with " + answer);
      }
      if (m.containsKey("error")) {
        Object desc = m.get("error") instanceof Map<?, ?> e ? e.get("desc") : m.get("error");
        throw new AgentError(String.valueOf(desc));
      }
      return integral(m.get("return"));
    } catch (IOException e) {
      throw new IllegalStateException("QEMU guest agent at " + socket + " is not answering: " + e.getMessage(), e);
    }
  }

  /** JSON numbers come back as doubles; the agent's are integers (pids, sizes, exit codes). */
  private static Object integral(Object v) {
    if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
      return d.longValue();
    }
    if (v instanceof Map<?, ?> m) {
      Map<Object, Object> res = new LinkedHashMap<>();
      m.forEach((k, x) -> res.put(k, integral(x)));
      return res;
    }
    if (v instanceof java.util.List<?> l) {
      java.util.List<Object> res = new java.util.ArrayList<>();
      l.forEach(x -> res.add(integral(x)));
      return res;
    }
    return v;
  }

  /** True when the agent answers {@code guest-ping}. */
  boolean ping() {
    try {
      call("guest-ping", null);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static void send(SocketChannel ch, Object msg) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap((JSON.toJson(msg) + "\n").getBytes(StandardCharsets.UTF_8));
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  /** Reads lines from a non-blocking channel with one deadline for the whole exchange. */
  private static final class Reader {
    private final SocketChannel ch;
    private final Selector sel;
    private final long deadline;
    private final ByteBuffer buf = ByteBuffer.allocate(65536);

    Reader(SocketChannel ch, Selector sel, long deadline) {
      this.ch = ch;
      this.sel = sel;
      this.deadline = deadline;
      buf.flip();
    }

    private int next() throws IOException {
      while (!buf.hasRemaining()) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          throw new IOException("timed out waiting for the agent");
        }
        sel.select(left);
        sel.selectedKeys().clear();
        buf.clear();
        int n = ch.read(buf);
        buf.flip();
        if (n < 0) {
          throw new IOException("the agent closed the connection");
        }
      }
      return buf.get() & 0xff;
    }

    void skipToDelimiter() throws IOException {
      while (next() != 0xff) {
        // bytes of an earlier, abandoned exchange
      }
    }

    String line() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      int c;
      while ((c = next()) != '\n') {
        if (c != 0xff) {
          b.write(c);
        }
      }
      String s = b.toString(StandardCharsets.UTF_8).trim();
      return s.isEmpty() ? line() : s;
    }
  }
}
