package io.pvedeploy.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pvedeploy.deploy.internal.DataVolumes;
import io.pvedeploy.deploy.internal.DeployedState;
import io.pvedeploy.deploy.internal.Deployment;
import io.pvedeploy.deploy.internal.Desired;
import io.pvedeploy.deploy.internal.Differ;
import io.pvedeploy.deploy.internal.Observed;
import io.pvedeploy.deploy.internal.SecretsOverride;
import io.pvedeploy.deploy.internal.Survey;
import io.pvedeploy.docker.ComposeBundle;
import io.pvedeploy.docker.LocalShell;
import io.pvedeploy.proxmox.LxcConfig;
import io.pvedeploy.proxmox.ProxmoxClient;
import io.pvedeploy.proxmox.QemuConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The planner's diff, desired against hand-made observations: no sandbox, no guest. */
class DeployerPlanTest {
  static final String TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";
  static final String IMAGE = "pvd/web:1";
  static final String IMAGE_ID = "sha256:" + "1".repeat(64);
  static final String RELEASE = "a".repeat(24);
  static final String BUNDLE = "b".repeat(24);

  @TempDir Path tmp;
  DeploymentSpec spec;
  Desired desired;

  @BeforeEach
  void spec() throws Exception {
    Files.writeString(tmp.resolve("compose.yaml"), "version: \"3.8\"\nservices:\n  web:\n    image: " + IMAGE + "\n");
    spec = DeploymentSpec.builder("shop")
        .guest(GuestSpec.lxc(TEMPLATE).vmid(161).node("pve1")
            .network(NetworkSpec.builder().staticIpv4("10.99.0.61/24", "10.99.0.1")))
        .compose(ComposeSpec.of(tmp, IMAGE))
        .secret(SecretSpec.password("db_password", 24).withServices("web"))
        .build();
    desired = new Desired(BUNDLE, RELEASE, Map.of(IMAGE, IMAGE_ID), Map.of("db_password", 1),
        Differ.sha256(spec.docker().daemon().toJson().getBytes(StandardCharsets.UTF_8)));
  }

  Observed nothing() {
    return new Observed(161, "pve1", Optional.empty(), Optional.empty());
  }

  LxcConfig config(int memory) {
    Map<String, String> v = new HashMap<>();
    v.put("hostname", "shop");
    v.put("cores", "2");
    v.put("memory", String.valueOf(memory));
    v.put("net0", "name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:01,ip=10.99.0.61/24,gw=10.99.0.1,type=veth");
    v.put("features", "keyctl=1,nesting=1");
    v.put("unprivileged", "1");
    v.put("rootfs", "local-lvm:vm-161-disk-0,size=16G");
    v.put("onboot", "1");
    return new LxcConfig(v, "0123456789abcdef0123456789abcdef01234567");
  }

  Observed deployed(int memory, String guestImageId) {
    DeployedState state = new DeployedState(RELEASE, BUNDLE, Map.of(IMAGE, guestImageId), Map.of("db_password", 1),
        desired.daemonSha256());
    String out = "docker=1\nserver=20.10.24\ncompose=v1\ndaemon=" + desired.daemonSha256() + "\nimage " + IMAGE + " "
        + guestImageId + "\n--deployed.json--\n" + state.toJson();
    return new Observed(161, "pve1",
        Optional.of(new Observed.GuestState("running", Set.of("pvedeploy-shop"), config(memory))),
        Optional.of(Survey.parse(out)));
  }

  @Test
  void aFirstDeployCreatesEverythingInOrder() {
    Desired fresh = new Desired(BUNDLE, RELEASE, Map.of(IMAGE, IMAGE_ID), Map.of(), desired.daemonSha256());
    Plan plan = Differ.plan(spec, fresh, nothing());
    assertThat(plan.steps()).allMatch(s -> s instanceof PlanStep.Create);
    assertThat(plan.steps()).extracting(PlanStep::address).containsExactly(
        "guest.lxc[161]", "docker.engine", "secret[db_password]", "image[" + IMAGE + "]", "release");
    String text = plan.render();
    assertThat(text)
        .contains("+ features     = \"keyctl=1,nesting=1\"")
        .contains("+ unprivileged = true")
        .contains("+ net0         = \"name=eth0,bridge=vmbr0,ip=10.99.0.61/24,gw=10.99.0.1\"")
        .contains("+ value    = (sensitive)")
        .contains("+ secret[db_password] = (sensitive)")
        .endsWith("Plan: 5 to add, 0 to change, 0 to destroy.\n");
    assertThat(plan.basis()).matches("sha256:[0-9a-f]{64}");
  }

