package io.pvedeploy.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.pvedeploy.deploy.internal.BundleChecks;
import io.pvedeploy.docker.ComposeBundle;
import io.pvedeploy.proxmox.NodeShell;
import io.pvedeploy.proxmox.ProxmoxClient;
import io.pvedeploy.secrets.AgeIdentity;
import io.pvedeploy.secrets.SecretStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks of a spec against its compose bundle and the store (BundleChecks), each problem at
 * its field's line and column in the spec's YAML; and the positions a loaded spec keeps for them.
 */
class BundleChecksTest {
  static final String SPEC = """
      app: shop
      guest:
        node: pve1
        memory: 1536
        template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst
        network: { ipv4: 10.0.0.20/24, gateway: 10.0.0.1 }
      compose:
        bundle: bundle
      secrets:
        db_password: { generate: password, services: [db, backend] }
        api_token: { generate: never, services: [backend] }
      """;

  /** db and backend read db_password; backend reads api_token and smtp_password; 2 GiB of limits. */
  static final String COMPOSE = """
      services:
        db:
          image: postgres:16
          mem_limit: 1g
          environment:
            POSTGRES_PASSWORD_FILE: /run/secrets/db_password
        backend:
          image: shop/backend:1.4
          deploy: { resources: { limits: { memory: 1024M } } }
          environment:
            - DB_PASSWORD_FILE=/run/secrets/db_password
            - API_TOKEN_FILE=/run/secrets/api_token
          secrets: [ smtp_password ]
        worker:
          image: shop/backend:1.4
          environment:
            CERT_FILE: /run/secrets/${CERT_NAME}
            KEY_FILE: /run/secrets/tls.key
          secrets:
            - source: tls_key
              target: tls.key
      secrets:
        tls_key: { file: ./tls.key }
      """;

  @TempDir Path dir;

  DeploymentSpec load(String yaml) throws SpecException {
    return DeploymentSpec.fromYaml(yaml, "deploy.yaml", dir);
  }

  ComposeBundle bundle(String compose) throws Exception {
    return bundle(Map.of("compose.yaml", compose));
  }

