package io.pvedeploy.deploy;

import com.squareup.moshi.JsonAdapter;
import com.squareup.moshi.Moshi;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What applying a spec would change, step by step, and the state it was made from.
 *
 * <p>{@link #render()} prints it for people the way Terraform does ({@code +} create, {@code ~}
 * update in place, {@code -/+} replace, {@code -} destroy, a summary line, {@code No changes.}
 * when nothing differs); {@link #toJson()} gives the same for programs. Secret values never
 * appear in either: a sensitive {@link Change} holds none.
 *
 * <p>{@link #basis()} is a digest of the observed state the plan was computed from; an applier
 * re-observes and refuses a plan whose basis no longer matches ({@link #checkBasis(String)}).
 *
 * @param app the app the plan deploys
 * @param steps the steps in the order they run
 * @param warnings what the spec opted into that is unsafe (a privileged container, AppArmor
 *     unconfined…), each with the reason given; printed with every plan
 * @param basis {@code sha256:…} of the observed state
 */
public record Plan(String app, List<PlanStep> steps, List<String> warnings, String basis) {
  private static final Pattern BASIS = Pattern.compile("sha256:[0-9a-f]{64}");
  /** The version of {@link #toJson()}'s shape; bumped when it changes incompatibly. */
  public static final int JSON_FORMAT_VERSION = 1;

  public Plan {
    if (app == null || app.isBlank()) {
      throw new IllegalArgumentException("a plan needs the app's name");
    }
    steps = List.copyOf(steps);
    warnings = List.copyOf(warnings);
    if (basis == null || !BASIS.matcher(basis).matches()) {
      throw new IllegalArgumentException("a plan's basis is the sha256:<64 hex> digest of the state it was made from");
    }
  }

  /** Whether applying the plan would change anything. */
  public boolean hasChanges() {
    return steps.stream().anyMatch(s -> !(s instanceof PlanStep.NoOp));
  }

  /** Whether any step destroys something that exists. */
  public boolean isDestructive() {
    return steps.stream().anyMatch(PlanStep::destructive);
  }

  /** Objects to be created, counting each replacement once (Terraform's "to add"). */
  public int toAdd() {
    return count(PlanStep.Create.class) + count(PlanStep.Replace.class);
  }

  /** Objects to be changed in place. */
  public int toChange() {
    return count(PlanStep.Update.class);
  }

  /** Objects to be destroyed, counting each replacement once. */
  public int toDestroy() {
    return count(PlanStep.Delete.class) + count(PlanStep.Replace.class);
  }

  private int count(Class<? extends PlanStep> kind) {
    return (int) steps.stream().filter(kind::isInstance).count();
  }

  /**
   * Refuses to go on when the state observed now is not the one the plan was made from.
   *
   * @throws StalePlanException naming both digests
   */
  public void checkBasis(String currentBasis) throws StalePlanException {
    if (!basis.equals(currentBasis)) {
      throw new StalePlanException(app, basis, String.valueOf(currentBasis));
    }
  }

  /** The plan as people read it. */
  public String render() {
    StringBuilder out = new StringBuilder();
    if (!warnings.isEmpty()) {
      out.append("Warnings:\n");
      for (String w : warnings) {
        out.append("  ! ").append(w).append('\n');
      }
      out.append('\n');
    }
    if (!hasChanges()) {
      return out.append("No changes. The deployment of ").append(app).append(" matches its spec.\n").toString();
    }
    out.append("pvedeploy will perform the following actions for ").append(app).append(":\n");
    for (PlanStep step : steps) {
      if (step instanceof PlanStep.NoOp) {
        continue;
      }
      out.append('\n');
      out.append("  # ").append(step.address()).append(" will be ").append(step.verb());
      if (step instanceof PlanStep.Replace) {
        out.append(" (destroys what it holds unless kept on a separate volume)");
      }
      out.append('\n');
      String symbol = step.symbol();
      out.append(symbol.length() == 3 ? symbol : "  " + symbol).append(' ').append(step.address());
      if (step.changes().isEmpty()) {
        out.append('\n');
        continue;
      }
      out.append(" {\n");
      int width = step.changes().stream().mapToInt(c -> c.attribute().length()).max().orElse(0);
      for (Change c : step.changes()) {
        out.append("      ").append(changeSymbol(step, c)).append(' ')
            .append(String.format("%-" + width + "s", c.attribute())).append(" = ");
        if (c.before().isPresent() && c.after().isPresent() || c.sensitive() && step instanceof PlanStep.Update) {
          out.append(c.renderedBefore()).append(" -> ").append(c.renderedAfter());
        } else if (c.after().isPresent() || c.sensitive()) {
          out.append(c.renderedAfter());
        } else {
          out.append(c.renderedBefore()).append(" -> null");
        }
        if (c.forcesReplacement()) {
          out.append(" # forces replacement");
        }
        out.append('\n');
      }
      out.append("    }\n");
    }
    out.append('\n').append("Plan: ").append(toAdd()).append(" to add, ").append(toChange())
        .append(" to change, ").append(toDestroy()).append(" to destroy.\n");
    return out.toString();
  }

  private static String changeSymbol(PlanStep step, Change c) {
    if (step instanceof PlanStep.Create) {
      return "+";
    }
    if (step instanceof PlanStep.Delete) {
      return "-";
    }
    if (c.before().isEmpty() && c.after().isPresent()) {
      return "+";
    }
    if (c.after().isEmpty() && c.before().isPresent()) {
      return "-";
    }
    return "~";
  }

  /** The plan for programs: the same steps and changes, sensitive values left out. */
  public String toJson() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("format_version", JSON_FORMAT_VERSION);
    root.put("app", app);
    root.put("basis", basis);
    root.put("warnings", warnings);
    List<Object> list = new ArrayList<>();
    for (PlanStep step : steps) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("address", step.address());
      s.put("action", step.action());
      s.put("destructive", step.destructive());
      List<Object> changes = new ArrayList<>();
      for (Change c : step.changes()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("attribute", c.attribute());
        m.put("before", c.before().orElse(null));
        m.put("after", c.after().orElse(null));
        m.put("sensitive", c.sensitive());
        m.put("forces_replacement", c.forcesReplacement());
        changes.add(m);
      }
      s.put("changes", changes);
      list.add(s);
    }
    root.put("steps", list);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("add", toAdd());
    summary.put("change", toChange());
    summary.put("destroy", toDestroy());
    root.put("summary", summary);
    JsonAdapter<Object> adapter = new Moshi.Builder().build().adapter(Object.class).serializeNulls().indent("  ");
    return adapter.toJson(root) + "\n";
  }

  @Override
  public String toString() {
    return "Plan[" + app + ": " + toAdd() + " to add, " + toChange() + " to change, " + toDestroy()
        + " to destroy, basis " + basis.substring(0, 19) + "…]";
  }
}
