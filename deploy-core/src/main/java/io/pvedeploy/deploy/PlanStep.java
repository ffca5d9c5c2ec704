package io.pvedeploy.deploy;

import java.util.List;

/**
 * One step of a {@link Plan}: what happens to one object the deployment manages (the guest, its
 * Docker engine, an image, a secret, the release), with the attribute changes that make it
 * necessary. A closed set, like Terraform's actions.
 */
public sealed interface PlanStep
    permits PlanStep.Create, PlanStep.Update, PlanStep.Replace, PlanStep.Delete, PlanStep.NoOp {

  /** What the step acts on, e.g. {@code guest.lxc[151]}, {@code image[shop/backend:1.4]}. */
  String address();

  /** The attribute changes; empty for a no-op. */
  List<Change> changes();

  /** Whether carrying out the step destroys something that exists (data may be lost). */
  default boolean destructive() {
    return false;
  }

  /** The action's symbol in a printed plan: {@code +}, {@code ~}, {@code -/+}, {@code -}, or blank. */
  String symbol();

  /** The words that end "# address will be …" in a printed plan. */
  String verb();

  /**
   * The action as one word, as the plan's JSON names it: {@code create}, {@code update},
   * {@code replace}, {@code delete} or {@code no-op}.
   */
  default String action() {
    if (this instanceof Create) {
      return "create";
    } else if (this instanceof Update) {
      return "update";
    } else if (this instanceof Replace) {
      return "replace";
    } else if (this instanceof Delete) {
      return "delete";
    }
    return "no-op";
  }

  /** Something that does not exist yet is created. */
  record Create(String address, List<Change> changes) implements PlanStep {
    public Create {
      address = PlanSteps.address(address);
      changes = List.copyOf(changes);
    }

    @Override
    public String symbol() {
      return "+";
    }

    @Override
    public String verb() {
      return "created";
    }
  }

  /** Something that exists is changed where it stands. */
  record Update(String address, List<Change> changes) implements PlanStep {
    public Update {
      address = PlanSteps.address(address);
      changes = PlanSteps.nonEmpty(changes, "an update");
    }

    @Override
    public String symbol() {
      return "~";
    }

    @Override
    public String verb() {
      return "updated in-place";
    }
  }

  /**
   * Something that exists is destroyed and created anew, because a change cannot be made in
   * place ({@link Change#forcesReplacement()}).
   */
  record Replace(String address, List<Change> changes) implements PlanStep {
    public Replace {
      address = PlanSteps.address(address);
      changes = PlanSteps.nonEmpty(changes, "a replacement");
    }

    @Override
    public boolean destructive() {
      return true;
    }

    @Override
    public String symbol() {
      return "-/+";
    }

    @Override
    public String verb() {
      return "replaced";
    }
  }

  /** Something that exists and is no longer wanted is destroyed. */
  record Delete(String address, List<Change> changes) implements PlanStep {
    public Delete {
      address = PlanSteps.address(address);
      changes = List.copyOf(changes);
    }

    @Override
    public boolean destructive() {
      return true;
    }

    @Override
    public String symbol() {
      return "-";
    }

    @Override
    public String verb() {
      return "destroyed";
    }
  }

  /** Something that is already as wanted; listed so that a plan accounts for every object. */
  record NoOp(String address) implements PlanStep {
    public NoOp {
      address = PlanSteps.address(address);
    }

    @Override
    public List<Change> changes() {
      return List.of();
    }

    @Override
    public String symbol() {
      return " ";
    }

    @Override
    public String verb() {
      return "left unchanged";
    }
  }
}