  ComposeBundle bundle(Map<String, String> files) throws Exception {
    Path b = dir.resolve("bundle");
    Files.createDirectories(b);
    for (Map.Entry<String, String> f : files.entrySet()) {
      Files.writeString(b.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
    }
    return ComposeBundle.fromDirectory(b);
  }

  static SpecException failure(DeploymentSpec spec, ComposeBundle bundle, Set<String> store) {
    SpecException e = catchThrowableOfType(SpecException.class, () -> BundleChecks.check(spec, bundle, store));
    assertThat(e).as("expected a SpecException").isNotNull();
    return e;
  }

  static SpecProblem only(DeploymentSpec spec, ComposeBundle bundle) {
    List<SpecProblem> problems = failure(spec, bundle, null).problems();
    assertThat(problems).as(problems.toString()).hasSize(1);
    return problems.get(0);
  }

  @Test
  void everyProblemOfSpecBundleAndStoreIsReportedAtOnceWithItsLine() throws Exception {
    SpecException e = failure(load(SPEC), bundle(COMPOSE), Set.of());
    assertThat(e.source()).contains("deploy.yaml");
    assertThat(e.problems()).containsExactly(
        new SpecProblem("guest.memory", 4, 11, "1536 MiB is below the 2304 MiB the stack needs: services' memory"
            + " limits 2048 MiB (db 1024, backend 1024) + 256 MiB for the guest's OS and Docker; raise"
            + " guest.memory or lower the limits"),
        new SpecProblem("secrets.smtp_password", 9, 1, "service 'backend' (compose.yaml:13 secrets: smtp_password)"
            + " reads secret 'smtp_password', which secrets: does not declare, so no file would be mounted;"
            + " declare it with a generator (smtp_password: { generate: password, services: [backend] }), or"
            + " as smtp_password: { generate: never, services: [backend] } and put its value in the store"
            + " (store.put(\"smtp_password\", …))"),
        new SpecProblem("secrets.api_token", 11, 3, "generate: never, but the secret store has no value for it;"
            + " put one in before deploying (e.g. store.put(\"api_token\", …))"));
    assertThat(e.getMessage()).isEqualTo("deploy.yaml: 3 problems\n"
        + "  deploy.yaml:4:11 guest.memory: " + e.problems().get(0).message() + "\n"
        + "  deploy.yaml:9:1 secrets.smtp_password: " + e.problems().get(1).message() + "\n"
        + "  deploy.yaml:11:3 secrets.api_token: " + e.problems().get(2).message());
  }

  @Test
  void aServiceMissingFromASecretsServicesListIsReportedAtThatList() throws Exception {
    String spec = SPEC.replace("services: [db, backend] }", "services: [db] }")
        .replace("memory: 1536", "memory: 4096");
    SpecProblem p = only(load(spec), bundle(COMPOSE.replace("secrets: [ smtp_password ]", "")
        .replace("API_TOKEN_FILE", "API_TOKEN")));
    assertThat(p).isEqualTo(new SpecProblem("secrets.db_password.services", 10, 38, "service 'backend'"
        + " (compose.yaml:11 environment DB_PASSWORD_FILE=/run/secrets/db_password) reads secret 'db_password'"
        + " but is not in its services: list, so no file would be mounted; write services: [db, backend]"));
  }

  @Test
  void theDemoBundlePasses() throws Exception {
    Path demo = Path.of("..", "examples", "src", "main", "resources", "io", "pvedeploy", "examples", "demo");
    String spec = Files.readString(demo.resolve("demo.yaml"), StandardCharsets.UTF_8)
        .replace("\"@POSTGRES@\"", "demo/postgres:1").replace("\"@REDIS@\"", "demo/redis:1")
        .replace("\"@BACKEND@\"", "demo/backend:1").replace("\"@FRONTEND@\"", "demo/frontend:1");
    DeploymentSpec loaded = DeploymentSpec.fromYaml(spec, "demo.yaml", demo);
    ComposeBundle bundle = ComposeBundle.fromDirectory(loaded.compose().bundleDirectory());
    BundleChecks.check(loaded, bundle, Set.<String>of());
    BundleChecks.check(loaded, bundle, (Set<String>) null);

    // and its one secret, dropped from the spec, is found where the demo's services read it
    SpecException e = failure(DeploymentSpec.fromYaml(spec.replace(
        "  db_password: { generate: password, length: 32, services: [db, backend] }\n", "  {}\n")
        .replace("secrets:\n  {}\n", ""), "demo.yaml", demo), bundle, null);
    assertThat(e.problems()).singleElement().satisfies(p -> {
      assertThat(p.field()).isEqualTo("secrets.db_password");
      assertThat(p.line()).as("no secrets: section, so the document's start").isEqualTo(1);
      assertThat(p.message()).startsWith("services 'db' (compose.yaml:16 environment"
          + " POSTGRES_PASSWORD_FILE=/run/secrets/db_password) and 'backend' (compose.yaml:33 environment"
          + " DB_PASSWORD_FILE=/run/secrets/db_password) read secret 'db_password', which secrets: does not"
          + " declare");
    });
  }

  @Test
  void aSpecBuiltInJavaGetsTheSameProblemsWithoutPositions() throws Exception {
    DeploymentSpec yaml = load(SPEC);
    DeploymentSpec java = DeploymentSpec.builder("shop")
        .guest(GuestSpec.lxc("local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst").node("pve1").memoryMb(1536)
            .network(NetworkSpec.builder().staticIpv4("10.0.0.20/24", "10.0.0.1")))
        .compose(ComposeSpec.of(dir.resolve("bundle")))
        .secret(SecretSpec.password("db_password", 32).withServices("db", "backend"))
        .secret(SecretSpec.provided("api_token").withServices("backend"))
        .build();
    assertThat(yaml).isEqualTo(java).hasSameHashCodeAs(java);
    assertThat(yaml.toString()).isEqualTo(java.toString());

    ComposeBundle bundle = bundle(COMPOSE);
    SpecException fromJava = failure(java, bundle, Set.of());
    SpecException fromYaml = failure(yaml, bundle, Set.of());
    assertThat(fromJava.source()).isEmpty();
    assertThat(fromJava.problems()).allSatisfy(p -> {
      assertThat(p.line()).isZero();
      assertThat(p.column()).isZero();
    });
    assertThat(fromJava.problems()).extracting(SpecProblem::field)
        .containsExactlyInAnyOrderElementsOf(fromYaml.problems().stream().map(SpecProblem::field).toList());
    assertThat(fromJava.getMessage()).contains("\n  guest.memory: 1536 MiB is below");

    assertThat(yaml.toBuilder().build()).as("a builder's spec is no longer the file's").isEqualTo(yaml)
        .satisfies(copy -> assertThat(failure(copy, bundle, Set.of()).problems())
            .allSatisfy(p -> assertThat(p.line()).isZero()));
  }

  @Test
  void theStoreAndServiceChecksOnTheSpecNowHaveLines() throws Exception {
    DeploymentSpec spec = load(DeploymentSpecYamlTest.FULL);
    SpecException e = catchThrowableOfType(SpecException.class, () -> spec.validateAgainst(Set.of()));
    assertThat(e.problems()).containsExactly(new SpecProblem("secrets.smtp_password", 18, 3, "generate: never,"
        + " but the secret store has no value for it; put one in before deploying (e.g."
        + " store.put(\"smtp_password\", …))"));
    assertThat(e.getMessage()).startsWith("deploy.yaml:18:3 secrets.smtp_password: generate: never");

    e = catchThrowableOfType(SpecException.class, () -> spec.checkSecretReferences(
        Map.of("backend", List.of("api_key"), "worker", List.of("db_password"))));
    assertThat(e.problems()).extracting(SpecProblem::field, SpecProblem::line, SpecProblem::column)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("secrets.api_key", 15, 1),
            org.assertj.core.groups.Tuple.tuple("secrets.db_password.services", 16, 50));
  }

