package io.pvedeploy.proxmox;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A VM's config as {@code GET …/qemu/{vmid}/config} returns it, with typed views of the keys a
 * deployer uses and the {@code digest} for a safe update.
 *
 * @param values every key as PVE stores it (a cloud-init password arrives masked by PVE)
 * @param digest the config's digest
 */
public record QemuConfig(Map<String, String> values, String digest) {
  public QemuConfig {
    values = Map.copyOf(values);
  }

  static QemuConfig from(Map<String, Object> data) {
    Map<String, String> values = new TreeMap<>(Json.stringMap(data));
    String digest = values.remove("digest");
    return new QemuConfig(values, digest == null ? "" : digest);
  }

  public Optional<String> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  public Optional<String> name() {
    return get("name");
  }

  public boolean template() {
    return get("template").map(v -> v.equals("1")).orElse(false);
  }

  /** Whether the QEMU guest agent is enabled ({@code agent: 1} or {@code agent: enabled=1,…}). */
  public boolean agentEnabled() {
    return get("agent").map(v -> v.equals("1") || v.startsWith("1,") || v.contains("enabled=1")).orElse(false);
  }

  public Optional<String> ciUser() {
    return get("ciuser");
  }

  /** The cloud-init authorized keys, decoded from PVE's percent-encoding. */
  public List<String> sshKeys() {
    return get("sshkeys")
        .map(v -> URLDecoder.decode(v.replace("+", "%2B"), StandardCharsets.UTF_8))
        .map(v -> Arrays.stream(v.split("\n")).map(String::strip).filter(s -> !s.isEmpty()).toList())
        .orElse(List.of());
  }

  public Optional<IpConfig> ipConfig(int index) {
    return get("ipconfig" + index).map(IpConfig::parse);
  }

  public Optional<QemuNetwork> network(int index) {
    return get("net" + index).map(QemuNetwork::parse);
  }

  public Optional<String> lock() {
    return get("lock");
  }
}
