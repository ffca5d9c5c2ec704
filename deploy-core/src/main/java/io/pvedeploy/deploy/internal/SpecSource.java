package io.pvedeploy.deploy.internal;

import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.SpecException;
import io.pvedeploy.deploy.SpecProblem;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a spec loaded from YAML had its fields: the file's name and each field path's line and
 * column, so that problems found after loading (a store without a provided secret, a bundle that
 * reads an undeclared secret, limits above the guest's memory) point into the file like the
 * loader's own. A spec built in Java has {@link #NONE}: its problems keep line and column 0.
 *
 * <p>Kept beside the spec, not in it. {@link DeploymentSpec} is a record: its components are its
 * value (a spec loaded from YAML equals the same spec built in Java), and every component has a
 * public accessor, so a component would make this map public API and would have to be left out
 * of equals, hashCode and toString by hand. The registry holds specs weakly and by identity: an
 * equal spec built elsewhere has no positions, and a spec nobody holds is collected as before.
 */
public final class SpecSource {
  /** No file and no positions: a spec built in Java. */
  public static final SpecSource NONE = new SpecSource(null, Map.of());

  private static final Registry REGISTRY = new Registry();

  private final String name;
  private final Map<String, SpecReader.Pos> positions;

  SpecSource(String name, Map<String, SpecReader.Pos> positions) {
    this.name = name;
    this.positions = Map.copyOf(positions);
  }

  /** Where {@code spec} was loaded from; {@link #NONE} if it was built in Java. */
  public static SpecSource of(DeploymentSpec spec) {
    return REGISTRY.get(spec);
  }

  /** Records that {@code spec} was loaded from {@code source} (nothing to record for NONE). */
  public static void remember(DeploymentSpec spec, SpecSource source) {
    if (source != null && source != NONE) {
      REGISTRY.put(spec, source);
    }
  }

  /** The file's name as errors show it; null for a spec built in Java (or YAML without a name). */
  public String name() {
    return name;
  }

  /**
   * {@code problem} at its field's line and column, or the nearest enclosing field's when that one
   * is not in the file (a default, or a secret the spec does not declare); unchanged for NONE.
   */
  public SpecProblem place(SpecProblem problem) {
    if (positions.isEmpty() || problem.line() > 0) {
      return problem;
    }
    SpecReader.Pos pos = SpecReader.locate(positions, problem.field());
    return problem.at(pos.line(), pos.column());
  }

  /** All of {@code problems} placed and in file order, as one exception naming this file. */
  public SpecException exception(List<SpecProblem> problems) {
    List<SpecProblem> placed = new ArrayList<>();
    for (SpecProblem p : problems) {
      placed.add(place(p));
    }
    // Stable: problems of a spec built in Java (all at 0:0) keep the order they were found in.
    placed.sort(Comparator.comparingInt(SpecProblem::line).thenComparingInt(SpecProblem::column));
    return new SpecException(name, placed);
  }

  /** Specs to their sources, by identity, without keeping a spec alive. */
  private static final class Registry {
    private final Map<Key, SpecSource> sources = new HashMap<>();
    private final ReferenceQueue<DeploymentSpec> collected = new ReferenceQueue<>();

    synchronized void put(DeploymentSpec spec, SpecSource source) {
      expunge();
      sources.put(new Key(spec, collected), source);
    }

    synchronized SpecSource get(DeploymentSpec spec) {
      expunge();
      return sources.getOrDefault(new Key(spec, null), NONE);
    }

    private void expunge() {
      for (Object k; (k = collected.poll()) != null; ) {
        sources.remove(k);
      }
    }
  }

  /** A weak key equal only to a key for the very same spec (or to itself once cleared). */
  private static final class Key extends WeakReference<DeploymentSpec> {
    private final int hash;

    Key(DeploymentSpec spec, ReferenceQueue<DeploymentSpec> queue) {
      super(spec, queue);
      this.hash = System.identityHashCode(spec);
    }

    @Override
    public boolean equals(Object o) {
      if (this == o) {
        return true;
      }
      if (!(o instanceof Key k)) {
        return false;
      }
      DeploymentSpec spec = get();
      return spec != null && spec == k.get();
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
