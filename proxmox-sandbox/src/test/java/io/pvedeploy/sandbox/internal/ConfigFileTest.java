package io.pvedeploy.sandbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Config files as pve-container and qemu-server write and read them, raw lxc.* keys included. */
class ConfigFileTest {

  private static Guest container() {
    Guest g = new Guest(101, GuestType.LXC, "pve1");
    g.config.put("hostname", "web");
    g.config.put("memory", "1024");
    g.config.put("arch", "amd64");
    g.config.put("rootfs", "local-lvm:vm-101-disk-0,size=8G");
    return g;
  }

  @Test
  void rawEntriesComeAfterTheSortedKeysInTheirOwnOrderWithDuplicates() {
    Guest g = container();
    ConfigFile.setRaw(g.config, List.of(
        new ConfigFile.Raw("lxc.mount.entry", "/srv/a srv/a none bind 0 0"),
        new ConfigFile.Raw("lxc.apparmor.profile", "unconfined"),
        new ConfigFile.Raw("lxc.mount.entry", "/srv/b srv/b none bind 0 0")));
    g.config.put("env", "A=1\0B=two words");
    g.config.put("description", "web: front end\nsecond line ü 100%");

    assertThat(g.render()).isEqualTo("""
        #web%3A front end
        #second line %C3%BC 100%25
        arch: amd64
        hostname: web
        memory: 1024
        rootfs: local-lvm:vm-101-disk-0,size=8G
        lxc.environment.runtime: A=1
        lxc.environment.runtime: B=two words
        lxc.mount.entry: /srv/a srv/a none bind 0 0
        lxc.apparmor.profile: unconfined
        lxc.mount.entry: /srv/b srv/b none bind 0 0
        """);
  }

  @Test
  void snapshotsFollowSortedByNameEachWithItsOwnRawEntries() {
    Guest g = container();
    ConfigFile.setRaw(g.config, List.of(new ConfigFile.Raw("lxc.apparmor.profile", "unconfined")));
    g.config.put("parent", "b-later");
    Map<String, String> b = new LinkedHashMap<>(Map.of("hostname", "web", "snaptime", "1700000100"));
    Map<String, String> a = new LinkedHashMap<>(Map.of("hostname", "old", "snaptime", "1700000000"));
    ConfigFile.setRaw(a, List.of(new ConfigFile.Raw("lxc.cap.drop", "")));
    g.snapshots.put("b-later", new Guest.Snapshot("b-later", b));
    g.snapshots.put("a-first", new Guest.Snapshot("a-first", a));

    assertThat(g.render()).endsWith("""
        rootfs: local-lvm:vm-101-disk-0,size=8G
        lxc.apparmor.profile: unconfined

        [a-first]
        hostname: old
        snaptime: 1700000000
        lxc.cap.drop:\s

        [b-later]
        hostname: web
        snaptime: 1700000100
        """);
  }

  @Test
  void parseReadsWhatAnAdminWritesAsPveDoes() {
    String file = """
        #my web server%3A the
        #front end
        arch: amd64
        lxc.apparmor.profile: unconfined
        hostname:   web\t
        lxc.cgroup2.devices.allow = c 10:200 rwm
        memory: 1024

        lxc.apparmor.profile=generated
        lxc.rootfs.path: /tmp/evil
        lxc.bogus.key: 1
        this is not a config line
        lxc.environment.runtime: A=1
        rootfs: local-lvm:vm-101-disk-0,size=8G
        [pve:pending]
        memory: 4096
        [snap1]
        #snapshot note
        hostname: old
        snaptime: 1700000000
        lxc.mount.entry: /srv srv none bind 0 0
        """;
    ConfigFile.Parsed p = ConfigFile.parse(GuestType.LXC, 101, file, null);

    assertThat(p.config()).containsEntry("description", "my web server: the\nfront end\n")
        .containsEntry("hostname", "web").containsEntry("memory", "1024").containsEntry("env", "A=1")
        .doesNotContainKey("lxc.apparmor.profile");
    assertThat(ConfigFile.raw(p.config())).containsExactly(
        new ConfigFile.Raw("lxc.apparmor.profile", "unconfined"),
        new ConfigFile.Raw("lxc.cgroup2.devices.allow", "c 10:200 rwm"),
        new ConfigFile.Raw("lxc.apparmor.profile", "generated"));
    assertThat(p.snapshots()).containsOnlyKeys("snap1");
    Map<String, String> snap = p.snapshots().get("snap1");
    assertThat(snap).containsEntry("description", "snapshot note\n").containsEntry("hostname", "old")
        .containsEntry("snaptime", "1700000000");
    assertThat(ConfigFile.raw(snap)).containsExactly(new ConfigFile.Raw("lxc.mount.entry", "/srv srv none bind 0 0"));
    assertThat(p.warnings()).containsExactly(
        "vm 101 - lxc.rootfs.path: lxc.rootfs.path is auto generated from rootfs",
        "vm 101 - unable to parse config: lxc.bogus.key: 1",
        "vm 101 - unable to parse config: this is not a config line",
        "vm 101 - skipping section [pve:pending]: the sandbox applies changes at once and keeps no pending or "
            + "special sections");

    Guest g = new Guest(101, GuestType.LXC, "pve1");
    g.config.putAll(p.config());
    p.snapshots().forEach((name, c) -> g.snapshots.put(name, new Guest.Snapshot(name, c)));
    assertThat(g.render()).isEqualTo("""
        #my web server%3A the
        #front end
        arch: amd64
        hostname: web
        memory: 1024
        rootfs: local-lvm:vm-101-disk-0,size=8G
        lxc.environment.runtime: A=1
        lxc.apparmor.profile: unconfined
        lxc.cgroup2.devices.allow: c 10:200 rwm
        lxc.apparmor.profile: generated

        [snap1]
        #snapshot note
        hostname: old
        snaptime: 1700000000
        lxc.mount.entry: /srv srv none bind 0 0
        """);
  }