  @Test
  void theSameStateIsAllNoOpsAndPrintsNoChanges() {
    Plan plan = Differ.plan(spec, desired, deployed(2048, IMAGE_ID));
    assertThat(plan.steps()).allMatch(s -> s instanceof PlanStep.NoOp);
    assertThat(plan.hasChanges()).isFalse();
    assertThat(plan.render()).startsWith("No changes.");
    assertThat(Differ.plan(spec, desired, deployed(2048, IMAGE_ID)).basis())
        .as("the same observation, the same basis").isEqualTo(plan.basis());
  }

  @Test
  void aNewImageIdChangesExactlyThatImageAndTheRelease() {
    String old = "sha256:" + "0".repeat(64);
    Plan plan = Differ.plan(spec, desired, deployed(2048, old));
    assertThat(plan.steps().stream().filter(s -> !(s instanceof PlanStep.NoOp)))
        .extracting(PlanStep::address).containsExactly("image[" + IMAGE + "]", "release");
    assertThat(plan.render())
        .contains("~ id = \"" + old + "\" -> \"" + IMAGE_ID + "\"")
        .contains("~ image[" + IMAGE + "] = \"" + old + "\" -> \"" + IMAGE_ID + "\"");
    assertThat(plan.basis()).isNotEqualTo(Differ.plan(spec, desired, deployed(2048, IMAGE_ID)).basis());
  }

  @Test
  void aMemoryChangeUpdatesTheGuestInPlace() {
    Plan plan = Differ.plan(spec, desired, deployed(1024, IMAGE_ID));
    assertThat(plan.steps().stream().filter(s -> !(s instanceof PlanStep.NoOp)).toList())
        .singleElement().isInstanceOfSatisfying(PlanStep.Update.class, u -> {
          assertThat(u.address()).isEqualTo("guest.lxc[161]");
          assertThat(u.changes()).containsExactly(Change.update("memory", 1024, 2048));
        });
  }

  @Test
  void aGuestThatWouldNotStartWithItsNodeIsUpdatedInPlace() {
    Map<String, String> v = new HashMap<>(config(2048).values());
    v.remove("onboot");
    Observed running = deployed(2048, IMAGE_ID);
    Observed observed = new Observed(161, "pve1", Optional.of(new Observed.GuestState("running",
        Set.of(Differ.tag("shop")), new LxcConfig(v, "d"))), running.survey());
    Plan plan = Differ.plan(spec, desired, observed);
    assertThat(plan.steps().get(0)).isInstanceOfSatisfying(PlanStep.Update.class, u ->
        assertThat(u.changes()).containsExactly(Change.update("onboot", false, true)));
    assertThat(plan.steps().stream().skip(1)).allMatch(s -> s instanceof PlanStep.NoOp);
  }

  @Test
  void aStoppedGuestIsStartedAndWhatIsInsideItIsUnknown() {
    Observed stopped = new Observed(161, "pve1",
        Optional.of(new Observed.GuestState("stopped", Set.of("pvedeploy-shop"), config(2048))), Optional.empty());
    Plan plan = Differ.plan(spec, desired, stopped);
    assertThat(plan.steps().get(0).changes()).containsExactly(Change.update("status", "stopped", "running"));
    assertThat(plan.steps()).extracting(PlanStep::address).contains("docker.engine", "release");
  }

  @Test
  void aPrivilegeChangeReplacesTheGuest() throws Exception {
    DeploymentSpec privileged = spec.toBuilder().guest(spec.guest().toBuilder()
        .security(SecurityPolicy.defaults().privileged("NFS client (OPS-12)")).build()).build();
    Plan plan = Differ.plan(privileged, desired, deployed(2048, IMAGE_ID));
    assertThat(plan.steps().get(0)).isInstanceOf(PlanStep.Replace.class);
    assertThat(plan.isDestructive()).isTrue();
    assertThat(plan.warnings()).singleElement().asString().contains("NFS client (OPS-12)");
    assertThat(plan.render()).contains("~ unprivileged = true -> false # forces replacement");
  }

