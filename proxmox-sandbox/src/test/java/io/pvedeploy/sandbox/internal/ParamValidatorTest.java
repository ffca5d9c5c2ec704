package io.pvedeploy.sandbox.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The validator against the bundled PVE 9.1 schema, with pve-common's texts. */
class ParamValidatorTest {
  private static final Schema SCHEMA = Schema.bundled();

  private static Map<String, String> validate(String method, String path, Object... kv) {
    Map<String, Object> params = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      params.put((String) kv[i], kv[i + 1]);
    }
    return ParamValidator.validate(SCHEMA.endpoint(method, path).orElseThrow().parameters(), params);
  }

  private static Map<String, String> createCt(Object... extra) {
    Object[] base = {"node", "pve1", "vmid", "101", "ostemplate", "local:vztmpl/x.tar.zst"};
    Object[] all = new Object[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return validate("POST", "/nodes/{node}/lxc", all);
  }

  @Test
  void validCreatePasses() {
    assertThat(createCt("rootfs", "local-lvm:8", "net0", "name=eth0,bridge=vmbr0,ip=dhcp,firewall=1",
        "features", "nesting=1,keyctl=on", "unprivileged", "1", "cores", "2", "tags", "web;prod")).isEmpty();
  }

  @Test
  void requiredTypesRangesAndEnums() {
    assertThat(validate("POST", "/nodes/{node}/lxc", "node", "pve1"))
        .containsEntry("vmid", "property is missing and it is not optional")
        .containsEntry("ostemplate", "property is missing and it is not optional");
    assertThat(createCt("cores", "abc")).containsEntry("cores", "type check ('integer') failed - got 'abc'");
    assertThat(createCt("cores", "0")).containsEntry("cores", "value must have a minimum value of 1");
    assertThat(createCt("memory", "8")).containsEntry("memory", "value must have a minimum value of 16");
    assertThat(createCt("tty", "7")).containsEntry("tty", "value must have a maximum value of 6");
    assertThat(createCt("arch", "sparc"))
        .containsEntry("arch", "value 'sparc' does not have a value in the enumeration 'amd64, i386, arm64, armhf, riscv32, riscv64'");
    assertThat(createCt("console", "true")).containsEntry("console", "type check ('boolean') failed - got 'true'");
    assertThat(createCt("password", "abc")).containsEntry("password", "value must be at least 5 characters long");
    assertThat(createCt("hostname", "x".repeat(256))).containsEntry("hostname", "value may only be 255 characters long");
    assertThat(createCt("cores", List.of("1", "2"))).containsEntry("cores", "type check ('integer') failed - got ARRAY");
  }

  @Test
  void onbootAndStartupOnCreateAndConfigSet() {
    assertThat(createCt("onboot", "1", "startup", "order=2,up=30")).isEmpty();
    assertThat(createCt("onboot", "0")).isEmpty();
    assertThat(createCt("onboot", "yes")).containsEntry("onboot", "type check ('boolean') failed - got 'yes'");
    assertThat(createCt("startup", "order=first"))
        .containsEntry("startup", "invalid format - unable to parse startup options\n");
    assertThat(validate("PUT", "/nodes/{node}/lxc/{vmid}/config", "node", "pve1", "vmid", "101", "onboot", "1",
        "startup", "3")).isEmpty();
    assertThat(validate("PUT", "/nodes/{node}/qemu/{vmid}/config", "node", "pve1", "vmid", "101", "onboot", "1"))
        .isEmpty();
  }

  @Test
  void namedFormats() {
    assertThat(createCt("vmid", "99")).isNotEmpty();
    assertThat(validate("GET", "/cluster/nextid", "vmid", "99"))
        .containsEntry("vmid", "invalid format - value does not look like a valid VM ID\n");
    assertThat(validate("GET", "/nodes/{node}/lxc", "node", "bad_node"))
        .containsEntry("node", "invalid format - value does not look like a valid node name\n");
    assertThat(validate("GET", "/nodes/{node}/storage/{storage}/content", "node", "pve1", "storage", "1bad"))
        .containsEntry("storage", "invalid format - storage ID '1bad' contains illegal characters\n");
    assertThat(validate("GET", "/nodes/{node}/lxc/{vmid}/config", "node", "pve1", "vmid", "101", "snapshot", "1x"))
        .containsEntry("snapshot", "invalid format - invalid configuration ID '1x'\n");
  }

  @Test
  void propertyStringsUseDefaultKeysAndCheckEachKey() {
    assertThat(createCt("rootfs", "local-lvm:8,size=8G")).isEmpty();
    assertThat(createCt("net0", "name=eth0,ip=300.1.1.1/24"))
        .containsEntry("net0", "invalid format - format error\nnet0.ip: invalid format - value does not look like a valid ipv4 network configuration\n\n");
    assertThat(createCt("net0", "bridge=vmbr0"))
        .containsEntry("net0", "invalid format - format error\nnet0.name: property is missing and it is not optional\n");
    assertThat(createCt("net0", "name=eth0,hwaddr=01:00:00:00:00:00").get("net0"))
        .contains("net0.hwaddr: invalid format - value does not look like a valid unicast MAC address");
    assertThat(createCt("net0", "name=eth0,colour=red"))
        .containsEntry("net0", "invalid format - invalid key in comma-separated list property: colour\n");
    assertThat(createCt("net0", "name=eth0,name=eth1"))
        .containsEntry("net0", "invalid format - duplicate key in comma-separated list property: name\n");
    assertThat(createCt("features", "nesting")).containsEntry("features",
        "invalid format - value without key, but schema does not define a default key\n");
    assertThat(createCt("features", "nesting=maybe").get("features"))
        .contains("features.nesting: type check ('boolean') failed - got 'maybe'");
  }

  @Test
  void qemuNicAliasesAndIpconfig() {
    Map<String, String> ok = validate("POST", "/nodes/{node}/qemu/{vmid}/config", "node", "pve1", "vmid", "100",
        "net0", "virtio=BC:24:11:00:00:01,bridge=vmbr0", "net1", "e1000,bridge=vmbr0",
        "ipconfig0", "ip=10.0.0.5/24,gw=10.0.0.1", "agent", "1");
    assertThat(ok).isEmpty();
    assertThat(validate("POST", "/nodes/{node}/qemu/{vmid}/config", "node", "pve1", "vmid", "100", "ipconfig0", "ip=10.0.0.5").get("ipconfig0"))
        .contains("ipconfig0.ip: invalid format - value does not look like a valid ipv4 network configuration");
  }

  @Test
  void indexedParametersRespectLimitsAndUnknownOnesAreRejected() {
    assertThat(createCt("net31", "name=eth31")).isEmpty();
    assertThat(createCt("net32", "name=eth32"))
        .containsEntry("net32", "property is not defined in schema and the schema does not allow additional properties");
    assertThat(createCt("mp255", "local-lvm:1,mp=/data")).isEmpty();
    assertThat(createCt("colour", "red")).containsKey("colour");
  }

  @Test
  void arraysAcceptRepeatedFieldsOrASingleString() {
    String path = "/nodes/{node}/qemu/{vmid}/agent/exec";
    assertThat(validate("POST", path, "node", "pve1", "vmid", "100", "command", List.of("echo", "hi"))).isEmpty();
    Map<String, Object> single = new LinkedHashMap<>(Map.of("node", "pve1", "vmid", "100", "command", "uptime"));
    assertThat(ParamValidator.validate(SCHEMA.endpoint("POST", path).orElseThrow().parameters(), single)).isEmpty();
    assertThat(single.get("command")).isEqualTo(List.of("uptime"));
  }

  @Test
  void perlPatternsTranslate() {
    assertThat(ParamValidator.compile("(?^:[a-z]+)").matcher("abc").matches()).isTrue();
    assertThat(createCt("entrypoint", "/sbin/init")).isEmpty();
  }

  @Test
  void parsePropertyStringDirectly() throws Exception {
    @SuppressWarnings("unchecked")
    Map<String, Object> agentFormat = (Map<String, Object>) SCHEMA.endpoint("POST", "/nodes/{node}/qemu")
        .orElseThrow().parameters().get("agent").get("format");
    assertThat(ParamValidator.parsePropertyString(agentFormat, "1,fstrim_cloned_disks=yes", "agent"))
        .containsEntry("enabled", "1").containsEntry("fstrim_cloned_disks", "1");
    assertThatThrownBy(() -> ParamValidator.parsePropertyString(agentFormat, "1,0", "agent"))
        .isInstanceOf(ParamValidator.FormatError.class).hasMessageContaining("duplicate key");
  }

  @Test
  void schemaMatchesPathsWithEncodedSegments() {
    var m = SCHEMA.match("DELETE", "/nodes/pve1/storage/local/content/local%3Abackup%2Fvzdump-lxc-101.tar.zst").orElseThrow();
    assertThat(m.endpoint().path()).isEqualTo("/nodes/{node}/storage/{storage}/content/{volume}");
    assertThat(m.pathParams()).containsEntry("volume", "local:backup/vzdump-lxc-101.tar.zst");
    assertThat(SCHEMA.match("GET", "/nodes/pve1/lxc/101/snapshot").orElseThrow().endpoint().path())
        .isEqualTo("/nodes/{node}/lxc/{vmid}/snapshot");
    assertThat(SCHEMA.match("GET", "/no/such/thing")).isEmpty();
  }
}
