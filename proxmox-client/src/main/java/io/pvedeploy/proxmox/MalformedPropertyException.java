package io.pvedeploy.proxmox;

import java.util.Objects;

/**
 * A Proxmox VE property string (such as {@code net0} or {@code features}), or a value meant for
 * one, is malformed: an unknown or duplicate key, or a value PVE would refuse or that would break
 * the comma-separated format.
 *
 * <p>It is the caller's mistake, so it is unchecked. The message names the property, what was wrong
 * and what was expected, e.g. {@code net[n]: unknown key 'brige' (expected one of bridge, firewall,
 * gw, …)}.
 */
public final class MalformedPropertyException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String property;
  private final String key;
  private final String problem;
  private final String expected;

  /**
   * @param property the property, as PVE's schema names it: {@code features}, {@code net[n]},
   *     {@code rootfs}, {@code mp[n]}, {@code ipconfig[n]}
   * @param key the key inside the property string the problem is about, or null if it is about the
   *     string as a whole
   * @param problem what was wrong, e.g. {@code unknown key 'brige'}
   * @param expected what would have been right, or null
   */
  public MalformedPropertyException(String property, String key, String problem, String expected) {
    super(message(property, problem, expected));
    this.property = Objects.requireNonNull(property, "property");
    this.key = key;
    this.problem = Objects.requireNonNull(problem, "problem");
    this.expected = expected;
  }

  private static String message(String property, String problem, String expected) {
    return property + ": " + problem + (expected == null ? "" : " (expected " + expected + ")");
  }

  /** The property, as PVE's schema names it, e.g. {@code net[n]}. */
  public String property() {
    return property;
  }

  /** The key inside the property string, or null if the problem concerns the whole string. */
  public String key() {
    return key;
  }

  /** What was wrong. */
  public String problem() {
    return problem;
  }

  /** What was expected instead, or null. */
  public String expected() {
    return expected;
  }
}