  @Test
  void aRotatedSecretUpdatesTheReleaseWithoutShowingAValue() {
    Desired rotated = new Desired(BUNDLE, "c".repeat(24), Map.of(IMAGE, IMAGE_ID), Map.of("db_password", 2),
        desired.daemonSha256());
    Plan plan = Differ.plan(spec, rotated, deployed(2048, IMAGE_ID));
    assertThat(plan.steps().stream().filter(s -> !(s instanceof PlanStep.NoOp)))
        .extracting(PlanStep::address).containsExactly("release");
    assertThat(plan.render()).contains("~ secret[db_password] = (sensitive) -> (sensitive)");
    assertThat(plan.toJson()).contains("\"attribute\": \"secret[db_password]\",\n"
        + "          \"before\": null,\n          \"after\": null,\n          \"sensitive\": true");
  }

  @Test
  void withoutANodeShellThePlannerFailsBeforeAnyRequest() throws Exception {
    try (ProxmoxClient pve = ProxmoxClient.builder().baseUrl("https://127.0.0.1:9")
        .apiToken("root@pam!ci", "00000000-0000-0000-0000-000000000000").build()) {
      Deployer deployer = Deployer.to(Target.of(pve));
      assertThatThrownBy(() -> deployer.plan(spec))
          .isInstanceOf(DeployException.class)
          .hasMessageContaining("keyctl=1")
          .hasMessageContaining("NodeShell")
          .hasMessageContaining("root@pam ticket")
          .hasMessageContaining("Nothing was changed");
    }
  }

  @Test
  void theSecretsOverrideNamesFilesAndVersionsNeverValues() throws Exception {
    ComposeBundle bundle = ComposeBundle.fromDirectory(tmp);
    ComposeBundle withSecrets = SecretsOverride.apply(bundle, spec, "/opt/pvedeploy/shop", Map.of("db_password", 3));
    assertThat(withSecrets.composeFiles()).containsExactly("compose.yaml", SecretsOverride.FILE);
    String json = new String(withSecrets.files().stream().filter(f -> f.path().equals(SecretsOverride.FILE))
        .findFirst().orElseThrow().content(), StandardCharsets.UTF_8);
    assertThat(json).contains("\"version\": \"3.8\"")
        .contains("\"file\": \"/opt/pvedeploy/shop/secrets/db_password\"")
        .contains("\"io.pvedeploy.secret.db_password.version\": \"3\"")
        .contains("\"secrets\": [\n        \"db_password\"\n      ]");
    assertThat(SecretsOverride.apply(bundle, spec, "/opt/pvedeploy/shop", Map.of("db_password", 4)).id())
        .as("a rotated secret gives a new release").isNotEqualTo(withSecrets.id());
    assertThat(SecretsOverride.apply(bundle, spec, "/opt/pvedeploy/shop", Map.of()).id())
        .as("a secret not generated yet counts as its first version")
        .isEqualTo(SecretsOverride.apply(bundle, spec, "/opt/pvedeploy/shop", Map.of("db_password", 1)).id());

    DeploymentSpec wrongService = spec.toBuilder().secrets(List.of(SecretSpec.hex("k", 16).withServices("nope"))).build();
    assertThatThrownBy(() -> SecretsOverride.apply(bundle, wrongService, "/opt/pvedeploy/shop", Map.of()))
        .isInstanceOf(DeployException.class).hasMessageContaining("secrets.k.services names 'nope'");
  }

  @Test
  void theSurveyReadsItsOutputAndDeployedStateRoundTrips() {
    DeployedState state = new DeployedState(RELEASE, BUNDLE, Map.of(IMAGE, IMAGE_ID), Map.of("db_password", 1), "ab");
    assertThat(DeployedState.parse(state.toJson())).contains(state);
    Survey s = Survey.parse("docker=1\ncompose=v2\nimage a:1 -\nimage b:2 sha256:22\n");
    assertThat(s.dockerInstalled()).isTrue();
    assertThat(s.compose()).contains("v2");
    assertThat(s.serverVersion()).isEmpty();
    assertThat(s.imageIds()).isEqualTo(Map.of("b:2", "sha256:22"));
    assertThat(s.deployed()).isEmpty();
    assertThat(Survey.argv("/opt/pvedeploy/shop", "", List.of("a:1")))
        .as("inputs are positional parameters, never part of the script")
        .containsExactly("sh", "-c", Survey.SCRIPT, "pvedeploy-survey", "/opt/pvedeploy/shop", "", "a:1");
  }

