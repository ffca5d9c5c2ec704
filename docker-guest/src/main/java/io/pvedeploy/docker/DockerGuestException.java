package io.pvedeploy.docker;

/**
 * The root of everything that can go wrong between this module and a guest's Docker: the shell
 * failing to reach the guest, a command that had to succeed failing, Docker missing, a preflight
 * guard refusing, a compose file compose rejects, services that do not become healthy.
 *
 * <p>Each subclass is a case a caller can act on. What the caller got wrong is not here: invalid
 * arguments (an app name with a space, a relative guest path) are {@link
 * IllegalArgumentException}s, thrown before anything reaches the guest.
 *
 * <p>Messages say what happened, what was expected and what to try; they never hold file content
 * or a command's arguments beyond its program name, which may be secrets.
 */
public class DockerGuestException extends Exception {
  private static final long serialVersionUID = 1L;

  public DockerGuestException(String message, Throwable cause) {
    super(message, cause);
  }
}
