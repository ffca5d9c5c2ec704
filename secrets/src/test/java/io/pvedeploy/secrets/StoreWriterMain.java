package io.pvedeploy.secrets;

import java.nio.file.Path;
import java.time.Duration;

/** A second process for {@link ConcurrentWritersTest}: puts COUNT secrets named PREFIX_i. */
public final class StoreWriterMain {
  private StoreWriterMain() {}

  public static void main(String[] args) throws Exception {
    Path store = Path.of(args[0]);
    AgeIdentity identity = AgeIdentity.read(Path.of(args[1]));
    String prefix = args[2];
    int count = Integer.parseInt(args[3]);
    for (int i = 0; i < count; i++) {
      // A new instance per write, like separate deploy runs; each has its own FileChannel.
      SecretStore.builder(store).identity(identity).actor(prefix).lockTimeout(Duration.ofMinutes(2))
          .openOrCreate().put(prefix + "_" + i, Secret.ofUtf8(prefix + "-" + i));
    }
  }
}