  // ------------------------------------------------------------------ VMs

  DeploymentSpec vmSpec() throws SpecException {
    return spec.toBuilder().guest(GuestSpec.vm(9000).vmid(162).node("pve1").memoryMb(1024)
        .network(NetworkSpec.builder().staticIpv4("10.99.0.62/24", "10.99.0.1")).build()).build();
  }

  QemuConfig vmConfig(Map<String, String> changed) {
    Map<String, String> v = new HashMap<>();
    v.put("name", "shop");
    v.put("cores", "2");
    v.put("memory", "1024");
    v.put("agent", "enabled=1");
    v.put("net0", "virtio=BC:24:11:00:00:02,bridge=vmbr0");
    v.put("ipconfig0", "ip=10.99.0.62/24,gw=10.99.0.1");
    v.put("scsi0", "local-lvm:vm-162-disk-0,discard=on,size=16G");
    v.put("onboot", "1");
    v.put("tags", "pvedeploy-shop");
    v.putAll(changed);
    return new QemuConfig(v, "89abcdef0123456789abcdef0123456789abcdef");
  }

  Observed vm(String status, QemuConfig config) {
    Observed survey = deployed(2048, IMAGE_ID);
    Set<String> tags = Set.of(config.get("tags").orElse("").split(";"));
    return new Observed(162, "pve1", Optional.of(new Observed.GuestState(status, tags, config)),
        status.equals("running") ? survey.survey() : Optional.empty());
  }

  @Test
  void aFirstVmDeployClonesTheTemplateAndDoesTheRestAsForAContainer() throws Exception {
    Desired fresh = new Desired(BUNDLE, RELEASE, Map.of(IMAGE, IMAGE_ID), Map.of(), desired.daemonSha256());
    Plan plan = Differ.plan(vmSpec(), fresh, new Observed(162, "pve1", Optional.empty(), Optional.empty()));
    assertThat(plan.steps()).allMatch(s -> s instanceof PlanStep.Create);
    assertThat(plan.steps()).extracting(PlanStep::address).containsExactly(
        "guest.vm[162]", "docker.engine", "secret[db_password]", "image[" + IMAGE + "]", "release");
    assertThat(plan.steps().get(0).changes()).extracting(Change::attribute).containsExactly("node", "template",
        "name", "cores", "memory", "disk", "net0", "ipconfig0", "agent", "tags", "onboot", "status");
    assertThat(plan.render())
        .contains("+ template  = 9000")
        .contains("+ disk      = \"local-lvm:16G\"")
        .contains("+ net0      = \"model=virtio,bridge=vmbr0\"")
        .contains("+ ipconfig0 = \"ip=10.99.0.62/24,gw=10.99.0.1\"")
        .endsWith("Plan: 5 to add, 0 to change, 0 to destroy.\n");
  }

  @Test
  void aVmAsDeployedIsNoChangesWhateverItsTemplateIsNow() throws Exception {
    Plan plan = Differ.plan(vmSpec(), desired, vm("running", vmConfig(Map.of())));
    assertThat(plan.render()).startsWith("No changes.");
    DeploymentSpec otherTemplate = vmSpec().toBuilder().guest(vmSpec().guest().toBuilder().vm(9001).build()).build();
    assertThat(Differ.plan(otherTemplate, desired, vm("running", vmConfig(Map.of()))).hasChanges())
        .as("a full clone does not depend on its template: a new template is not a replacement").isFalse();
    assertThat(Differ.plan(vmSpec(), desired, vm("running", vmConfig(Map.of("memory", "current=1024")))).hasChanges())
        .as("PVE 8.1's memory property string").isFalse();
  }

  @Test
  void aVmsCoresMemoryAddressTagsAndOnBootChangeInPlaceAndAStoppedVmIsStarted() throws Exception {
    QemuConfig drifted = vmConfig(Map.of("cores", "1", "memory", "2048", "ipconfig0", "ip=dhcp", "onboot", "0",
        "tags", "other", "net0", "virtio=BC:24:11:00:00:02,bridge=vmbr0,tag=20"));
    Plan plan = Differ.plan(vmSpec(), desired, vm("stopped", drifted));
    assertThat(plan.steps().get(0)).isInstanceOfSatisfying(PlanStep.Update.class, u -> {
      assertThat(u.address()).isEqualTo("guest.vm[162]");
      assertThat(u.changes()).containsExactly(
          Change.update("cores", "1", 2),
          Change.update("memory", "2048", 1024),
          Change.update("net0", "model=virtio,bridge=vmbr0,tag=20", "model=virtio,bridge=vmbr0"),
          Change.update("ipconfig0", "ip=dhcp", "ip=10.99.0.62/24,gw=10.99.0.1"),
          Change.set("tags", "pvedeploy-shop"),
          Change.update("onboot", false, true),
          Change.update("status", "stopped", "running"));
    });
    assertThat(plan.isDestructive()).isFalse();
  }

