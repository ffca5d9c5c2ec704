package io.pvedeploy.proxmox;

import java.util.Map;

/**
 * {@code GET /version}.
 *
 * @param version the full version, e.g. {@code 9.1.1}
 * @param release the release, e.g. {@code 9.1}
 * @param repoid the build's repository id
 */
public record Version(String version, String release, String repoid) {
  static Version from(Map<String, Object> data) {
    return new Version(Json.string(data, "version", ""), Json.string(data, "release", ""),
        Json.string(data, "repoid", ""));
  }

  /** The major version, e.g. 9; 0 when PVE's answer had none. */
  public int major() {
    try {
      return Integer.parseInt(version.split("\\.")[0]);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
