package io.pvedeploy.deploy;

/** What deploy-core's planner and applier fail with; each subclass says which failure it is. */
public class DeployException extends Exception {
  private static final long serialVersionUID = 1L;

  public DeployException(String message, Throwable cause) {
    super(message, cause);
  }
}