  @Test
  void aVmNeedsNoNodeShellAndMayHaveADataVolume() throws Exception {
    try (ProxmoxClient pve = ProxmoxClient.builder().baseUrl("https://127.0.0.1:9")
        .apiToken("root@pam!ci", "00000000-0000-0000-0000-000000000000").build()) {
      Target apiOnly = Target.of(pve);
      Deployment.of(vmSpec(), apiOnly, null, LocalShell.create()).precheck(vmSpec());
      Deployment.of(vmWithData(4), apiOnly, null, LocalShell.create()).precheck(vmWithData(4));
    }
  }

  DeploymentSpec unconfined() throws SpecException {
    return spec.toBuilder().guest(spec.guest().toBuilder()
        .security(SecurityPolicy.defaults().apparmorUnconfined("the NFS client needs mount")).build()).build();
  }

  /** The deployed container, with these raw lxc.* lines in its config. */
  Observed deployedWithRaw(String rawLines) {
    Map<String, String> v = new HashMap<>(config(2048).values());
    if (rawLines != null) {
      v.put(LxcConfig.RAW_KEY, rawLines);
    }
    return new Observed(161, "pve1", Optional.of(new Observed.GuestState("running",
        Set.of(Differ.tag("shop")), new LxcConfig(v, "d"))), deployed(2048, IMAGE_ID).survey());
  }

  List<PlanStep> changed(Plan plan) {
    return plan.steps().stream().filter(s -> !(s instanceof PlanStep.NoOp)).toList();
  }

  @Test
  void apparmorUnconfinedWithoutTheNodeShellIsRefusedBeforeAnyChange() throws Exception {
    DeploymentSpec unconfined = unconfined();
    try (ProxmoxClient pve = ProxmoxClient.builder().baseUrl("https://127.0.0.1:9")
        .apiToken("root@pam!ci", "00000000-0000-0000-0000-000000000000").build()) {
      assertThatThrownBy(() -> Deployment.of(unconfined, Target.of(pve), null, LocalShell.create()).precheck(unconfined))
          .isInstanceOf(DeployException.class)
          .hasMessageContaining("apparmorUnconfined of shop needs the node's shell")
          .hasMessageContaining("/etc/pve/lxc/<vmid>.conf")
          .hasMessageContaining("Nothing was changed");
    }
  }

  @Test
  void apparmorUnconfinedIsPartOfANewContainerAndWarnedAbout() throws Exception {
    Plan plan = Differ.plan(unconfined(), desired, nothing());
    assertThat(plan.steps().get(0).changes()).contains(Change.set("lxc.apparmor.profile", "unconfined"));
    assertThat(plan.render()).contains("+ lxc.apparmor.profile = \"unconfined\"")
        .contains("the NFS client needs mount");
    assertThat(Differ.plan(spec, desired, nothing()).steps().get(0).changes())
        .extracting(Change::attribute).doesNotContain("lxc.apparmor.profile");
  }

