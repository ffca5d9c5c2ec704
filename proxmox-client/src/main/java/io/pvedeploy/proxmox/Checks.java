package io.pvedeploy.proxmox;

import java.util.regex.Pattern;

/**
 * Argument checks shared by every public entry point, so bad input fails before a request is
 * sent, with a message that says what was expected.
 */
final class Checks {
  static final int MIN_VMID = 100;
  static final int MAX_VMID = 999_999_999;

  // PVE's pve-node format is a DNS label; pve-storage-id and pve-configid are PVE's own.
  private static final Pattern NODE = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?");
  private static final Pattern STORAGE_ID = Pattern.compile("[a-z][a-z0-9\\-_.]*[a-z0-9]");
  private static final Pattern CONFIG_ID = Pattern.compile("[a-zA-Z][a-zA-Z0-9_\\-]{1,39}");
  private static final Pattern DNS_NAME =
      Pattern.compile(
          "(?=.{1,255}$)[a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?"
              + "(\\.[a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?)*");
  private static final Pattern VOLUME_ID = Pattern.compile("[a-z][a-z0-9\\-_.]*[a-z0-9]:.+");

  private Checks() {}

  static int vmid(int vmid) {
    if (vmid < MIN_VMID || vmid > MAX_VMID) {
      throw new IllegalArgumentException(
          "vmid " + vmid + " is out of range: PVE guest ids are 100 to 999999999");
    }
    return vmid;
  }

  static String node(String node) {
    if (node == null || node.isEmpty()) {
      throw new IllegalArgumentException("node name must not be empty (e.g. \"pve1\")");
    }
    if (node.length() > 63 || !NODE.matcher(node).matches()) {
      throw new IllegalArgumentException(
          "node name '" + node + "' is not a PVE node name (letters, digits and inner '-')");
    }
    return node;
  }

  static String storage(String storage) {
    if (storage == null || !STORAGE_ID.matcher(storage).matches()) {
      throw new IllegalArgumentException(
          "storage id '"
              + storage
              + "' is not a PVE storage id (lower-case letter first, then [a-z0-9-_.], e.g."
              + " \"local-lvm\")");
    }
    return storage;
  }

  static String snapshotName(String name) {
    if (name == null || !CONFIG_ID.matcher(name).matches() || name.equals("current")) {
      throw new IllegalArgumentException(
          "snapshot name '"
              + name
              + "' is not valid: 2 to 40 characters, a letter first, then letters, digits, '_'"
              + " or '-'; 'current' is reserved");
    }
    return name;
  }

  static String hostname(String name) {
    if (name == null || !DNS_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "hostname '" + name + "' is not a DNS name (labels of letters, digits and inner '-')");
    }
    return name;
  }

  static String volumeId(String volid, String what) {
    if (volid == null || !VOLUME_ID.matcher(volid).matches() || volid.indexOf('\n') >= 0) {
      throw new IllegalArgumentException(
          what
              + " '"
              + volid
              + "' is not a PVE volume id (STORAGE:PATH, e.g."
              + " \"local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst\")");
    }
    return volid;
  }

  static String notBlank(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
    return value;
  }

  static String singleLine(String value, String what) {
    notBlank(value, what);
    if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(what + " must be a single line");
    }
    return value;
  }

  static long positive(long value, String what) {
    if (value <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + value);
    }
    return value;
  }
}
