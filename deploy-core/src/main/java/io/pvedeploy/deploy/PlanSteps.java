package io.pvedeploy.deploy;

import java.util.List;
import java.util.regex.Pattern;

/** Argument checks shared by the {@link PlanStep} records. */
final class PlanSteps {
  private PlanSteps() {}

  /** Addresses are printed and parsed by programs: one line of printable text. */
  private static final Pattern ADDRESS = Pattern.compile("[\\x21-\\x7e]([\\x20-\\x7e]{0,254}[\\x21-\\x7e])?");

  static String address(String address) {
    if (address == null || !ADDRESS.matcher(address).matches()) {
      throw new IllegalArgumentException("a plan step's address must be 1–256 printable ASCII"
          + " characters without leading or trailing spaces, e.g. guest.lxc[151]");
    }
    return address;
  }

  static List<Change> nonEmpty(List<Change> changes, String what) {
    if (changes == null || changes.isEmpty()) {
      throw new IllegalArgumentException(what + " needs at least one change (else it is a NoOp)");
    }
    return List.copyOf(changes);
  }
}