  @Test
  void apparmorUnconfinedFollowsTheOptInOnAnExistingContainerAndLeavesOtherProfilesAlone() throws Exception {
    Change restart = Change.update("status", "running", "restarted");
    assertThat(changed(Differ.plan(unconfined(), desired, deployedWithRaw(null)))).singleElement()
        .satisfies(s -> assertThat(s.changes()).containsExactly(Change.set("lxc.apparmor.profile", "unconfined"), restart));
    assertThat(changed(Differ.plan(unconfined(), desired, deployedWithRaw("lxc.apparmor.profile: unconfined"))))
        .isEmpty();
    Plan confinedAgain = Differ.plan(spec, desired, deployedWithRaw("lxc.apparmor.profile: unconfined"));
    assertThat(changed(confinedAgain)).singleElement().satisfies(s -> assertThat(s.changes())
        .containsExactly(Change.remove("lxc.apparmor.profile", "unconfined"), restart));
    assertThat(confinedAgain.render()).contains("- lxc.apparmor.profile = \"unconfined\" -> null")
        .contains("~ status               = \"running\" -> \"restarted\"");
    // An admin's own profile is confinement too: without the opt-in it stays; with it, it goes.
    String custom = "lxc.cap.drop: sys_time\nlxc.apparmor.profile: lxc-container-default-cgns";
    assertThat(changed(Differ.plan(spec, desired, deployedWithRaw(custom)))).isEmpty();
    assertThat(changed(Differ.plan(unconfined(), desired, deployedWithRaw(custom)))).singleElement()
        .satisfies(s -> assertThat(s.changes()).containsExactly(
            Change.update("lxc.apparmor.profile", "lxc-container-default-cgns", "unconfined"), restart));
  }

  @Test
  void aRunningGuestIsShownRestartedOnlyForWhatItTakesAtStart() throws Exception {
    Change restart = Change.update("status", "running", "restarted");
    Map<String, String> v = new HashMap<>(config(2048).values());
    v.put("features", "nesting=1");
    v.put("memory", "1024");
    Observed lxc = new Observed(161, "pve1", Optional.of(new Observed.GuestState("running",
        Set.of(Differ.tag("shop")), new LxcConfig(v, "d"))), deployed(2048, IMAGE_ID).survey());
    assertThat(Differ.plan(spec, desired, lxc).steps().get(0).changes()).containsExactly(
        Change.update("memory", 1024, 2048), Change.update("features", "nesting=1", "keyctl=1,nesting=1"), restart);
    assertThat(Differ.plan(spec, desired, deployed(1024, IMAGE_ID)).steps().get(0).changes())
        .as("memory is hotplugged into a container").containsExactly(Change.update("memory", 1024, 2048));

    Plan vm = Differ.plan(vmSpec(), desired, vm("running", vmConfig(Map.of("cores", "1"))));
    assertThat(vm.steps().get(0).changes()).containsExactly(Change.update("cores", "1", 2), restart);
    assertThat(Differ.plan(vmSpec(), desired, vm("running", vmConfig(Map.of("onboot", "0")))).steps().get(0).changes())
        .containsExactly(Change.update("onboot", false, true));
  }

  // ------------------------------------------------------------------ data volumes

  DeploymentSpec vmWithData(int gb) throws SpecException {
    return vmSpec().toBuilder().guest(vmSpec().guest().toBuilder().data(DataVolume.of(gb)).build()).build();
  }

  DeploymentSpec lxcWithData(int gb, String path) throws SpecException {
    return spec.toBuilder().guest(spec.guest().toBuilder().data(DataVolume.of(gb, path)).build()).build();
  }

  /** A running VM as deployed, whose survey says whether the data path is mounted. */
  Observed vmWithDisk(String scsi1, boolean mounted) {
    Map<String, String> changed = new HashMap<>();
    if (scsi1 != null) {
      changed.put("scsi1", scsi1);
    }
    Observed as = deployed(2048, IMAGE_ID);
    Survey survey = Survey.parse((mounted ? "data=mounted\n" : "data=unmounted\n") + as.survey().orElseThrow().raw());
    return new Observed(162, "pve1", Optional.of(new Observed.GuestState("running", Set.of("pvedeploy-shop"),
        vmConfig(changed))), Optional.of(survey));
  }

  Observed lxcWithMp0(String mp0) {
    Map<String, String> v = new HashMap<>(config(2048).values());
    v.put("mp0", mp0);
    return new Observed(161, "pve1", Optional.of(new Observed.GuestState("running", Set.of("pvedeploy-shop"),
        new LxcConfig(v, "d"))), deployed(2048, IMAGE_ID).survey());
  }

  @Test
  void aNewVmsDataVolumeIsItsDiskScsi1MountedWhereTheSpecSays() throws Exception {
    Plan plan = Differ.plan(vmWithData(4), desired, new Observed(162, "pve1", Optional.empty(), Optional.empty()));
    assertThat(plan.steps().get(0).changes()).extracting(Change::attribute).containsSequence("disk", "scsi1", "data");
    assertThat(plan.render())
        .contains("+ scsi1     = \"local-lvm:4G\"")
        .contains("+ data      = \"/var/lib/docker/volumes\"");
    assertThat(Survey.parse("data=unmounted\n").dataMounted()).contains(false);
    assertThat(Survey.parse("docker=0\n").dataMounted()).as("not asked").isEmpty();
  }

