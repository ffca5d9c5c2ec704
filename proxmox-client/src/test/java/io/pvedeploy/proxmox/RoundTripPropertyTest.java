package io.pvedeploy.proxmox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Random valid records (fixed seed) render, parse back equal, render again identically, and parse
 * equal whatever the order of their parts.
 */
class RoundTripPropertyTest {

  private static final int CASES = 4000;
  private final Random random = new Random(20250914L);

  @Test
  void lxcFeatures() {
    check(this::randomFeatures, LxcFeatures::render, LxcFeatures::parse);
  }

  @Test
  void lxcNetwork() {
    check(this::randomLxcNetwork, LxcNetwork::render, LxcNetwork::parse);
  }

  @Test
  void qemuNetwork() {
    check(this::randomQemuNetwork, QemuNetwork::render, QemuNetwork::parse);
  }

  @Test
  void rootfs() {
    check(() -> randomMountPoint(true), MountPoint::render, MountPoint::parseRootfs);
  }

  @Test
  void mountPoint() {
    check(() -> randomMountPoint(false), MountPoint::render, MountPoint::parseMountPoint);
  }

  @Test
  void ipConfig() {
    check(this::randomIpConfig, IpConfig::render, IpConfig::parse);
  }

  private <T> void check(
      Supplier<T> generator, Function<T, String> render, Function<String, T> parse) {
    for (int i = 0; i < CASES; i++) {
      T record = generator.get();
      String text = render.apply(record);
      T parsed = parse.apply(text);
      assertThat(parsed).as("parse(%s)", text).isEqualTo(record);
      assertThat(render.apply(parsed)).isEqualTo(text);

      List<String> parts = new ArrayList<>(Arrays.asList(text.split(",")));
      Collections.shuffle(parts, random);
      String shuffled = String.join(",", parts);
      assertThat(parse.apply(shuffled)).as("parse(%s)", shuffled).isEqualTo(record);
    }
  }

  // --------------------------------------------------------------------------------- generators

  private LxcFeatures randomFeatures() {
    List<String> mount = new ArrayList<>();
    for (String type : List.of("nfs", "cifs", "ext4", "fuse_blk", "overlay")) {
      if (random.nextInt(4) == 0) {
        mount.add(type);
      }
    }
    Collections.shuffle(mount, random);
    return new LxcFeatures(bool(), bool(), bool(), bool(), bool(), mount);
  }

  private LxcNetwork randomLxcNetwork() {
    while (true) {
      String ip6 = maybe(() -> oneOf("auto", "dhcp", "manual", ipv6() + "/" + between(8, 128)));
      boolean hostManaged = bool();
      boolean linkDown = bool();
      if (hostManaged && !linkDown && "auto".equals(ip6)) {
        continue; // PVE refuses SLAAC for host-managed interfaces
      }
      String ip = maybe(() -> oneOf("dhcp", "manual", ipv4() + "/" + between(8, 32)));
      List<Integer> trunks = new ArrayList<>();
      for (int i = random.nextInt(4); i > 0; i--) {
        trunks.add(between(1, 4094));
      }
      return new LxcNetwork(
          name(),
          maybe(this::name),
          maybe(this::mac),
          ip,
          maybe(this::ipv4),
          ip6,
          maybe(this::ipv6),
          maybe(() -> between(1, 4094)),
          trunks,
          bool(),
          maybe(() -> between(64, 65535)),
          maybe(this::rate),
          linkDown,
          hostManaged);
    }
  }

  private QemuNetwork randomQemuNetwork() {
    List<String> trunks = new ArrayList<>();
    for (int i = random.nextInt(4); i > 0; i--) {
      int from = between(1, 4094);
      trunks.add(bool() ? String.valueOf(from) : from + "-" + between(from, 4094));
    }
    QemuNetwork.Model[] models = QemuNetwork.Model.values();
    return new QemuNetwork(
        models[random.nextInt(models.length)],
        maybe(this::mac),
        maybe(this::name),
        maybe(() -> between(1, 4094)),
        trunks,
        bool(),
        maybe(() -> between(1, 65520)),
        maybe(() -> between(0, 64)),
        maybe(this::rate),
        bool());
  }

