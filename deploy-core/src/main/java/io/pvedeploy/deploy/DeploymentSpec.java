package io.pvedeploy.deploy;

import io.pvedeploy.deploy.internal.SpecReader;
import io.pvedeploy.deploy.internal.SpecSource;
import io.pvedeploy.deploy.internal.SpecWriter;
import io.pvedeploy.docker.ComposeProject;
import io.pvedeploy.docker.DaemonConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What to deploy and how: the app's guest, Docker's settings, the compose bundle and its images,
 * the secrets (how each is made, never a value), the health deadline and how many releases to
 * keep. Immutable and always valid: built in Java with {@link #builder(String)} or loaded from
 * YAML with {@link #fromYaml(Path)}, both checking the same rules and reporting every problem at
 * once as a {@link SpecException}. Where it is deployed (a {@link Target}) is not part of it.
 *
 * <pre>{@code
 * DeploymentSpec spec = DeploymentSpec.builder("shop")
 *     .guest(GuestSpec.lxc("local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst")
 *         .node("pve1").cores(2).memoryMb(2048).diskGb(8)
 *         .data(DataVolume.of(4))
 *         .network(NetworkSpec.builder().vlan(20).staticIpv4("10.99.0.60/24", "10.99.0.1")))
 *     .compose(ComposeSpec.of(Path.of("deploy/shop"), "shop/backend:1.4", "shop/frontend:1.4"))
 *     .secret(SecretSpec.password("db_password", 32).withServices("db", "backend"))
 *     .build();
 * // or
 * DeploymentSpec spec = DeploymentSpec.fromYaml(Path.of("deploy.yaml"));
 * }</pre>
 *
 * <p>The YAML format, every field's default and the rules are in {@code docs/spec.md}.
 *
 * @param app the app's name, {@code [a-z][a-z0-9-]{0,39}} (the compose project, its directories
 *     and labels)
 * @param guest the guest it runs in
 * @param docker Docker's settings in the guest
 * @param compose the bundle and the images to ship
 * @param secrets the secrets it needs, by name
 * @param health when a release counts as failed
 * @param releasesToKeep how many releases stay on the guest, 1 to 100; {@link
 *     ComposeProject#DEFAULT_RELEASES_KEPT} by default
 * @param requirements what the stack needs from its guest
 */
public record DeploymentSpec(
    String app,
    GuestSpec guest,
    DockerSpec docker,
    ComposeSpec compose,
    List<SecretSpec> secrets,
    HealthSpec health,
    int releasesToKeep,
    Requirements requirements) {

  /**
   * Checks every rule; a caller that builds the record directly gets {@link
   * IllegalArgumentException} listing the problems (the builder and the YAML loader throw {@link
   * SpecException} instead).
   */
  public DeploymentSpec {
    secrets = secrets == null ? List.of() : List.copyOf(secrets);
    requirements = requirements == null ? Requirements.none() : requirements;
    List<SpecProblem> problems =
        SpecRules.check(app, guest, docker, compose, secrets, health, releasesToKeep, requirements);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(new SpecException(null, problems).getMessage());
    }
  }

  /** A spec for app {@code app}; everything but the guest and the compose bundle has a default. */
  public static Builder builder(String app) {
    return new Builder(app);
  }

  /**
   * Loads a spec from a YAML file; a relative {@code compose.bundle} is resolved against the
   * file's directory.
   *
   * @throws SpecException with every problem, each with its field, line and column
   * @throws IOException if the file cannot be read (or is not UTF-8)
   */
  public static DeploymentSpec fromYaml(Path file) throws IOException, SpecException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    Path dir = file.toAbsolutePath().normalize().getParent();
    return fromYaml(text, file.getFileName().toString(), dir);
  }

  /**
   * Loads a spec from YAML text; a relative {@code compose.bundle} is resolved against the working
   * directory.
   *
   * @param sourceName the name errors show, e.g. {@code deploy.yaml}
   */
  public static DeploymentSpec fromYaml(String text, String sourceName) throws SpecException {
    return fromYaml(text, sourceName, Path.of("").toAbsolutePath());
  }

  /**
   * Loads a spec from YAML text, resolving a relative {@code compose.bundle} against {@code
   * baseDirectory}.
   */
  public static DeploymentSpec fromYaml(String text, String sourceName, Path baseDirectory)
      throws SpecException {
    SpecReader.Result read = SpecReader.read(text, sourceName, baseDirectory);
    List<SpecProblem> problems = read.problems();
    if (read.builder() != null) {
      problems = read.merge(read.builder().problems());
    }
    if (!problems.isEmpty()) {
      throw new SpecException(sourceName, problems);
    }
    DeploymentSpec spec = read.builder().buildUnchecked();
    // Checks that need more than the spec (the store, the bundle) run later; they place their
    // problems in this file through it.
    SpecSource.remember(spec, read.source());
    return spec;
  }

  /**
   * This spec as YAML that {@link #fromYaml(String, String)} reads back to an equal spec (every
   * default written out, the bundle as an absolute path): what a saved plan records.
   */
  public String toYaml() {
    return SpecWriter.write(this);
  }

  /** The guest's host name: the one given, or the app's name. */
  public String hostname() {
    return guest.hostname().orElse(app);
  }

  /** The secret named {@code name}, if declared. */
  public Optional<SecretSpec> secret(String name) {
    return secrets.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /**
   * Every opt-in away from the safe defaults, with its reason (privileged container, AppArmor
   * unconfined): the planner prints them in every plan. Empty for a VM.
   */
  public List<SecurityWarning> securityWarnings() {
    return guest.kind() == GuestKind.LXC ? guest.security().warnings() : List.of();
  }

  /**
   * Checks this spec against the names a secret store holds: every secret declared {@code
   * generate: never} must be there (generated ones are made on first deploy).
   *
   * @throws SpecException naming each provided secret the store lacks, at its line and column
   *     when the spec was loaded from YAML
   */
  public void validateAgainst(Set<String> storeNames) throws SpecException {
    List<SpecProblem> problems = new ArrayList<>();
    for (SecretSpec s : secrets) {
      if (!s.isGenerated() && !storeNames.contains(s.name())) {
        problems.add(SpecProblem.of("secrets." + s.name(), "generate: never, but the secret store has no"
            + " value for it; put one in before deploying (e.g. store.put(\"" + s.name() + "\", …))"));
      }
    }
    if (!problems.isEmpty()) {
      throw SpecSource.of(this).exception(problems);
    }
  }

  /**
   * Checks the secrets the compose bundle's services use (service → secret names, e.g. from
   * {@code docker compose config}) against this spec: each must be declared here and list that
   * service.
   *
   * @throws SpecException naming each reference the spec does not cover, at the line and column
   *     of the secret (or of {@code secrets:}) when the spec was loaded from YAML
   */
  public void checkSecretReferences(Map<String, ? extends Collection<String>> secretsByService)
      throws SpecException {
    List<SpecProblem> problems = new ArrayList<>();
    for (Map.Entry<String, ? extends Collection<String>> e : new TreeMap<>(secretsByService).entrySet()) {
      for (String name : e.getValue()) {
        Optional<SecretSpec> declared = secret(name);
        if (declared.isEmpty()) {
          problems.add(SpecProblem.of("secrets." + name, "service '" + e.getKey() + "' uses secret '" + name
              + "', which secrets: does not declare; declare it (generate: never if someone provides it)"));
        } else if (!declared.get().services().contains(e.getKey())) {
          problems.add(SpecProblem.of("secrets." + name + ".services", "service '" + e.getKey()
              + "' uses secret '" + name + "' but is not in its services: list"));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw SpecSource.of(this).exception(problems);
    }
  }

  /**
   * A builder holding this spec's values. What it builds has no YAML positions, even when this
   * spec was loaded from YAML: its values may no longer be the file's, and a line pointing at a
   * value that is not there would mislead.
   */
  public Builder toBuilder() {
    Builder b = new Builder(app);
    b.guest = guest;
    b.docker = docker;
    b.compose = compose;
    b.secrets.addAll(secrets);
    b.health = health;
    b.releasesToKeep = releasesToKeep;
    b.requirements = requirements;
    return b;
  }

  /**
   * Builds a {@link DeploymentSpec}. Setters take any value; {@link #build()} checks them all and
   * reports every problem at once.
   */
  public static final class Builder {
    private final String app;
    private GuestSpec guest;
    private DockerSpec docker = DockerSpec.defaults();
    private ComposeSpec compose;
    private final List<SecretSpec> secrets = new ArrayList<>();
    private HealthSpec health = HealthSpec.defaults();
    private int releasesToKeep = ComposeProject.DEFAULT_RELEASES_KEPT;
    private Requirements requirements = Requirements.none();

    private Builder(String app) {
      this.app = app;
    }

    public Builder guest(GuestSpec guest) {
      this.guest = guest;
      return this;
    }

    public Builder guest(GuestSpec.Builder guest) {
      this.guest = guest.build();
      return this;
    }

    public Builder docker(DockerSpec docker) {
      this.docker = docker;
      return this;
    }

    /** Docker's {@code daemon.json}; {@link DaemonConfig#defaults()} unless set. */
    public Builder docker(DaemonConfig daemon) {
      this.docker = DockerSpec.of(daemon);
      return this;
    }

    public Builder compose(ComposeSpec compose) {
      this.compose = compose;
      return this;
    }

    /** Adds a secret. */
    public Builder secret(SecretSpec secret) {
      this.secrets.add(secret);
      return this;
    }

    /** Replaces the secrets. */
    public Builder secrets(List<SecretSpec> secrets) {
      this.secrets.clear();
      this.secrets.addAll(secrets);
      return this;
    }

    public Builder health(HealthSpec health) {
      this.health = health;
      return this;
    }

    /** How long services have to become healthy; 3 minutes unless set. */
    public Builder healthDeadline(Duration deadline) {
      this.health = HealthSpec.deadline(deadline);
      return this;
    }

    public Builder releasesToKeep(int releases) {
      this.releasesToKeep = releases;
      return this;
    }

    public Builder requirements(Requirements requirements) {
      this.requirements = requirements;
      return this;
    }

    /**
     * The spec.
     *
     * @throws SpecException with every problem (line and column 0: the spec was built in Java)
     */
    public DeploymentSpec build() throws SpecException {
      List<SpecProblem> problems = problems();
      if (!problems.isEmpty()) {
        throw new SpecException(null, problems);
      }
      return buildUnchecked();
    }

    List<SpecProblem> problems() {
      return SpecRules.check(app, guest, docker, compose, secrets, health, releasesToKeep, requirements);
    }

    DeploymentSpec buildUnchecked() {
      return new DeploymentSpec(app, guest, docker, compose, secrets, health, releasesToKeep, requirements);
    }
  }
}
