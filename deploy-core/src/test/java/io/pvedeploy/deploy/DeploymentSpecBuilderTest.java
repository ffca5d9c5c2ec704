package io.pvedeploy.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.pvedeploy.docker.ComposeProject;
import io.pvedeploy.docker.DaemonConfig;
import io.pvedeploy.proxmox.LxcFeatures;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeploymentSpecBuilderTest {
  static final String TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";

  static GuestSpec.Builder guest() {
    return GuestSpec.lxc(TEMPLATE).network(NetworkSpec.builder().staticIpv4("10.0.0.20/24", "10.0.0.1"));
  }

  static DeploymentSpec.Builder spec() {
    return DeploymentSpec.builder("shop").guest(guest()).compose(ComposeSpec.of(Path.of("/srv/shop"), "shop/web:1"));
  }

  static List<SpecProblem> problems(DeploymentSpec.Builder b) {
    SpecException e = catchThrowableOfType(SpecException.class, b::build);
    assertThat(e).as("expected a SpecException").isNotNull();
    assertThat(e.source()).isEmpty();
    assertThat(e.problems()).allSatisfy(p -> {
      assertThat(p.line()).as("built in Java: no line").isZero();
      assertThat(p.column()).isZero();
    });
    return e.problems();
  }

  @Test
  void defaultsAreTheSafeOnes() throws Exception {
    DeploymentSpec s = spec().build();
    assertThat(s.releasesToKeep()).isEqualTo(ComposeProject.DEFAULT_RELEASES_KEPT).isEqualTo(5);
    assertThat(s.health().deadline()).isEqualTo(Duration.ofMinutes(3));
    assertThat(s.docker().daemon()).isEqualTo(DaemonConfig.defaults());
    GuestSpec g = s.guest();
    assertThat(g.kind()).isEqualTo(GuestKind.LXC);
    assertThat(g.storage()).isEqualTo("local-lvm");
    assertThat(g.placement()).isEqualTo(Placement.leastLoaded());
    assertThat(g.security()).isEqualTo(SecurityPolicy.defaults());
    assertThat(g.security().isPrivileged()).isFalse();
    assertThat(g.security().lxcFeatures()).isEqualTo(LxcFeatures.docker());
    assertThat(g.security().lxcFeatures().render()).contains("nesting=1", "keyctl=1");
    assertThat(s.securityWarnings()).isEmpty();
    assertThat(g.network().bridge()).isEqualTo("vmbr0");
    assertThat(g.network().addressing()).isInstanceOf(Addressing.Static.class);
    assertThat(s.hostname()).isEqualTo("shop");
    assertThat(s.requirements().isNone()).isTrue();
  }

  @Test
  void aStaticAddressIsRequiredUnlessDhcpIsAskedFor() throws Exception {
    List<SpecProblem> ps = problems(spec().guest(guest().network(NetworkSpec.builder().bridge("vmbr1"))));
    assertThat(ps).extracting(SpecProblem::field).containsExactly("guest.network.ipv4");
    assertThat(ps.get(0).toString()).startsWith("guest.network.ipv4: required: a static address with its prefix");

    assertThat(problems(spec().guest(GuestSpec.lxc(TEMPLATE)))).extracting(SpecProblem::field)
        .containsExactly("guest.network");

    DeploymentSpec dhcp = spec().guest(guest().network(NetworkSpec.builder().dhcp())).build();
    assertThat(dhcp.guest().network().addressing()).isEqualTo(Addressing.dhcp());
    assertThat(dhcp.guest().network().toLxcNetwork("eth0").ip()).isEqualTo("dhcp");
  }

  @Test
  void networkConvertsToPveProperties() throws Exception {
    NetworkSpec n = spec().guest(guest().network(NetworkSpec.builder().bridge("vmbr1").vlan(20)
        .staticIpv4("10.99.0.60/24", "10.99.0.1"))).build().guest().network();
    assertThat(n.toLxcNetwork("eth0").render()).contains("name=eth0", "bridge=vmbr1", "ip=10.99.0.60/24",
        "gw=10.99.0.1", "tag=20");
    assertThat(n.toQemuNetwork().render()).contains("virtio", "bridge=vmbr1", "tag=20");
    assertThat(n.toIpConfig().render()).isEqualTo("ip=10.99.0.60/24,gw=10.99.0.1");
  }

  @Test
  void securityOptInsNeedAReasonAndBecomeWarnings() throws Exception {
    assertThat(problems(spec().guest(guest().security(SecurityPolicy.defaults().privileged("  ")))))
        .extracting(SpecProblem::field).containsExactly("guest.security.privileged.reason");
    assertThat(problems(spec().guest(guest().security(SecurityPolicy.defaults().privileged(null)))))
        .extracting(SpecProblem::field).containsExactly("guest.security.privileged.reason");
    assertThat(problems(spec().guest(guest().security(SecurityPolicy.defaults().apparmorUnconfined("")))))
        .extracting(SpecProblem::field).containsExactly("guest.security.apparmorUnconfined.reason");

    DeploymentSpec s = spec().guest(guest().security(SecurityPolicy.defaults()
        .privileged("legacy NFS client").apparmorUnconfined("the NFS client needs mount"))).build();
    assertThat(s.securityWarnings()).containsExactly(
        new SecurityWarning(SecurityWarning.Kind.PRIVILEGED_CONTAINER, "legacy NFS client"),
        new SecurityWarning(SecurityWarning.Kind.APPARMOR_UNCONFINED, "the NFS client needs mount"));
    assertThat(s.securityWarnings()).extracting(SecurityWarning::message).allSatisfy(m -> assertThat(m).contains("reason: "));

    assertThat(problems(spec().guest(GuestSpec.vm(9000).network(NetworkSpec.builder().dhcp())
        .security(SecurityPolicy.defaults().privileged("x"))))).extracting(SpecProblem::field)
        .containsExactly("guest.security.privileged");
  }

  @Test
  void switchingToAVmIsOneCall() throws Exception {
    DeploymentSpec lxc = spec().build();
    DeploymentSpec vm = lxc.toBuilder().guest(lxc.guest().toBuilder().vm(9000)).build();
    assertThat(vm.guest().kind()).isEqualTo(GuestKind.VM);
    assertThat(vm.guest().network()).isEqualTo(lxc.guest().network());
    assertThat(problems(lxc.toBuilder().guest(lxc.guest().toBuilder().kind(GuestKind.VM))))
        .extracting(SpecProblem::field).containsExactly("guest.template");
    assertThat(problems(lxc.toBuilder().guest(GuestSpec.vm(9000).vmid(9000).network(NetworkSpec.builder().dhcp()))))
        .extracting(SpecProblem::message).containsExactly("9000 is the template itself; the clone needs its own id");
  }

  @Test
  void everyProblemIsCollected() {
    List<SpecProblem> ps = problems(DeploymentSpec.builder("My App")
        .guest(GuestSpec.lxc("debian").vmid(5).node("pve_1").hostname("-x").cores(0).memoryMb(64).diskGb(0)
            .storage("Local").data(DataVolume.of(0, "/proc/x"))
            .network(NetworkSpec.builder().bridge("vmbr0 ").vlan(0).staticIpv4("10.0.0.20/24", "10.0.1.1")))
        .secret(SecretSpec.hex("db", 2).withServices("db", "db"))
        .secret(SecretSpec.password("db", 32))
        .healthDeadline(Duration.ofMillis(5500))
        .releasesToKeep(101)
        .requirements(Requirements.minMemoryMb(-1)));
    assertThat(ps).extracting(SpecProblem::field).containsExactly("app", "guest.template", "guest.vmid",
        "guest.node", "guest.hostname", "guest.cores", "guest.memory", "guest.disk", "guest.storage",
        "guest.data.size", "guest.data.path", "guest.network.bridge", "guest.network.vlan",
        "guest.network.gateway", "compose", "secrets.db.bytes", "secrets.db.services[1]", "secrets.db",
        "health.deadline", "releases", "requirements.minMemory");
    SpecException e = catchThrowableOfType(SpecException.class, () -> DeploymentSpec.builder("My App")
        .guest(guest()).compose(ComposeSpec.of(Path.of("x"))).releasesToKeep(0).build());
    assertThat(e.getMessage()).isEqualTo("deployment spec: 2 problems\n"
        + "  app: 'My App' is not an app name: a lower-case letter, then up to 39 lower-case letters, digits or"
        + " '-' (it names the compose project, its directories and labels)\n"
        + "  releases: 0 is out of range: keep 1 to 100 releases (5 by default; older ones are pruned, the last"
        + " good one is what a failed release rolls back to)");
  }

  @Test
  void dataVolumePathsMustBePlainAndNotTheSystems() {
    for (String bad : List.of("relative", "/", "/etc", "/var/lib/docker", "/dev/sdb", "/a/../b", "/a b", "/a,b",
        "/opt/x/")) {
      assertThat(problems(spec().guest(guest().data(DataVolume.of(4, bad)))))
          .as(bad).extracting(SpecProblem::field).containsExactly("guest.data.path");
    }
  }

  @Test
  void secretsConvertToTheStoresGenerators() throws Exception {
    DeploymentSpec s = spec().secret(SecretSpec.password("pw", 20, "ab"))
        .secret(SecretSpec.hex("hx", 16)).secret(SecretSpec.base64("b64", 30))
        .secret(SecretSpec.provided("api_key").withServices("web")).build();
    SecureRandom random = new SecureRandom();
    assertThat(s.secret("pw").orElseThrow().toGenerator().orElseThrow().generate(random).asString())
        .matches("[ab]{20}");
    assertThat(s.secret("hx").orElseThrow().toGenerator().orElseThrow().generate(random).asString())
        .matches("[0-9a-f]{32}");
    assertThat(s.secret("b64").orElseThrow().toGenerator().orElseThrow().generate(random).asString())
        .hasSize(40);
    assertThat(s.secret("api_key").orElseThrow().isGenerated()).isFalse();
    assertThat(s.secret("api_key").orElseThrow().effectiveFileName()).isEqualTo("api_key");
    assertThat(s.toString()).contains("Provided[]").doesNotContain("Secret[");
  }

  @Test
  void theSpecHoldsNoClient() {
    for (var c : DeploymentSpec.class.getRecordComponents()) {
      assertThat(c.getType().getPackageName()).as(c.getName()).isNotEqualTo("io.pvedeploy.proxmox");
    }
  }
}
