package io.pvedeploy.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A scripted guest for unit tests: answers each argv with a handler, records every call, and
 * keeps files that {@link GuestShell#put} writes (through the default put script) and {@code cat}
 * reads. No process runs.
 */
final class FakeShell implements GuestShell {
  final List<List<String>> calls = new ArrayList<>();
  final Map<String, byte[]> files = new HashMap<>();
  private final Function<List<String>, ExecResult> handler;

  FakeShell(Function<List<String>, ExecResult> handler) {
    this.handler = handler;
  }

  static ExecResult ok(String stdout) {
    return new ExecResult(0, stdout.getBytes(StandardCharsets.UTF_8), null);
  }

  static ExecResult fail(int code, String stderr) {
    return new ExecResult(code, null, stderr.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String target() {
    return "fake";
  }

  @Override
  public synchronized int exec(Exec exec, OutputStream stdout, OutputStream stderr) {
    List<String> argv = exec.argv();
    calls.add(argv);
    try {
      if (argv.get(0).equals("sh") && argv.size() > 3 && argv.get(3).equals("pvedeploy-put")) {
        try (InputStream in = exec.openStdin()) {
          files.put(argv.get(4), in.readAllBytes());
        }
        return 0;
      }
      if (argv.get(0).equals("cat") && files.containsKey(argv.get(argv.size() - 1))) {
        stdout.write(files.get(argv.get(argv.size() - 1)));
        return 0;
      }
      ExecResult r = handler.apply(argv);
      stdout.write(r.stdout());
      stderr.write(r.stderr());
      return r.exitCode();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether some call's argv starts with {@code prefix}. */
  synchronized boolean called(String... prefix) {
    return calls.stream().anyMatch(c -> c.size() >= prefix.length
        && c.subList(0, prefix.length).equals(List.of(prefix)));
  }
}
