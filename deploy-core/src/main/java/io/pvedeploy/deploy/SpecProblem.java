package io.pvedeploy.deploy;

/**
 * One thing wrong with a {@link DeploymentSpec}: the field, where it is in the YAML file, and what
 * was expected.
 *
 * @param field the field as a dotted path of YAML names, e.g. {@code guest.network.ipv4}, {@code
 *     compose.images[1]} or {@code secrets.db_password.length}; empty for a YAML syntax error
 * @param line the 1-based line in the YAML file, 0 when the spec was built in Java
 * @param column the 1-based column, 0 when the spec was built in Java
 * @param message what is wrong and what to write instead
 */
public record SpecProblem(String field, int line, int column, String message) {

  public SpecProblem {
    if (field == null || message == null) {
      throw new IllegalArgumentException("a spec problem needs a field (may be empty) and a message");
    }
    if (line < 0 || column < 0) {
      throw new IllegalArgumentException("line and column are 1-based, or 0 when unknown");
    }
  }

  /** A problem without a position: the spec was built in Java. */
  public static SpecProblem of(String field, String message) {
    return new SpecProblem(field, 0, 0, message);
  }

  /** This problem at a position of a YAML file. */
  public SpecProblem at(int line, int column) {
    return new SpecProblem(field, line, column, message);
  }

  /**
   * One line, like a compiler's: {@code deploy.yaml:12:5 guest.network.ipv4: message}; without a
   * position (built in Java) {@code guest.network.ipv4: message}.
   *
   * @param source the file name, or null
   */
  public String format(String source) {
    StringBuilder out = new StringBuilder();
    if (line > 0) {
      out.append(source == null ? "<spec>" : source).append(':').append(line).append(':').append(column);
      out.append(field.isEmpty() ? ": " : " ");
    }
    if (!field.isEmpty()) {
      out.append(field).append(": ");
    }
    return out.append(message).toString();
  }

  @Override
  public String toString() {
    return format(null);
  }
}
