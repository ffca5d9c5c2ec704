package io.pvedeploy.examples;

import io.pvedeploy.deploy.ComposeSpec;
import io.pvedeploy.deploy.DataVolume;
import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.GuestKind;
import io.pvedeploy.deploy.GuestSpec;
import io.pvedeploy.deploy.HealthSpec;
import io.pvedeploy.deploy.NetworkSpec;
import io.pvedeploy.deploy.Requirements;
import io.pvedeploy.deploy.SecretSpec;
import io.pvedeploy.deploy.SpecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The demo's stack: PostgreSQL, Redis, a backend that uses both and an nginx frontend, in an
 * unprivileged LXC guest at {@value #ADDRESS} on the sandbox's bridge. The compose bundle and
 * the spec's YAML are resources of this jar ({@code io/pvedeploy/examples/demo/}); the image
 * tags come from {@link DemoImages} at run time.
 *
 * <pre>{@code
 * DemoImages.Refs refs = DemoImages.create().ensureBuilt(System.out::println);
 * Path bundle = DemoStack.writeBundle(stateDir.resolve("bundle"), refs);
 * DeploymentSpec spec = DemoStack.spec(bundle, refs);
 * }</pre>
 *
 * <p>The secret {@value #DB_PASSWORD} is generated once into the secrets store and handed to
 * {@code db} and {@code backend} as {@code /run/secrets/db_password}; the bundle does not
 * declare it (the Deployer's override does).
 */
public final class DemoStack {
  /** The app's name: the compose project, the guest's tag {@code pvedeploy-demo}. */
  public static final String APP = "demo";
  /** The guest's static address on the demo sandbox's network (10.99.8.0/24, {@code DemoSandbox}). */
  public static final String ADDRESS = "10.99.8.80";
  /**
   * The guest's id. Fixed rather than the cluster's next free id: the sandbox names a guest's host
   * network device after it (as PVE does, {@code veth800i0}), and the test suite's sandboxes, which
   * may run beside the demo's, use ids of their own.
   */
  public static final int VMID = 800;
  public static final String GATEWAY = "10.99.8.1";
  /** The sandbox's VM template (cloud-init, QEMU guest agent) a {@code --guest vm} demo clones. */
  public static final int VM_TEMPLATE = 9000;
  public static final String TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";
  /** The secret both db and backend read; generated, never printed. */
  public static final String DB_PASSWORD = "db_password";
  /** The services of the bundle, in the order compose starts them. */
  public static final List<String> SERVICES = List.of("db", "redis", "backend", "frontend");

  private static final String COMPOSE_FILE = "compose.yaml";

  private DemoStack() {}

  /** The URL of the frontend once the stack is deployed: {@code http://10.99.8.80/}. */
  public static String url() {
    return "http://" + ADDRESS + "/";
  }

  /**
   * Writes the compose bundle into {@code directory} (created if needed): {@code compose.yaml}
   * and a {@code .env} with the images' references. Returns {@code directory}.
   */
  public static Path writeBundle(Path directory, DemoImages.Refs refs) throws IOException {
    return writeBundle(directory, refs, 1);
  }

  /**
   * Writes the bundle with the backend reporting {@code backendVersion}
   * ({@code DEMO_BACKEND_VERSION} in {@code .env}): a different version is a change to the backend
   * service only, the demo's way of showing an update that keeps the database.
   */
  public static Path writeBundle(Path directory, DemoImages.Refs refs, int backendVersion) throws IOException {
    Files.createDirectories(directory);
    Files.write(directory.resolve(COMPOSE_FILE), DemoImages.demoResource("bundle/" + COMPOSE_FILE));
    StringBuilder env = new StringBuilder("# The demo's images, built by DemoImages (tags: recipe hashes)\n");
    refs.composeEnv().forEach((k, v) -> env.append(k).append('=').append(v).append('\n'));
    if (backendVersion != 1) {
      env.append("DEMO_BACKEND_VERSION=").append(backendVersion).append('\n');
    }
    Files.writeString(directory.resolve(".env"), env.toString(), StandardCharsets.UTF_8);
    return directory;
  }

  /**
   * The demo's spec, the same as {@link #specYaml} says: app {@value #APP}, an LXC guest on
   * {@code pve1} with 2 cores, 1536 MiB and 8 GiB at {@value #ADDRESS}/24, the bundle and the
   * four images, the generated password for db and backend, a 5 minute health deadline.
   *
   * @param bundleDirectory where {@link #writeBundle} wrote the bundle
   */
  public static DeploymentSpec spec(Path bundleDirectory, DemoImages.Refs refs) throws SpecException {
    return spec(bundleDirectory, refs, GuestKind.LXC);
  }

  /** The demo's spec in a guest of {@code kind}: the same stack in a VM cloned from {@value #VM_TEMPLATE}. */
  public static DeploymentSpec spec(Path bundleDirectory, DemoImages.Refs refs, GuestKind kind) throws SpecException {
    GuestSpec.Builder guest = kind == GuestKind.VM ? GuestSpec.vm(VM_TEMPLATE) : GuestSpec.lxc(TEMPLATE);
    return DeploymentSpec.builder(APP)
        .guest(guest.vmid(VMID).node("pve1").hostname(APP).cores(2).memoryMb(1536).diskGb(8)
            .data(DataVolume.of(2)) // Docker's named volumes (pgdata, redisdata) live on it
            .network(NetworkSpec.builder().bridge("vmbr0").staticIpv4(ADDRESS + "/24", GATEWAY)))
        .compose(ComposeSpec.of(bundleDirectory, refs.all().toArray(String[]::new)))
        .secret(SecretSpec.password(DB_PASSWORD, 32).withServices("db", "backend"))
        .health(HealthSpec.deadline(Duration.ofMinutes(5)))
        .requirements(Requirements.minMemoryMb(1024))
        .build();
  }

  /**
   * The spec as YAML ({@code demo.yaml} with the images' references filled in), for a file next
   * to the bundle directory {@code ./bundle}: {@code DeploymentSpec.fromYaml} of it equals
   * {@link #spec}.
   */
  public static String specYaml(DemoImages.Refs refs) {
    return specYaml(refs, GuestKind.LXC);
  }

  /** The spec as YAML for a guest of {@code kind} ({@code kind: vm} clones {@value #VM_TEMPLATE}). */
  public static String specYaml(DemoImages.Refs refs, GuestKind kind) {
    String text = new String(DemoImages.demoResource("demo.yaml"), StandardCharsets.UTF_8);
    for (Map.Entry<String, String> e : Map.of("@POSTGRES@", refs.postgres(), "@REDIS@", refs.redis(),
        "@BACKEND@", refs.backend(), "@FRONTEND@", refs.frontend()).entrySet()) {
      text = text.replace(e.getKey(), e.getValue());
    }
    if (kind == GuestKind.VM) {
      text = text.replace("  kind: lxc\n", "  kind: vm\n")
          .replace("  template: " + TEMPLATE + "\n", "  template: " + VM_TEMPLATE + "   # the VM template to clone\n");
    }
    return text;
  }

  /** Which secrets each service of the bundle reads (for {@code spec.checkSecretReferences}). */
  public static Map<String, List<String>> secretsByService() {
    return Map.of("db", List.of(DB_PASSWORD), "backend", List.of(DB_PASSWORD));
  }
}
