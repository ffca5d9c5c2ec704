package io.pvedeploy.sandbox.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** Test access to a running sandbox's guest backend (as the node's CLI reaches it). */
public final class LxcAccess {
  private final GuestBackend backend;

  private LxcAccess(GuestBackend backend) {
    this.backend = backend;
  }

  /** From a {@code Sandbox} (its private server field) or a {@code SandboxServer}. */
  public static LxcAccess of(Object sandboxOrServer) {
    try {
      Object server = sandboxOrServer;
      if (!(server instanceof SandboxServer)) {
        var f = server.getClass().getDeclaredField("server");
        f.setAccessible(true);
        server = f.get(server);
      }
      var b = SandboxServer.class.getDeclaredField("backend");
      b.setAccessible(true);
      return new LxcAccess((GuestBackend) b.get(server));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Guest guest(int vmid, boolean qemu) {
    return new Guest(vmid, qemu ? GuestType.QEMU : GuestType.LXC, "pve1");
  }

  /** exit code, stdout, stderr. */
  public record Exec(int exit, String out, String err) {}

  public Exec exec(int vmid, Duration timeout, String... argv) {
    GuestBackend.RawExec r = backend.execRaw(guest(vmid, false), List.of(argv), null, timeout);
    return new Exec(r.exitcode(), new String(r.out(), StandardCharsets.UTF_8), new String(r.err(), StandardCharsets.UTF_8));
  }

  public byte[] readFile(int vmid, String path) {
    return backend.readFile(guest(vmid, false), path);
  }

  public void writeFile(int vmid, String path, byte[] content) {
    backend.writeFile(guest(vmid, false), path, content);
  }

  public String dumpDir() {
    return backend.dumpDir();
  }
}
