package io.pvedeploy.sandbox.internal;

import java.util.List;
import java.util.Map;

/**
 * What a guest's inside does. Simulated guests keep state only; a real LXC or qemu-ga backend
 * plugs in here later without touching the API layer. Called with the cluster lock held.
 */
interface GuestBackend {
  void start(Guest guest);

  void stop(Guest guest);

  /** Runs a command inside the guest (the agent's exec); the result is available at once. */
  Guest.ExecResult exec(Guest guest, List<String> command, String inputData);

  /** Null when the file does not exist. */
  byte[] readFile(Guest guest, String path);

  void writeFile(Guest guest, String path, byte[] content);

  /** name → [hwaddr, ipv4 CIDR, ipv6 CIDR] for each interface of a running guest, lo first. */
  Map<String, String[]> interfaces(Guest guest);
}
