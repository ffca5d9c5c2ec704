package io.pvedeploy.deploy;

import java.util.Optional;

/**
 * One attribute of a {@link PlanStep}, before and after. A sensitive change never carries its
 * values: they are rendered {@code (sensitive)}, in the printed plan and in its JSON alike.
 *
 * @param attribute the attribute's name, e.g. {@code memory} or {@code image[backend]}
 * @param before the value now, empty when the attribute does not exist yet
 * @param after the value the plan sets, empty when the attribute goes away
 * @param sensitive whether the values are secret (then both are empty and only the fact of a
 *     change is shown)
 * @param forcesReplacement whether changing this attribute replaces the whole object
 */
public record Change(String attribute, Optional<String> before, Optional<String> after, boolean sensitive,
    boolean forcesReplacement) {
  /** What a sensitive value renders as. */
  public static final String SENSITIVE = "(sensitive)";

  public Change {
    if (attribute == null || attribute.isBlank()) {
      throw new IllegalArgumentException("a change needs an attribute name");
    }
    before = before == null ? Optional.empty() : before;
    after = after == null ? Optional.empty() : after;
    if (sensitive) {
      before = Optional.empty();
      after = Optional.empty();
    }
  }

  /** An attribute that gets a value. */
  public static Change set(String attribute, Object after) {
    return new Change(attribute, Optional.empty(), Optional.of(String.valueOf(after)), false, false);
  }

  /** An attribute whose value changes (or stays, which a plan does not list). */
  public static Change update(String attribute, Object before, Object after) {
    return new Change(attribute, Optional.of(String.valueOf(before)), Optional.of(String.valueOf(after)), false, false);
  }

  /** An attribute that goes away. */
  public static Change remove(String attribute, Object before) {
    return new Change(attribute, Optional.of(String.valueOf(before)), Optional.empty(), false, false);
  }

  /** A secret attribute that changes; its values are never held. */
  public static Change sensitive(String attribute) {
    return new Change(attribute, Optional.empty(), Optional.empty(), true, false);
  }

  /** This change, marked as one that replaces its object. */
  public Change forcingReplacement() {
    return new Change(attribute, before, after, sensitive, true);
  }

  /** The value before, as the plan prints it. */
  public String renderedBefore() {
    return sensitive ? SENSITIVE : before.map(Change::quote).orElse("null");
  }

  /** The value after, as the plan prints it. */
  public String renderedAfter() {
    return sensitive ? SENSITIVE : after.map(Change::quote).orElse("null");
  }

  private static String quote(String value) {
    return value.matches("-?[0-9]+(\\.[0-9]+)?|true|false") ? value : "\"" + value.replace("\\", "\\\\")
        .replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }
}
