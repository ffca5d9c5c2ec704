package io.pvedeploy.sandbox.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Debian 12 container template, built once with debootstrap and kept as a real
 * {@code .tar.zst} in the cache directory (a lock file keeps two JVMs from building it twice).
 */
final class LxcTemplate {
  private static final Logger LOG = LoggerFactory.getLogger(LxcTemplate.class);
  static final String FILE = "debian-12-standard_12.7-1_amd64.tar.zst";
  static final String MIRROR = "http://deb.debian.org/debian";
  static final List<String> PACKAGES = List.of("iproute2", "ifupdown", "isc-dhcp-client", "procps",
      "ca-certificates", "sysvinit-core", "openssh-server", "qemu-guest-agent");
  private static final Object JVM_LOCK = new Object();

  private LxcTemplate() {}

  /** The template's path, building it first when the cache does not have it yet. */
  static Path ensure(Path cacheDir) {
    Path target = cacheDir.toAbsolutePath().resolve(FILE);
    if (Files.isRegularFile(target)) {
      return target;
    }
    synchronized (JVM_LOCK) {
      try {
        Files.createDirectories(cacheDir);
        try (FileChannel ch = FileChannel.open(cacheDir.resolve(".template.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = ch.lock()) {
          if (Files.isRegularFile(target)) {
            return target; // another JVM built it while we waited
          }
          build(cacheDir, target);
          return target;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot build the container template in " + cacheDir, e);
      }
    }
  }

  private static void build(Path cacheDir, Path target) throws IOException {
    Path work = Files.createTempDirectory(cacheDir, ".build-");
    Path rootfs = work.resolve("rootfs");
    long t0 = System.nanoTime();
    LOG.info("building the Debian 12 container template {} with debootstrap from {} (once; about 2 minutes)",
        target, MIRROR);
    try {
      Proc.Result r = Proc.run(List.of("debootstrap", "--variant=minbase",
          "--include=" + String.join(",", PACKAGES), "bookworm", rootfs.toString(), MIRROR), Duration.ofMinutes(20));
      if (!r.ok()) {
        String out = r.outText();
        throw new IllegalStateException("debootstrap failed (is " + MIRROR + " reachable?): " + r.describe()
            + "\n" + out.substring(Math.max(0, out.length() - 2000)));
      }
      LOG.info("template: debootstrap done after {} s; customising for containers", (System.nanoTime() - t0) / 1_000_000_000);
      customise(rootfs);
      Path tar = work.resolve(FILE);
      Proc.run(List.of("tar", "--numeric-owner", "--zstd", "-cpf", tar.toString(), "-C", rootfs.toString(),
          "--exclude=./dev/*", "--exclude=./proc/*", "--exclude=./sys/*", "--exclude=./var/cache/apt/archives/*.deb",
          "."), Duration.ofMinutes(10)).check();
      Files.move(tar, target, StandardCopyOption.ATOMIC_MOVE);
      LOG.info("template ready: {} ({} MB) after {} s", target, Files.size(target) >> 20,
          (System.nanoTime() - t0) / 1_000_000_000);
    } finally {
      Proc.run(List.of("rm", "-rf", "--one-file-system", work.toString()), Duration.ofMinutes(5));
    }
  }

  /** What PVE's template has and minbase lacks, and what a container without systemd needs. */
  private static void customise(Path rootfs) throws IOException {
    Path inittab = rootfs.resolve("etc/inittab");
    StringBuilder b = new StringBuilder();
    for (String line : Files.readAllLines(inittab)) {
      if (line.matches("^[1-6]:\\d+:respawn:/sbin/getty.*")) {
        b.append('#').append(line).append('\n'); // containers have no ttys to log in on
      } else if (line.startsWith("pf::powerwait:")) {
        b.append("pf::powerwait:/sbin/shutdown -h now\n"); // lxc-stop's SIGPWR is a clean shutdown
      } else {
        b.append(line).append('\n');
      }
    }
    Files.writeString(inittab, b.toString());
    Files.writeString(rootfs.resolve("etc/apt/sources.list"),
        "deb " + MIRROR + " bookworm main contrib\n"
            + "deb " + MIRROR + " bookworm-updates main contrib\n"
            + "deb http://security.debian.org/debian-security bookworm-security main contrib\n");
    // Host keys are made per container at create time, as PVE does.
    try (var s = Files.newDirectoryStream(rootfs.resolve("etc/ssh"), "ssh_host_*")) {
      for (Path key : s) {
        Files.delete(key);
      }
    }
    Files.writeString(rootfs.resolve("etc/hostname"), "localhost\n");
    Files.writeString(rootfs.resolve("etc/network/interfaces"), "auto lo\niface lo inet loopback\n");
    Proc.run(List.of("chroot", rootfs.toString(), "apt-get", "clean"), Duration.ofMinutes(2));
  }
}