  @Test
  void renderThenParseGivesTheSameFileBack() {
    Guest g = container();
    ConfigFile.setRaw(g.config, List.of(new ConfigFile.Raw("lxc.apparmor.profile", "unconfined"),
        new ConfigFile.Raw("lxc.apparmor.profile", "unconfined")));
    g.config.put("description", "a: b\n\nc %41");
    g.snapshots.put("s1", new Guest.Snapshot("s1", new LinkedHashMap<>(g.config)));
    String text = g.render();

    ConfigFile.Parsed p = ConfigFile.parse(GuestType.LXC, 101, text, null);
    Guest back = new Guest(101, GuestType.LXC, "pve1");
    back.config.putAll(p.config());
    p.snapshots().forEach((name, c) -> back.snapshots.put(name, new Guest.Snapshot(name, c)));

    assertThat(p.warnings()).isEmpty();
    assertThat(back.render()).isEqualTo(text);
    assertThat(back.digest()).isEqualTo(g.digest());
    // As PVE reads it: each '#' line ends in a newline.
    assertThat(back.config.get("description")).isEqualTo("a: b\n\nc %41\n");
  }

  @Test
  void aChangedValueMustPassTheSchemaButAnUnchangedOneIsTakenAsItIs() {
    Guest previous = container();
    previous.config.put("parent", "s1");
    previous.config.put("weird", "kept because the sandbox wrote it");
    String file = """
        memory: lots
        hostname: web
        weird: kept because the sandbox wrote it
        parent: s1
        newkey: x
        cores: 2
        """;
    ConfigFile.Parsed p = ConfigFile.parse(GuestType.LXC, 101, file, previous);

    assertThat(p.config()).containsOnlyKeys("hostname", "weird", "parent", "cores");
    assertThat(p.warnings()).hasSize(2);
    assertThat(p.warnings().get(0)).startsWith("vm 101 - unable to parse value of 'memory' - ").endsWith("(line skipped)");
    assertThat(p.warnings().get(1)).isEqualTo("vm 101 - unable to parse value of 'newkey' - unknown setting 'newkey' "
        + "(line skipped)");
  }

  @Test
  void aVmHasNoRawKeysAndStripsItsDescription() {
    String file = """
        #note%3A one

        lxc.apparmor.profile: unconfined
        name: vm1
        memory: 2048
        [special:cloudinit]
        ipconfig0: ip=dhcp
        [snap]
        name: vm1
        """;
    ConfigFile.Parsed p = ConfigFile.parse(GuestType.QEMU, 200, file, null);

    assertThat(p.config()).containsExactly(Map.entry("name", "vm1"), Map.entry("memory", "2048"),
        Map.entry("description", "note: one"));
    assertThat(p.snapshots()).containsOnlyKeys("snap");
    assertThat(p.warnings()).hasSize(2).first().isEqualTo("vm 200 - unable to parse config: lxc.apparmor.profile: unconfined");
  }

  @Test
  void encodeTextEscapesWhatPveEscapes() {
    assertThat(ConfigFile.encodeText("a:b%c\td é~")).isEqualTo("a%3Ab%25c%09d %C3%A9~");
    assertThat(ConfigFile.decodeText("a%3Ab%25c%09d %C3%A9~%zz")).isEqualTo("a:b%c\td é~%zz");
  }
}
