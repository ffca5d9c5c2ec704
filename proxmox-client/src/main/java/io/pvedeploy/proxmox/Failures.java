package io.pvedeploy.proxmox;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns PVE's error answers into typed exceptions with messages a person can act on.
 *
 * <p>PVE carries its error text in the HTTP reason phrase (body {@code {"data":null}}), and
 * parameter errors in the body's {@code errors} map. Many distinct failures share status 500, so
 * the text decides the type; the patterns below are PVE's own wordings.
 */
final class Failures {
  private static final Pattern LOCKED = Pattern.compile("(?:CT|VM) (?:\\d+ )?is locked \\((\\w+)\\)");
  private static final Pattern LOCK_TIMEOUT = Pattern.compile("can't lock file '[^']*' - got timeout");
  private static final Pattern PERMISSION = Pattern.compile("Permission check failed \\(([^,]+), ([^)]+)\\)");
  private static final Pattern NOT_FOUND =
      Pattern.compile(
          "does not exist|no such (?:VM|CT|task|node|storage|snapshot|file|volume)|not found"
              + "|unable to find",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern ALREADY_EXISTS = Pattern.compile("already exists", Pattern.CASE_INSENSITIVE);
  private static final Pattern CONFIG_CHANGED = Pattern.compile("detected modified configuration");

  private Failures() {}

  static ProxmoxException fromResponse(
      String method, String path, int status, String reason, Map<String, Object> errorsBody) {
    String pve = reason == null ? "" : reason.strip();
    String where = method + " " + path;
    String said = pve.isEmpty() ? "HTTP " + status : pve;

    if (errorsBody != null && !errorsBody.isEmpty()) {
      Map<String, String> errors = new TreeMap<>();
      errorsBody.forEach((k, v) -> errors.put(k, v == null ? "" : v.toString().strip()));
      StringBuilder message = new StringBuilder(where).append(" was refused: ").append(said);
      errors.forEach((k, v) -> message.append("\n  ").append(k).append(": ").append(v));
      if (errors.values().stream().anyMatch(v -> ALREADY_EXISTS.matcher(v).find())) {
        return new AlreadyExistsException(
            message.append("\nChoose another id (cluster().nextId() gives a free one).").toString(),
            status, method, path, pve, null);
      }
      message.append("\nFix the parameters named above; PVE checked them against its API schema.");
      return new ParameterException(message.toString(), status, method, path, pve, errors);
    }

    switch (status) {
      case 401:
        return new AuthenticationException(
            where + " was refused: " + said + ". PVE did not accept the credentials: check the"
                + " API token id and secret (user@realm!tokenid) or the user's password, and that"
                + " the token or user is enabled and not expired.",
            status, method, path, pve, null);
      case 403: {
        Matcher m = PERMISSION.matcher(pve);
        String aclPath = m.find() ? m.group(1) : null;
        String privilege = aclPath != null ? m.group(2) : null;
        String hint;
        if (pve.contains("only allowed for root@pam")) {
          hint = " PVE allows this only to root@pam logged in with a password; an API token never"
              + " counts as root@pam, even root@pam's own. Log in with ticket authentication as"
              + " root@pam, or set it on the node as root (pct set … over NodeShell).";
        } else if (privilege != null) {
          hint = " Grant " + privilege + " on " + aclPath + " to the user (and, for a token with"
              + " privilege separation, to the token).";
        } else {
          hint = " Check the user's (or token's) permissions in PVE's Datacenter → Permissions.";
        }
        return new PermissionDeniedException(
            where + " was refused: " + said + "." + hint, status, method, path, pve, aclPath,
            privilege);
      }
      case 595:
      case 596:
        return new ProxyException(
            where + " failed between cluster nodes: " + said + " (HTTP " + status + "). The node"
                + " that received the request could not reach the node that owns the resource;"
                + " check that the node is online (cluster().status()).",
            status, method, path, pve, null);
      case 501:
        return new NotFoundException(
            where + " is not served by this PVE: " + said + ". It may need a newer Proxmox VE.",
            status, method, path, pve, null);
      default:
        break;
    }

    Matcher locked = LOCKED.matcher(pve);
    if (locked.find()) {
      return new GuestLockedException(
          where + " failed: " + said + ". A task holds the guest's '" + locked.group(1)
              + "' lock; wait for it to finish (nodes().node(n).tasks()), or if the lock is stale"
              + " remove it on the node with `pct unlock`/`qm unlock`.",
          status, method, path, pve, null);
    }
    if (LOCK_TIMEOUT.matcher(pve).find()) {
      return new LockTimeoutException(
          where + " failed: " + said + ". Another operation on the same guest held its config"
              + " lock for too long; try again shortly.",
          status, method, path, pve, null);
    }
    if (CONFIG_CHANGED.matcher(pve).find()) {
      return new ConfigChangedException(
          where + " failed: " + said + ". The config changed since it was read (digest mismatch);"
              + " read it again and re-apply the change.",
          status, method, path, pve, null);
    }
    if (ALREADY_EXISTS.matcher(pve).find()) {
      return new AlreadyExistsException(
          where + " failed: " + said + ". Choose another id or name, or use the existing one.",
          status, method, path, pve, null);
    }
    if (NOT_FOUND.matcher(pve).find() || status == 404) {
      return new NotFoundException(
          where + " failed: " + said + ". Check the node name and vmid (cluster().resources()"
              + " lists what exists).",
          status, method, path, pve, null);
    }
    return new ProxmoxException(
        where + " failed: " + said + " (HTTP " + status + ").", status, method, path, pve, null);
  }
}