  @Test
  void aServiceNameNotInTheBundleIsATypo() throws Exception {
    String spec = SPEC.replace("memory: 1536", "memory: 4096").replace("[db, backend]", "[db, backnd]");
    SpecException e = failure(load(spec), bundle(COMPOSE), Set.of("api_token", "smtp_password"));
    assertThat(e.problems()).extracting(SpecProblem::field).containsExactly("secrets.smtp_password",
        "secrets.db_password.services", "secrets.db_password.services[1]");
    assertThat(e.problems().get(0).message()).endsWith("the store has a value for it: declare it as"
        + " smtp_password: { generate: never, services: [backend] }");
    assertThat(e.problems().get(2)).isEqualTo(new SpecProblem("secrets.db_password.services[1]", 10, 53,
        "'backnd' is not a service of the compose bundle (compose.yaml has db, backend, worker); did you mean"
            + " 'backend'?"));
  }

  @Test
  void memorySizesInEveryFormComposeAccepts() throws Exception {
    String spec = SPEC.replace("memory: 1536", "memory: 1024").replace("  api_token: { generate: never, services:"
        + " [backend] }\n", "").replace("services: [db, backend]", "services: []");
    SpecProblem p = only(load(spec), bundle(Map.of("compose.yaml", """
        services:
          a: { image: x:1, mem_limit: 268435456 }
          b: { image: x:1, mem_limit: "${B_MEM:-128m}" }
          c: { image: x:1, mem_reservation: 64MiB }
          d: { image: x:1, deploy: { replicas: 2, resources: { reservations: { memory: 0.5G } } } }
          e: { image: x:1, mem_limit: "${UNSET_MEM}" }
          f: { image: x:1 }
          g: { image: x:1, mem_limit: "${G_MEM}" }
        """, ".env", "G_MEM=100m  # set here\n")));
    assertThat(p).isEqualTo(new SpecProblem("guest.memory", 4, 11, "1024 MiB is below the 1828 MiB the stack"
        + " needs: services' memory limits 1572 MiB (a 256, b 128, c 64 (reservation), d 2×512 (reservation),"
        + " g 100) + 256 MiB for the guest's OS and Docker; raise guest.memory or lower the limits"));
    assertThat(p.line()).as("guest.memory's value").isEqualTo(4);

    // a guest.memory left at its default is reported at guest:
    SpecProblem dflt = only(load(spec.replace("  memory: 1024\n", "")), bundle(Map.of("compose.yaml",
        "services:\n  a: { image: x:1, mem_limit: 2g }\n")));
    assertThat(dflt).extracting(SpecProblem::field, SpecProblem::line, SpecProblem::column)
        .containsExactly("guest.memory", 2, 1);
    assertThat(dflt.message()).startsWith("2048 MiB is below the 2304 MiB the stack needs");
  }

