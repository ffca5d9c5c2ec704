package io.pvedeploy.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module arrows of ARCHITECTURE.md, as rules over the compiled classes of every module:
 *
 * <pre>
 * examples ─► deploy-core ─► proxmox-client
 *                │  └──────► docker-guest
 *                └─────────► secrets
 * proxmox-sandbox ─► (nothing of ours)
 * </pre>
 *
 * plus: nobody reaches into another module's {@code internal} package.
 */
class ModuleArrowsTest {
  static final String PROXMOX = "io.pvedeploy.proxmox..";
  static final String DOCKER = "io.pvedeploy.docker..";
  static final String SECRETS = "io.pvedeploy.secrets..";
  static final String DEPLOY = "io.pvedeploy.deploy..";
  static final String SANDBOX = "io.pvedeploy.sandbox..";
  static final String EXAMPLES = "io.pvedeploy.examples..";

  static JavaClasses production;

  @BeforeAll
  static void importAllModules() {
    production = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.pvedeploy");
  }

  /** Each module's root package, and what it must not use. */
  static final List<ArchRule> RULES = List.of(
      rule(PROXMOX, DOCKER, SECRETS, DEPLOY, SANDBOX, EXAMPLES)
          .because("proxmox-client knows neither Docker nor secrets, nor who uses it"),
      rule(DOCKER, PROXMOX, SECRETS, DEPLOY, SANDBOX, EXAMPLES)
          .because("docker-guest reaches guests only through a GuestShell, never Proxmox's API"),
      rule(SECRETS, PROXMOX, DOCKER, DEPLOY, SANDBOX, EXAMPLES)
          .because("secrets imports none of the other modules"),
      rule(DEPLOY, SANDBOX, EXAMPLES)
          .because("deploy-core works against any PVE, the sandbox is only a stand-in for one"),
      rule(SANDBOX, PROXMOX, DOCKER, SECRETS, DEPLOY, EXAMPLES)
          .because("the sandbox stands in for PVE and must not share the client's code, or a"
              + " bug in one would hide in the other"));

  private static ArchRule rule(String module, String... forbidden) {
    return noClasses().that().resideInAPackage(module)
        .should().dependOnClassesThat().resideInAnyPackage(forbidden)
        .allowEmptyShould(true);
  }

  @Test
  void everyModuleRespectsTheArrowsOfTheArchitecture() {
    RULES.forEach(rule -> rule.check(production));
  }

  @Test
  void noModuleUsesAnotherModulesInternalPackage() {
    for (String module : List.of("proxmox", "docker", "secrets", "deploy", "sandbox")) {
      noClasses().that().resideOutsideOfPackage("io.pvedeploy." + module + "..")
          .should().dependOnClassesThat().resideInAPackage("io.pvedeploy." + module + ".internal..")
          .because("internal packages are not API; JPMS does not export them")
          .allowEmptyShould(true)
          .check(production);
    }
  }

  @Test
  void theRulesSeeTheModulesTheyGuard() {
    // An import that found no classes would make every rule pass vacuously.
    assertThat(production.containPackage("io.pvedeploy.proxmox")).isTrue();
    assertThat(production.containPackage("io.pvedeploy.sandbox")).isTrue();
  }

  @Test
  void aCrossedArrowFailsTheBuild() {
    // A class of the client's package that uses the sandbox: exactly what the rules forbid.
    JavaClasses crossing = new ClassFileImporter().importClasses(
        io.pvedeploy.proxmox.archfixture.ClientThatUsesTheSandbox.class);
    assertThatThrownBy(() -> RULES.get(0).check(crossing))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("ClientThatUsesTheSandbox")
        .hasMessageContaining("io.pvedeploy.sandbox");
  }
}