  private MountPoint randomMountPoint(boolean rootfs) {
    List<String> options = new ArrayList<>();
    for (String option : List.of("discard", "lazytime", "noatime", "nodev", "noexec", "nosuid")) {
      if (random.nextInt(3) == 0) {
        options.add(option);
      }
    }
    Collections.shuffle(options, random);
    String volume =
        oneOf(
            "local-lvm:vm-" + between(100, 999999) + "-disk-" + between(0, 9),
            "local-zfs:subvol-" + between(100, 999) + "-disk-" + between(0, 9),
            "local:" + between(0, 512),
            "/mnt/host/" + name(),
            "/dev/sd" + (char) ('a' + random.nextInt(26)) + between(1, 9));
    Long size =
        maybe(
            () ->
                oneOf((long) between(0, 100_000), (long) between(1, 4096) << (10 * between(1, 4))));
    return new MountPoint(
        volume,
        rootfs ? null : "/" + name() + "/" + name(),
        size,
        maybe(this::bool),
        !rootfs && bool(),
        !rootfs && bool(),
        options,
        bool(),
        bool(),
        bool(),
        bool());
  }

  private IpConfig randomIpConfig() {
    String ip = maybe(() -> oneOf("dhcp", "manual", ipv4() + "/" + between(8, 32)));
    String gw = ip != null && ip.contains("/") ? maybe(this::ipv4) : null;
    String ip6 = maybe(() -> oneOf("auto", "dhcp", ipv6() + "/" + between(8, 128)));
    String gw6 = ip6 != null && ip6.contains("/") ? maybe(this::ipv6) : null;
    return new IpConfig(ip, gw, ip6, gw6);
  }

  // ---------------------------------------------------------------------------------- values

  private boolean bool() {
    return random.nextBoolean();
  }

  private int between(int min, int max) {
    return min + random.nextInt(max - min + 1);
  }

  private <T> T maybe(Supplier<T> value) {
    return random.nextInt(3) == 0 ? null : value.get();
  }

  @SafeVarargs
  private <T> T oneOf(T... values) {
    return values[random.nextInt(values.length)];
  }

  private String name() {
    String chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
    StringBuilder name = new StringBuilder();
    for (int i = between(1, 12); i > 0; i--) {
      name.append(chars.charAt(random.nextInt(chars.length())));
    }
    String result = name.toString();
    return result.equals(".") || result.equals("..") ? "x" + result : result;
  }

  private String mac() {
    int first = random.nextInt(128) * 2; // unicast: I/G bit clear
    StringBuilder mac = new StringBuilder(String.format("%02x", first));
    for (int i = 0; i < 5; i++) {
      mac.append(':').append(String.format("%02x", random.nextInt(256)));
    }
    return bool() ? mac.toString() : mac.toString().toUpperCase(Locale.ROOT);
  }

  private String ipv4() {
    return random.nextInt(256)
        + "."
        + random.nextInt(256)
        + "."
        + random.nextInt(256)
        + "."
        + random.nextInt(256);
  }

  private String ipv6() {
    List<String> groups = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      groups.add(Integer.toHexString(random.nextInt(3) == 0 ? 0 : random.nextInt(0x10000)));
    }
    switch (random.nextInt(3)) {
      case 0:
        return String.join(":", groups);
      case 1: // compress a run of groups into "::"
        int from = random.nextInt(8);
        int to = between(from + 1, 8);
        return String.join(":", groups.subList(0, from))
            + "::"
            + String.join(":", groups.subList(to, 8));
      default: // embedded IPv4
        return String.join(":", groups.subList(0, 6)) + ":" + ipv4();
    }
  }

  private Double rate() {
    return oneOf(
        (double) between(0, 10_000), between(0, 100_000) / 10.0, random.nextDouble() * 1000);
  }
}
