package io.pvedeploy.secrets;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a real CLI for integration tests; a missing program fails with how to install it. */
final class Cli {
  private Cli() {}

  record Result(int code, byte[] out, String err) {}

  static void require(String program, String versionFlag, String install) {
    try {
      Result r = run(List.of(program, versionFlag), new byte[0]);
      if (r.code() != 0) {
        throw new AssertionError(program + " " + versionFlag + " failed (" + r.err().strip() + "); " + install);
      }
    } catch (IOException e) {
      throw new AssertionError(program + " is not installed; these tests need it: " + install
          + " (scripts/test.sh installs it)", e);
    }
  }

  /** Fails unless {@code program} is an executable on the PATH. */
  static void requireOnPath(String program, String install) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(d, program))) {
        return;
      }
    }
    throw new AssertionError(program + " is not installed; these tests need it: " + install
        + " (scripts/test.sh installs it)");
  }

  static Result run(List<String> argv, byte[] stdin) throws IOException {
    Process p = new ProcessBuilder(argv).start();
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin);
    }
    try {
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException(argv.get(0) + " timed out");
      }
      return new Result(p.exitValue(), out.get(), new String(err.get()));
    } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
      throw new IOException(e);
    }
  }

  private static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
