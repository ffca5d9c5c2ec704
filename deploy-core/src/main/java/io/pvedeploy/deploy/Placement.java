package io.pvedeploy.deploy;

/** Which node a new guest goes to. An existing guest stays where it is, wherever that is. */
public sealed interface Placement permits Placement.OnNode, Placement.LeastLoaded {

  /** On this node, e.g. {@code pve1}. YAML: {@code node: pve1}. */
  record OnNode(String node) implements Placement {}

  /**
   * On the online node with the most free memory, chosen by the planner when the guest is
   * created. YAML: {@code placement: least-loaded} (or no {@code node:} at all).
   */
  record LeastLoaded() implements Placement {}

  static Placement onNode(String node) {
    return new OnNode(node);
  }

  static Placement leastLoaded() {
    return new LeastLoaded();
  }
}