  @Test
  void aVmsDataVolumeAsDeployedIsNoChangesUnmountedItIsMountedAndALargerSizeGrowsIt() throws Exception {
    String disk = "local-lvm:vm-162-disk-1,size=4G";
    assertThat(Differ.plan(vmWithData(4), desired, vmWithDisk(disk, true)).render()).startsWith("No changes.");
    assertThat(Differ.plan(vmWithData(4), desired, vmWithDisk(disk, false)).steps().get(0).changes())
        .containsExactly(Change.update("data", "(not mounted)", DataVolume.DEFAULT_MOUNT_PATH));
    assertThat(Differ.plan(vmWithData(8), desired, vmWithDisk(disk, true)).steps().get(0))
        .isInstanceOfSatisfying(PlanStep.Update.class, u ->
            assertThat(u.changes()).containsExactly(Change.update("scsi1", "4G", "8G")));
    assertThat(Differ.plan(vmSpec(), desired, vmWithDisk(disk, false)).hasChanges())
        .as("a spec without guest.data leaves the disk alone").isFalse();
  }

  @Test
  void aContainersMp0GrowsInPlace() throws Exception {
    Observed observed = lxcWithMp0("local-lvm:vm-161-disk-1,mp=/srv/data,size=4G");
    assertThat(Differ.plan(lxcWithData(4, "/srv/data"), desired, observed).hasChanges()).isFalse();
    assertThat(Differ.plan(lxcWithData(6, "/srv/data"), desired, observed).steps().get(0).changes())
        .containsExactly(Change.update("mp0", "4G", "6G"));
  }

  @Test
  void whatTheDeployerDoesNotDoToADataVolumeIsRefusedBeforeAnyChange() throws Exception {
    Observed.GuestState ct = lxcWithMp0("local-lvm:vm-161-disk-1,mp=/srv/data,size=4G").guest().orElseThrow();
    assertThatThrownBy(() -> DataVolumes.check(lxcWithData(2, "/srv/data"), ct, 161))
        .isInstanceOf(DeployException.class)
        .hasMessageContaining("guest.data.size 2")
        .hasMessageContaining("below the data volume's 4G (mp0 of CT 161)")
        .hasMessageContaining("cannot shrink")
        .hasMessageContaining("Set guest.data.size to 4 or more")
        .hasMessageContaining("Nothing was changed");
    assertThatThrownBy(() -> DataVolumes.check(lxcWithData(4, "/opt/data"), ct, 161))
        .isInstanceOf(DeployException.class)
        .hasMessageContaining("is mounted at /srv/data")
        .hasMessageContaining("Set guest.data.path back to /srv/data");
    Observed.GuestState noMp0 = deployed(2048, IMAGE_ID).guest().orElseThrow();
    assertThatThrownBy(() -> DataVolumes.check(lxcWithData(4, "/srv/data"), noMp0, 161))
        .isInstanceOf(DeployException.class)
        .hasMessageContaining("CT 161 was made without one (mp0 is not set)")
        .hasMessageContaining("pct set 161 --mp0 local-lvm:4,mp=/srv/data");
    Observed.GuestState noScsi1 = vmWithDisk(null, false).guest().orElseThrow();
    assertThatThrownBy(() -> DataVolumes.check(vmWithData(4), noScsi1, 162))
        .isInstanceOf(DeployException.class)
        .hasMessageContaining("VM 162 was made without one")
        .hasMessageContaining("qm set 162 --scsi1 local-lvm:4");
    Observed.GuestState cloudInit = vmWithDisk("local-lvm:vm-162-cloudinit,media=cdrom", false).guest().orElseThrow();
    assertThatThrownBy(() -> DataVolumes.check(vmWithData(4), cloudInit, 162))
        .isInstanceOf(DeployException.class).hasMessageContaining("(scsi1 is local-lvm:vm-162-cloudinit,media=cdrom)");
    DataVolumes.check(vmWithData(4), vmWithDisk("local-lvm:vm-162-disk-1,size=4G", true).guest().orElseThrow(), 162);
    DataVolumes.check(spec, noMp0, 161); // no guest.data: nothing to check
  }
}