  @Test
  void laterComposeFilesOverrideAndSecretFileNamesMapToTheirSecret() throws Exception {
    String spec = """
        app: shop
        guest:
          memory: 1024
          template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst
          network: { ipv4: 10.0.0.20/24, gateway: 10.0.0.1 }
        compose: { bundle: bundle }
        secrets:
          session_key: { generate: hex, services: [web], file: session.key }
        """;
    Path b = dir.resolve("bundle");
    Files.createDirectories(b);
    Files.writeString(b.resolve("base.yml"), """
        services:
          web:
            image: x:1
            mem_limit: 2g
            environment: [ "SESSION_KEY_FILE=/run/secrets/session.key" ]
        """);
    Files.writeString(b.resolve("prod.yml"), """
        services:
          web:
            mem_limit: 512m
          cron:
            image: x:1
            environment: { KEY: /run/secrets/session.key/, TOKEN: "$${NOT_A_VAR}", X: /run/secrets/ }
        """);
    ComposeBundle bundle = ComposeBundle.builder(b).composeFiles("base.yml", "prod.yml").build();
    SpecProblem p = only(load(spec), bundle);
    assertThat(p).isEqualTo(new SpecProblem("secrets.session_key.services", 8, 33, "service 'cron'"
        + " (prod.yml:6 environment KEY=/run/secrets/session.key/) reads secret 'session_key' but is not in"
        + " its services: list, so no file would be mounted; write services: [web, cron]"));
    BundleChecks.check(load(spec.replace("services: [web]", "services: [web, cron]")), bundle, Set.<String>of());
  }

  @Test
  void sharedSettingsThroughYamlMergeKeysCount() throws Exception {
    String spec = SPEC.replace("  api_token: { generate: never, services: [backend] }\n", "")
        .replace("services: [db, backend]", "services: [a]");
    SpecException e = failure(load(spec), bundle("""
        x-common: &common
          mem_limit: 1g
          environment: { TOKEN_FILE: /run/secrets/token }
        services:
          a: { <<: *common, image: "x:1", environment: { DB_PASSWORD_FILE: /run/secrets/db_password } }
          b:
            <<: *common
            image: x:1
        """), null);
    assertThat(e.problems()).extracting(SpecProblem::field, SpecProblem::line)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("guest.memory", 4),
            org.assertj.core.groups.Tuple.tuple("secrets.token", 9));
    assertThat(e.problems().get(0).message()).contains("2048 MiB (a 1024, b 1024)");
    assertThat(e.problems().get(1).message()).startsWith("service 'b' (compose.yaml:3 environment"
        + " TOKEN_FILE=/run/secrets/token) reads secret 'token'");
  }

  @Test
  void theDeployerChecksBeforeItAsksTheTargetAnything(@TempDir Path home) throws Exception {
    DeploymentSpec spec = load(SPEC);
    bundle(COMPOSE);
    SecretStore store = SecretStore.create(home.resolve("secrets.age"), AgeIdentity.generate());
    try (ProxmoxClient pve = ProxmoxClient.builder().baseUrl("https://127.0.0.1:9")
            .apiToken("root@pam!ci", "00000000-0000-0000-0000-000000000000").build();
        NodeShell node = NodeShell.builder().host("127.0.0.1").port(9).build()) {
      Deployer deployer = Deployer.to(Target.of(pve).via(node)).secrets(store);
      assertThatThrownBy(() -> deployer.plan(spec))
          .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems())
              .extracting(SpecProblem::field)
              .containsExactly("guest.memory", "secrets.smtp_password", "secrets.api_token"));
    }
  }
}
