package io.pvedeploy.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.pvedeploy.docker.DaemonConfig;
import io.pvedeploy.secrets.Generators;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeploymentSpecYamlTest {
  static final Path BASE = Path.of("/srv/specs");

  /** The example of docs/spec.md. */
  static final String FULL = """
      app: shop
      guest:
        kind: lxc            # or vm
        node: pve1
        cores: 2
        memory: 2048         # MiB
        disk: 8              # GiB
        template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst
        data: { size: 4, path: /opt/pvedeploy/data }
        network: { bridge: vmbr0, vlan: 20, ipv4: 10.99.0.60/24, gateway: 10.99.0.1 }
      docker: { log: { maxSize: 10m, maxFiles: 3 }, liveRestore: true, iptables: false }
      compose:
        bundle: ./deploy/shop
        images: [ shop/backend:1.4, shop/frontend:1.4 ]
      secrets:
        db_password: { generate: password, length: 32, services: [db, backend] }
        session_key: { generate: hex, bytes: 32, services: [backend], file: session.key }
        smtp_password: { generate: never, services: [backend] }
      health: { deadline: 3m }
      releases: 5
      requirements: { minMemory: 1024 }
      """;

  static DeploymentSpec load(String yaml) throws SpecException {
    return DeploymentSpec.fromYaml(yaml, "deploy.yaml", BASE);
  }

  static List<SpecProblem> problems(String yaml) {
    SpecException e = catchThrowableOfType(SpecException.class, () -> load(yaml));
    assertThat(e).as("expected a SpecException for:\n" + yaml).isNotNull();
    return e.problems();
  }

  static SpecProblem only(String yaml) {
    List<SpecProblem> problems = problems(yaml);
    assertThat(problems).as(problems.toString()).hasSize(1);
    return problems.get(0);
  }

  /** FULL with one line replaced. */
  static String with(String line, String replacement) {
    assertThat(FULL).contains(line);
    return FULL.replace(line, replacement);
  }

  @Test
  void theDocumentedExampleLoadsIntoTheModel() throws Exception {
    DeploymentSpec spec = load(FULL);
    assertThat(spec.app()).isEqualTo("shop");
    GuestSpec g = spec.guest();
    assertThat(g.kind()).isEqualTo(GuestKind.LXC);
    assertThat(g.placement()).isEqualTo(new Placement.OnNode("pve1"));
    assertThat(g.vmid()).isEmpty();
    assertThat(g.cores()).isEqualTo(2);
    assertThat(g.memoryMb()).isEqualTo(2048);
    assertThat(g.diskGb()).isEqualTo(8);
    assertThat(g.storage()).isEqualTo("local-lvm");
    assertThat(g.template()).isEqualTo(
        new GuestTemplate.OsTemplate("local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"));
    assertThat(g.data()).contains(new DataVolume(4, "/opt/pvedeploy/data"));
    assertThat(g.network()).isEqualTo(new NetworkSpec("vmbr0", OptionalInt.of(20),
        Addressing.staticIpv4("10.99.0.60/24", "10.99.0.1")));
    assertThat(g.security()).isEqualTo(SecurityPolicy.defaults());
    assertThat(spec.hostname()).isEqualTo("shop");
    assertThat(spec.docker().daemon())
        .isEqualTo(DaemonConfig.builder().logRotation("10m", 3).liveRestore(true).iptables(false).build());
    assertThat(spec.compose().bundleDirectory()).isEqualTo(Path.of("/srv/specs/deploy/shop"));
    assertThat(spec.compose().images()).extracting(ImageSpec::reference)
        .containsExactly("shop/backend:1.4", "shop/frontend:1.4");
    assertThat(spec.secrets()).containsExactly(
        SecretSpec.password("db_password", 32).withServices("db", "backend"),
        SecretSpec.hex("session_key", 32).withServices("backend").withFileName("session.key"),
        SecretSpec.provided("smtp_password").withServices("backend"));
    assertThat(spec.health().deadline()).isEqualTo(Duration.ofMinutes(3));
    assertThat(spec.releasesToKeep()).isEqualTo(5);
    assertThat(spec.requirements()).isEqualTo(Requirements.minMemoryMb(1024));
    assertThat(spec.securityWarnings()).isEmpty();
  }

  @Test
  void theSameSpecBuiltInJavaIsEqual() throws Exception {
    DeploymentSpec java = DeploymentSpec.builder("shop")
        .guest(GuestSpec.lxc("local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst")
            .node("pve1").cores(2).memoryMb(2048).diskGb(8).data(DataVolume.of(4, "/opt/pvedeploy/data"))
            .network(NetworkSpec.builder().vlan(20).staticIpv4("10.99.0.60/24", "10.99.0.1")))
        .docker(DaemonConfig.builder().iptables(false).build())
        .compose(ComposeSpec.of(Path.of("/srv/specs/deploy/shop"), "shop/backend:1.4", "shop/frontend:1.4"))
        .secret(SecretSpec.password("db_password", 32).withServices("db", "backend"))
        .secret(SecretSpec.hex("session_key", 32).withServices("backend").withFileName("session.key"))
        .secret(SecretSpec.provided("smtp_password").withServices("backend"))
        .requirements(Requirements.minMemoryMb(1024))
        .build();
    assertThat(load(FULL)).isEqualTo(java);
  }

  @Test
  void aMinimalSpecTakesEveryDefault() throws Exception {
    DeploymentSpec spec = load("""
        app: shop
        guest:
          template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst
          network: { ipv4: 10.0.0.20/24, gateway: 10.0.0.1 }
        compose: { bundle: shop }
        """);
    assertThat(spec.guest().kind()).isEqualTo(GuestKind.LXC);
    assertThat(spec.guest().placement()).isEqualTo(Placement.leastLoaded());
    assertThat(spec.guest().cores()).isEqualTo(GuestSpec.DEFAULT_CORES);
    assertThat(spec.guest().memoryMb()).isEqualTo(GuestSpec.DEFAULT_MEMORY_MB);
    assertThat(spec.guest().diskGb()).isEqualTo(GuestSpec.DEFAULT_DISK_GB);
    assertThat(spec.guest().data()).isEmpty();
    assertThat(spec.guest().network().bridge()).isEqualTo("vmbr0");
    assertThat(spec.guest().network().vlan()).isEmpty();
    assertThat(spec.docker()).isEqualTo(DockerSpec.defaults());
    assertThat(spec.compose().images()).isEmpty();
    assertThat(spec.secrets()).isEmpty();
    assertThat(spec.health()).isEqualTo(HealthSpec.defaults());
    assertThat(spec.releasesToKeep()).isEqualTo(5);
    assertThat(spec.requirements().isNone()).isTrue();
  }

  @Test
  void aVmIsOneFieldAway() throws Exception {
    DeploymentSpec spec = load(with("  kind: lxc            # or vm", "  kind: vm")
        .replace("template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst", "template: 9000"));
    assertThat(spec.guest().kind()).isEqualTo(GuestKind.VM);
    assertThat(spec.guest().template()).isEqualTo(new GuestTemplate.VmTemplate(9000));
    assertThat(spec.guest().network().toIpConfig().render()).isEqualTo("ip=10.99.0.60/24,gw=10.99.0.1");
  }

  @Test
  void roundTripsThroughToYaml() throws Exception {
    DeploymentSpec full = load(FULL);
    String yaml = full.toYaml();
    assertThat(load(yaml)).isEqualTo(full);
    assertThat(load(yaml).toYaml()).isEqualTo(yaml);

    DeploymentSpec odd = full.toBuilder()
        .guest(GuestSpec.vm(9000).vmid(120).hostname("shop-1.example.org").storage("ceph_vm")
            .network(NetworkSpec.builder().bridge("vmbr1").dhcp()))
        .docker(new DaemonConfig("local", Optional.empty(), 0, Optional.of(true), Optional.of("overlay2"), false))
        .secrets(List.of(SecretSpec.password("pin", 8, "0123456789"), SecretSpec.base64("b", 16),
            SecretSpec.provided("yes").withServices("123", "true")))
        .healthDeadline(Duration.ofSeconds(5430))
        .releasesToKeep(1)
        .requirements(Requirements.none().withMinCores(1).withMinDiskGb(4))
        .build();
    assertThat(load(odd.toYaml())).isEqualTo(odd);
    assertThat(odd.toYaml()).contains("deadline: 1h30m30s");

    DeploymentSpec opted = full.toBuilder()
        .guest(full.guest().toBuilder().placement(Placement.leastLoaded())
            .network(NetworkSpec.builder().staticIpv4WithoutGateway("192.168.7.2/24"))
            .security(SecurityPolicy.defaults().privileged("NFS: mounts: 'x' # not a comment")
                .apparmorUnconfined("ticket OPS-12")))
        .build();
    assertThat(load(opted.toYaml())).isEqualTo(opted);
  }

  @Test
  void bundleIsRelativeToTheSpecFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("conf/deploy.yaml");
    Files.createDirectories(file.getParent());
    Files.writeString(file, FULL, StandardCharsets.UTF_8);
    DeploymentSpec spec = DeploymentSpec.fromYaml(file);
    assertThat(spec.compose().bundleDirectory()).isEqualTo(dir.resolve("conf/deploy/shop").toAbsolutePath());
    assertThat(load(with("bundle: ./deploy/shop", "bundle: /opt/bundles/../shop")).compose().bundleDirectory())
        .isEqualTo(Path.of("/opt/shop"));
    SpecException e = catchThrowableOfType(SpecException.class,
        () -> DeploymentSpec.fromYaml(with("app: shop", "app: Shop"), "x.yaml"));
    assertThat(e.getMessage()).startsWith("x.yaml:1:6 app: 'Shop' is not an app name");
  }

  // ---- the rules, each with its field, line and column

  @Test
  void unknownFieldSuggestsTheNearestKnownOne() {
    SpecProblem p = only(with("  memory: 2048         # MiB", "  memroy: 2048"));
    assertThat(p).isEqualTo(new SpecProblem("guest.memroy", 6, 3,
        "unknown field 'memroy'; did you mean 'memory'?"));
    p = only(FULL + "colour: blue\n");
    assertThat(p.field()).isEqualTo("colour");
    assertThat(p.line()).isEqualTo(22);
    assertThat(p.message()).isEqualTo("unknown field 'colour'; expected one of: app, guest, docker, compose,"
        + " secrets, health, releases, requirements");
    assertThat(only(with("liveRestore: true", "live_restore: true")).message())
        .contains("did you mean 'liveRestore'?");
    assertThat(only(with("releases: 5", "release: 5")).message()).contains("did you mean 'releases'?");
  }

  @Test
  void duplicateKeysAreRefused() {
    SpecProblem p = only(with("  cores: 2\n", "  cores: 2\n  cores: 4\n"));
    assertThat(p).isEqualTo(new SpecProblem("guest.cores", 6, 3, "duplicate key 'cores' (first at line 5)"));
    p = only(FULL.replace("  smtp_password:", "  db_password:"));
    assertThat(p.field()).isEqualTo("secrets.db_password");
    assertThat(p.line()).isEqualTo(18);
    assertThat(p.message()).contains("duplicate key 'db_password' (first at line 16)");
  }

  @Test
  void wrongTypesSayWhatWasExpected() {
    assertThat(only(with("  cores: 2\n", "  cores: two\n")))
        .isEqualTo(new SpecProblem("guest.cores", 5, 10, "expected an integer, got 'two'"));
    assertThat(only(with("memory: 2048         # MiB", "memory: 2G")))
        .isEqualTo(new SpecProblem("guest.memory", 6, 11,
            "expected an integer number of MiB ('2G' is written 2048), got '2G'"));
    assertThat(only(with("disk: 8              # GiB", "disk: 8GiB")).message())
        .isEqualTo("expected an integer number of GiB ('8GiB' is written 8), got '8GiB'");
    assertThat(only(with("liveRestore: true", "liveRestore: yes")))
        .isEqualTo(new SpecProblem("docker.liveRestore", 11, 60, "expected true or false, got 'yes'"));
    assertThat(only(with("images: [ shop/backend:1.4, shop/frontend:1.4 ]", "images: shop/backend:1.4")))
        .isEqualTo(new SpecProblem("compose.images", 14, 11, "expected a list, like [a, b], got 'shop/backend:1.4'"));
    SpecProblem p = only("""
        app: shop
        guest: lxc
        compose: { bundle: x }
        """);
    assertThat(p).isEqualTo(new SpecProblem("guest", 2, 8, "expected a mapping (key: value lines), got 'lxc'"));
    assertThat(only(with("kind: lxc            # or vm", "kind: lxd")).message())
        .isEqualTo("unknown guest kind 'lxd': expected lxc or vm; did you mean 'lxc'?");
  }

  @Test
  void invalidIpv4IsReportedAtItsValue() {
    SpecProblem p = only(with("ipv4: 10.99.0.60/24", "ipv4: 10.0.0.300/24"));
    assertThat(p).isEqualTo(new SpecProblem("guest.network.ipv4", 10, 45,
        "'10.0.0.300/24' is not an IPv4 address with prefix (expected like 10.0.0.20/24)"));
    assertThat(p.format("deploy.yaml")).isEqualTo("deploy.yaml:10:45 guest.network.ipv4: '10.0.0.300/24' is not"
        + " an IPv4 address with prefix (expected like 10.0.0.20/24)");
    assertThat(only(with("ipv4: 10.99.0.60/24", "ipv4: 10.99.0.60")).message())
        .contains("the prefix is missing: write e.g. 10.99.0.60/24");
    assertThat(only(with("ipv4: 10.99.0.60/24", "ipv4: 10.99.0.60/33")).field()).isEqualTo("guest.network.ipv4");
    assertThat(only(with("ipv4: 10.99.0.60/24", "ipv4: 010.99.0.60/24")).field()).isEqualTo("guest.network.ipv4");
    assertThat(only(with("ipv4: 10.99.0.60/24", "ipv4: 10.99.0.0/24")).message())
        .contains("is the network's own address");
    assertThat(only(with("ipv4: 10.99.0.60/24", "ipv4: 10.99.0.255/24")).message())
        .contains("broadcast");
  }

  @Test
  void theGatewayMustBeInTheSubnet() {
    SpecProblem p = only(with("gateway: 10.99.0.1", "gateway: 10.98.0.1"));
    assertThat(p).isEqualTo(new SpecProblem("guest.network.gateway", 10, 69, "10.98.0.1 is outside the guest's"
        + " subnet 10.99.0.0/24 (10.99.0.60/24); the gateway must be reachable on the link"));
    assertThat(only(with("gateway: 10.99.0.1", "gateway: 10.99.0.60")).message()).contains("own address");
    assertThat(only(with("gateway: 10.99.0.1", "gateway: 10.99.0")).message())
        .isEqualTo("'10.99.0' is not an IPv4 address (expected like 10.0.0.1)");
  }

  @Test
  void staticAddressingIsRequiredUnlessDhcpIsAskedFor() throws Exception {
    SpecProblem p = only(with("network: { bridge: vmbr0, vlan: 20, ipv4: 10.99.0.60/24, gateway: 10.99.0.1 }",
        "network: { bridge: vmbr0 }"));
    assertThat(p.field()).isEqualTo("guest.network.ipv4");
    assertThat(p.line()).isEqualTo(10);
    assertThat(p.column()).isEqualTo(3);
    assertThat(p.message()).startsWith("required: a static address with its prefix");

    p = only(with(", gateway: 10.99.0.1", ""));
    assertThat(p.field()).isEqualTo("guest.network.gateway");
    assertThat(p.message()).contains("gateway: none on an isolated network");
    assertThat(load(with("gateway: 10.99.0.1", "gateway: none")).guest().network().addressing())
        .isEqualTo(Addressing.staticIpv4WithoutGateway("10.99.0.60/24"));

    assertThat(load(with("ipv4: 10.99.0.60/24, gateway: 10.99.0.1", "ipv4: dhcp")).guest().network().addressing())
        .isEqualTo(Addressing.dhcp());
    assertThat(only(with("ipv4: 10.99.0.60/24", "ipv4: dhcp")).field()).isEqualTo("guest.network.gateway");

    p = only("""
        app: shop
        guest:
          template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst
        compose: { bundle: x }
        """);
    assertThat(p).isEqualTo(new SpecProblem("guest.network", 2, 1,
        "required: the bridge and a static ipv4 with its gateway (or ipv4: dhcp)"));
  }

  @Test
  void rangesAreChecked() {
    assertThat(only(with("  kind: lxc            # or vm\n", "  kind: lxc\n  vmid: 99\n")))
        .isEqualTo(new SpecProblem("guest.vmid", 4, 9, "99 is out of range: PVE guest ids are 100 to 999999999"
            + " (or leave vmid out to let the planner pick a free one)"));
    assertThat(only(with("cores: 2", "cores: 0")).message()).isEqualTo("0 is out of range: 1 to 8192");
    assertThat(only(with("memory: 2048         # MiB", "memory: 128")).message())
        .startsWith("128 MiB is out of range: 256 to 4194304 MiB");
    assertThat(only(with("disk: 8              # GiB", "disk: 1")).field()).isEqualTo("guest.disk");
    assertThat(only(with("vlan: 20", "vlan: 4095")))
        .isEqualTo(new SpecProblem("guest.network.vlan", 10, 35, "4095 is out of range: VLAN tags are 1 to 4094"));
    assertThat(only(with("releases: 5", "releases: 0")).field()).isEqualTo("releases");
    assertThat(only(with("data: { size: 4,", "data: { size: 0,")).field()).isEqualTo("guest.data.size");
    assertThat(only(with("cores: 2", "cores: 99999999999")).message()).startsWith("expected an integer");
  }

  @Test
  void memoryBelowTheStatedRequirementIsAnError() {
    SpecProblem p = only(with("requirements: { minMemory: 1024 }", "requirements: { minMemory: 4096 }"));
    assertThat(p).isEqualTo(new SpecProblem("guest.memory", 6, 11,
        "2048 MiB is below the 4096 MiB the stack requires (requirements.minMemory)"));
    assertThat(only(with("requirements: { minMemory: 1024 }", "requirements: { minCores: 4 }")).field())
        .isEqualTo("guest.cores");
    assertThat(only(with("requirements: { minMemory: 1024 }", "requirements: { minDisk: 20 }")).field())
        .isEqualTo("guest.disk");
    assertThat(only(with("requirements: { minMemory: 1024 }", "requirements: { minMemory: -1 }")).field())
        .isEqualTo("requirements.minMemory");
  }

  @Test
  void appNameFollowsDockerGuestsRule() {
    assertThat(only(with("app: shop", "app: Shop")))
        .isEqualTo(new SpecProblem("app", 1, 6, "'Shop' is not an app name: a lower-case letter, then up to 39"
            + " lower-case letters, digits or '-' (it names the compose project, its directories and labels)"));
    assertThat(only(with("app: shop", "app: 1shop")).field()).isEqualTo("app");
    assertThat(only(with("app: shop", "app: shop_1")).field()).isEqualTo("app");
    assertThat(only(with("app: shop", "app: a" + "b".repeat(40))).field()).isEqualTo("app");
    assertThat(only(with("app: shop\n", "")).field()).isEqualTo("app");
  }

  @Test
  void imageReferencesThatCouldReachAShellAreRefused() {
    assertThat(only(with("shop/frontend:1.4 ]", "'shop/frontend :1.4' ]")))
        .isEqualTo(new SpecProblem("compose.images[1]", 14, 31, "'shop/frontend :1.4' contains a space; an"
            + " image reference is like shop/backend:1.4 or registry.example:5000/shop/backend:1.4"));
    assertThat(only(with("shop/frontend:1.4 ]", "\"shop/x:1$(reboot)\" ]")).message()).contains("'$'");
    assertThat(only(with("shop/frontend:1.4 ]", "\"shop/x:1;reboot\" ]")).message())
        .contains("a shell metacharacter");
    assertThat(only(with("shop/frontend:1.4 ]", "\"shop/x:1\\nreboot\" ]")).message()).contains("a line break");
    assertThat(only(with("shop/frontend:1.4 ]", "\"shop/x:'1'\" ]")).message()).contains("a quote");
    assertThat(only(with("shop/frontend:1.4 ]", "Shop/Frontend:1.4 ]")).message())
        .contains("is not an image reference");
    assertThat(only(with("shop/frontend:1.4 ]", "shop/frontend ]")).message()).contains("has no tag");
    assertThat(only(with("shop/frontend:1.4 ]", "shop/backend:1.4 ]")).message()).contains("listed twice");
  }

  @Test
  void imageReferencesInDockersGrammarAreAccepted() throws Exception {
    for (String ok : List.of("registry.example:5000/shop/backend:1.4", "localhost/a_b__c-d.e:v1.0-rc.1",
        "shop/backend@sha256:" + "a".repeat(64), "debian:12", "ghcr.io/o/r:1.4@sha256:" + "0".repeat(64))) {
      assertThat(load(with("shop/frontend:1.4 ]", "\"" + ok + "\" ]")).compose().images())
          .contains(ImageSpec.of(ok));
    }
  }

  @Test
  void secretsAreCheckedByName() {
    assertThat(only(with("  db_password: { generate: password, length: 32,",
        "  db_password: { generate: pasword, length: 32,")))
        .isEqualTo(new SpecProblem("secrets.db_password.generate", 16, 28,
            "unknown generator 'pasword': expected password, hex, base64 or never; did you mean 'password'?"));
    assertThat(only(with("generate: hex, bytes: 32", "generate: hex, length: 32")))
        .isEqualTo(new SpecProblem("secrets.session_key.length", 17, 41,
            "length does not apply to generate: hex (it takes bytes)"));
    assertThat(only(with("length: 32", "length: 2")).message())
        .isEqualTo("2 is out of range: a password has 4 to 4096 characters");
    assertThat(only(with("bytes: 32", "bytes: 4")).field()).isEqualTo("secrets.session_key.bytes");
    assertThat(only(with("  smtp_password:", "  SMTP:")).field()).isEqualTo("secrets.SMTP");
    assertThat(only(with("services: [db, backend]", "services: [db, db]")))
        .isEqualTo(new SpecProblem("secrets.db_password.services[1]", 16, 65, "'db' is listed twice"));
    assertThat(only(with("file: session.key", "file: ../x")).field()).isEqualTo("secrets.session_key.file");
    assertThat(only(with("file: session.key", "file: db_password")).message())
        .contains("is also secret 'db_password''s");
    SpecProblem p = only(with("generate: never, ", ""));
    assertThat(p.field()).isEqualTo("secrets.smtp_password.generate");
    assertThat(p.line()).isEqualTo(18);
  }

  @Test
  void providedSecretsMustBeInTheStore() throws Exception {
    DeploymentSpec spec = load(FULL);
    spec.validateAgainst(Set.of("smtp_password"));
    SpecException e = catchThrowableOfType(SpecException.class, () -> spec.validateAgainst(Set.of("db_password")));
    assertThat(e.problems()).extracting(SpecProblem::field).containsExactly("secrets.smtp_password");
    assertThat(e.getMessage()).contains("generate: never, but the secret store has no value for it");
  }

  @Test
  void servicesUsingUndeclaredSecretsAreCaught() throws Exception {
    DeploymentSpec spec = load(FULL);
    spec.checkSecretReferences(Map.of("backend", List.of("db_password", "smtp_password"), "db", List.of()));
    SpecException e = catchThrowableOfType(SpecException.class, () -> spec.checkSecretReferences(
        Map.of("backend", List.of("api_key"), "worker", List.of("db_password"))));
    assertThat(e.problems()).extracting(SpecProblem::field)
        .containsExactly("secrets.api_key", "secrets.db_password.services");
    assertThat(e.getMessage()).contains("service 'backend' uses secret 'api_key', which secrets: does not declare");
  }

  @Test
  void securityOptInsNeedReasonsAndShowAsWarnings() throws Exception {
    String privileged = with("gateway: 10.99.0.1 }\n",
        "gateway: 10.99.0.1 }\n  security: { privileged: { reason: \"NFS client (OPS-12)\" } }\n");
    DeploymentSpec spec = load(privileged);
    assertThat(spec.guest().security().isPrivileged()).isTrue();
    assertThat(spec.securityWarnings()).containsExactly(
        new SecurityWarning(SecurityWarning.Kind.PRIVILEGED_CONTAINER, "NFS client (OPS-12)"));
    assertThat(spec.securityWarnings().get(0).message()).isEqualTo("privileged container: root inside the"
        + " container is root on the node (reason: NFS client (OPS-12))");

    SpecProblem p = only(privileged.replace("{ reason: \"NFS client (OPS-12)\" }", "true"));
    assertThat(p.field()).isEqualTo("guest.security.privileged");
    assertThat(p.line()).isEqualTo(11);
    assertThat(p.message()).startsWith("privileged is an opt-in that takes a reason");
    p = only(privileged.replace("NFS client (OPS-12)", " "));
    assertThat(p.field()).isEqualTo("guest.security.privileged.reason");
    assertThat(p.line()).isEqualTo(11);
    p = only(privileged.replace("reason: \"NFS client (OPS-12)\"", ""));
    assertThat(p.field()).isEqualTo("guest.security.privileged.reason");
    assertThat(load(privileged.replace("{ reason: \"NFS client (OPS-12)\" }", "false")).securityWarnings()).isEmpty();

    DeploymentSpec both = load(privileged.replace("} }", "}, apparmorUnconfined: { reason: r } }"));
    assertThat(both.securityWarnings()).extracting(SecurityWarning::kind).containsExactly(
        SecurityWarning.Kind.PRIVILEGED_CONTAINER, SecurityWarning.Kind.APPARMOR_UNCONFINED);

    String vm = privileged.replace("kind: lxc            # or vm", "kind: vm")
        .replace("template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst", "template: 9000");
    p = only(vm);
    assertThat(p.field()).isEqualTo("guest.security.privileged");
    assertThat(p.message()).startsWith("applies to LXC containers only");
  }

  @Test
  void theTemplateMustMatchTheKind() {
    SpecProblem p = only(with("kind: lxc            # or vm", "kind: vm"));
    assertThat(p.field()).isEqualTo("guest.template");
    assertThat(p.line()).isEqualTo(8);
    assertThat(p.message()).startsWith("a vm is cloned from a VM template's id (e.g. 9000), not from the container"
        + " template");
    p = only(with("template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst", "template: 9000"));
    assertThat(p.message()).contains("to clone VM template 9000 write kind: vm");
    p = only(with("template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst", "template: debian 12"));
    assertThat(p.message()).contains("is not a PVE volume id");
  }

  @Test
  void durationsAndDockerSettings() throws Exception {
    assertThat(load(with("deadline: 3m", "deadline: 90s")).health().deadline()).isEqualTo(Duration.ofSeconds(90));
    assertThat(load(with("deadline: 3m", "deadline: 1h")).health().deadline()).isEqualTo(Duration.ofHours(1));
    assertThat(only(with("deadline: 3m", "deadline: 180")))
        .isEqualTo(new SpecProblem("health.deadline", 19, 21, "a duration needs a unit: 180s, or like 90s, 3m,"
            + " 1h, 1h30m"));
    assertThat(only(with("deadline: 3m", "deadline: 3 minutes")).message())
        .isEqualTo("expected a duration like 90s, 3m, 1h or 1h30m, got '3 minutes'");
    assertThat(only(with("deadline: 3m", "deadline: 2s")).message()).isEqualTo("2s is out of range: 5s to 24h");

    assertThat(load(with("maxSize: 10m", "maxSize: null")).docker().daemon().logMaxSize()).isEmpty();
    SpecProblem p = only(with("maxSize: 10m", "maxSize: 10 MB"));
    assertThat(p.field()).isEqualTo("docker.log.maxSize");
    assertThat(p.line()).isEqualTo(11);
    assertThat(p.message()).contains("is not a size like 10m");
    assertThat(only(with("iptables: false", "iptables: false, storageDriver: \"Overlay 2\"")).field())
        .isEqualTo("docker.storageDriver");
  }

  @Test
  void everyProblemIsReportedAtOnceInFileOrder() {
    String yaml = FULL.replace("app: shop", "app: Shop").replace("memory: 2048", "memory: 512")
        .replace("ipv4: 10.99.0.60/24", "ipv4: 10.0.0.300/24").replace("cores: 2", "cpus: 2")
        .replace("shop/frontend:1.4 ]", "\"shop/x:1;reboot\" ]").replace("releases: 5", "releases: -1")
        .replace("requirements: { minMemory: 1024 }", "requirements: { minMemory: 1024 }\nhealth: {}");
    SpecException e = catchThrowableOfType(SpecException.class, () -> load(yaml));
    assertThat(e.problems()).extracting(SpecProblem::field).containsExactly("app", "guest.cpus", "guest.memory",
        "guest.network.ipv4", "compose.images[1]", "releases", "health");
    assertThat(e.problems()).extracting(SpecProblem::line).containsExactly(1, 5, 6, 10, 14, 20, 22);
    assertThat(e.getMessage()).startsWith("deploy.yaml: 7 problems\n  deploy.yaml:1:6 app: 'Shop' is not an app"
        + " name").contains("\n  deploy.yaml:10:45 guest.network.ipv4: '10.0.0.300/24' is not an IPv4 address"
        + " with prefix (expected like 10.0.0.20/24)\n");
    assertThat(e.source()).contains("deploy.yaml");
  }

  @Test
  void yamlThatIsNotASpecIsReportedWithItsPosition() {
    SpecProblem p = only("app: shop\nguest: { kind: lxc\n");
    assertThat(p.field()).isEmpty();
    assertThat(p.line()).isGreaterThanOrEqualTo(2);
    assertThat(p.message()).startsWith("not valid YAML");
    assertThat(only("").message()).startsWith("the spec is empty");
    assertThat(only("- a\n- b\n").message()).startsWith("expected a mapping with app:");
    assertThat(only("app: shop\n---\napp: other\n").message()).startsWith("not valid YAML");
  }

  @Test
  void aMissingSectionPointsAtWhereItBelongs() {
    List<SpecProblem> ps = problems("app: shop\n");
    assertThat(ps).extracting(SpecProblem::field).containsExactly("guest", "compose");
    assertThat(ps).allSatisfy(p -> assertThat(p.line()).isEqualTo(1));
  }

  @Test
  void theRecordRefusesInvalidValuesToo() throws Exception {
    DeploymentSpec spec = load(FULL);
    assertThatThrownBy(() -> new DeploymentSpec("Shop", spec.guest(), spec.docker(), spec.compose(), spec.secrets(),
        spec.health(), spec.releasesToKeep(), spec.requirements()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("app: 'Shop' is not an app name: a lower-case"
            + " letter, then up to 39 lower-case letters, digits or '-' (it names the compose project, its"
            + " directories and labels)");
  }

  @Test
  void printingASpecShowsNoSecretValue() throws Exception {
    DeploymentSpec spec = load(FULL);
    String printed = spec.toString() + spec.toYaml();
    for (SecretSpec s : spec.secrets()) {
      s.toGenerator().ifPresent(g -> {
        String value = g.generate(new java.security.SecureRandom()).asString();
        assertThat(printed).doesNotContain(value);
      });
    }
    assertThat(spec.secret("smtp_password").orElseThrow().toGenerator()).isEmpty();
    assertThat(spec.secret("db_password").orElseThrow().toGenerator().orElseThrow()
        .generate(new java.security.SecureRandom()).asString()).hasSize(32)
        .matches("[" + java.util.regex.Pattern.quote(Generators.SAFE_ALPHABET) + "]+");
  }
}
