package io.pvedeploy.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pvedeploy.docker.ComposeBundle;
import io.pvedeploy.docker.ComposeProject;
import io.pvedeploy.docker.DaemonConfig;
import io.pvedeploy.docker.DockerEngine;
import io.pvedeploy.docker.DockerFixture;
import io.pvedeploy.docker.EngineInfo;
import io.pvedeploy.docker.GuestShell;
import io.pvedeploy.docker.ImageTransfer;
import io.pvedeploy.docker.LocalShell;
import io.pvedeploy.docker.Release;
import io.pvedeploy.docker.ServiceState;
import io.pvedeploy.docker.ServicesUnhealthyException;
import io.pvedeploy.docker.SetupResult;
import io.pvedeploy.docker.TransferResult;
import io.pvedeploy.docker.TwoServiceBundle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-guest inside a real unprivileged LXC container of the sandbox, through {@link
 * LxcGuestShell}: {@code setup()} installs Docker and Compose from the guest's Debian packages
 * and starts the daemon (nested, overlay2), an image built on this machine is shipped into it
 * layer by layer, and
 * the two-service bundle comes up healthy, fails by name when its health check breaks, and
 * {@code down} leaves nothing behind.
 */
@Tag("integration")
@ExtendWith(SandboxContainer.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerInLxcGuestIT {
  static GuestShell shell;
  static DockerEngine engine;
  static String image;

  @BeforeAll
  static void guest() throws Exception {
    DockerFixture.requireDockerAndCompose();
    image = DockerFixture.busyboxImage();
    SandboxContainer.Handle h = SandboxContainer.get();
    shell = LxcGuestShell.of(h.node(), h.vmid());
    engine = DockerEngine.on(shell);
  }

  @Test
  @Order(1)
  void setupInstallsDockerFromTheGuestsPackagesOnceAndThenChangesNothing() throws Exception {
    SetupResult first = engine.setup(DaemonConfig.defaults());
    assertThat(first.preflight().info().container()).isEqualTo(EngineInfo.ContainerKind.LXC);
    assertThat(first.preflight().info().unprivilegedLxc()).isTrue();
    assertThat(first.installedPackages()).contains("docker.io");
    assertThat(first.info().daemonRunning()).isTrue();
    assertThat(first.info().storageDriver()).contains("overlay2");
    assertThat(first.info().compose()).isPresent();

    SetupResult second = engine.setup(DaemonConfig.defaults());
    assertThat(second.unchanged()).as("a second setup has nothing to do: %s", second).isTrue();
  }

  @Test
  @Order(2)
  void aTwoServiceBundleComesUpHealthyFailsByNameAndDownLeavesNothing(@TempDir Path tmp) throws Exception {
    loadImageIntoGuest(image);
    ComposeProject project = engine.project("lxc-it");

    Release good = project.ship(ComposeBundle.fromDirectory(TwoServiceBundle.write(tmp.resolve("good"), image, "index.html")));
    List<ServiceState> up = project.up(good, Duration.ofMinutes(2));
    assertThat(up).extracting(ServiceState::service).containsExactly("client", "web");
    assertThat(up.get(1).health()).isEqualTo(ServiceState.Health.HEALTHY);
    String logs = "";
    for (int i = 0; i < 20 && !logs.contains("got: hello from pvedeploy"); i++) {
      Thread.sleep(500);
      logs = project.logs("client", 20);
    }
    assertThat(logs).as("the dependent service talks to the healthy one").contains("got: hello from pvedeploy");

    Release broken = project.ship(ComposeBundle.fromDirectory(TwoServiceBundle.write(tmp.resolve("broken"), image, "missing.html")));
    assertThatThrownBy(() -> project.up(broken, Duration.ofMinutes(1)))
        .isInstanceOfSatisfying(ServicesUnhealthyException.class, e -> {
          assertThat(e.services()).contains("web");
          assertThat(e.getMessage()).contains("404").contains("web starting on 8080");
        });

    project.down(true);
    assertThat(project.ps()).isEmpty();
    String filter = "label=" + ComposeProject.APP_LABEL + "=lxc-it";
    assertThat(out("docker", "ps", "-aq", "--filter", filter)).isEmpty();
    assertThat(out("docker", "network", "ls", "-q", "--filter", filter)).isEmpty();
    assertThat(out("docker", "volume", "ls", "-q", "--filter", filter)).isEmpty();
  }

  /**
   * The image built here, shipped into the container by {@link ImageTransfer} through the same
   * shell: the first time every layer, then nothing.
   */
  static void loadImageIntoGuest(String image) throws Exception {
    ImageTransfer transfer = ImageTransfer.from(LocalShell.create()).to(shell);
    TransferResult first = transfer.transfer(image);
    assertThat(first.layersSent()).isEqualTo(first.layers());
    assertThat(engine.imageId(image)).contains(first.imageId());
    TransferResult again = transfer.transfer(image);
    assertThat(again.layersSent()).as("the guest has every layer now").isZero();
    assertThat(again.layerBytesSent()).isZero();
  }

  private static String out(String... argv) throws Exception {
    return shell.run(argv).orThrow(String.join(" ", argv)).stdoutText().strip();
  }
}
