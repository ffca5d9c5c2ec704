package io.pvedeploy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.SecretSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoStackTest {
  @TempDir Path dir;

  @Test
  void imageReferencesAreTaggedByRecipeHashAndStable() {
    DemoImages.Refs refs = DemoImages.references();
    assertThat(refs.all()).allMatch(r -> r.matches("pvedeploy-demo/(postgres|redis|backend|frontend):[0-9a-f]{12}"));
    assertThat(refs.all()).doesNotHaveDuplicates();
    assertThat(DemoImages.references()).isEqualTo(refs);
    assertThat(DemoImages.baseReference()).matches("pvedeploy-demo/debian:bookworm-[0-9a-f]{12}");
  }

  @Test
  void theBundleNamesTheImagesThroughItsEnvFileAndDoesNotDeclareTheSecret() throws Exception {
    DemoImages.Refs refs = DemoImages.references();
    Path bundle = DemoStack.writeBundle(dir.resolve("bundle"), refs);
    String compose = Files.readString(bundle.resolve("compose.yaml"));
    assertThat(compose).contains("version: \"3.8\"", "${DEMO_BACKEND_IMAGE:?", "POSTGRES_PASSWORD_FILE: /run/secrets/db_password")
        .doesNotContain("\nsecrets:");
    for (String service : DemoStack.SERVICES) {
      assertThat(compose).contains("\n  " + service + ":\n");
    }
    assertThat(Files.readString(bundle.resolve(".env"))).contains("DEMO_BACKEND_IMAGE=" + refs.backend() + "\n");
  }

  @Test
  void theSpecInJavaEqualsTheDocumentedYaml() throws Exception {
    DemoImages.Refs refs = DemoImages.references();
    Path bundle = DemoStack.writeBundle(dir.resolve("bundle"), refs);
    DeploymentSpec spec = DemoStack.spec(bundle, refs);

    assertThat(spec.app()).isEqualTo("demo");
    assertThat(spec.compose().images()).extracting(Object::toString).containsExactlyElementsOf(refs.all());
    assertThat(spec.secret("db_password")).get().extracting(SecretSpec::services).asList().containsExactly("db", "backend");
    assertThat(spec.securityWarnings()).isEmpty();
    spec.checkSecretReferences(DemoStack.secretsByService());

    String yaml = DemoStack.specYaml(refs);
    assertThat(yaml).doesNotContainPattern("@[A-Z]+@");
    Files.writeString(dir.resolve("demo.yaml"), yaml);
    assertThat(DeploymentSpec.fromYaml(dir.resolve("demo.yaml"))).isEqualTo(spec);
  }
}
