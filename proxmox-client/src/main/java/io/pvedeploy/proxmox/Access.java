package io.pvedeploy.proxmox;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** {@code /access}: who the client is and what it may do. */
public final class Access {
  private final Transport transport;

  Access(Transport transport) {
    this.transport = transport;
  }

  /**
   * {@code GET /access/permissions}: the privileges the client's user or token has, per ACL path
   * ({@code /}, {@code /vms/101}, …), e.g. {@code {"/": {"VM.Allocate": true, …}}}.
   */
  public Map<String, Map<String, Boolean>> permissions() throws ProxmoxException {
    Map<String, Object> data = Json.object(transport.get("/access/permissions", Params.of()), "permissions");
    Map<String, Map<String, Boolean>> out = new TreeMap<>();
    for (Map.Entry<String, Object> path : data.entrySet()) {
      Map<String, Object> privileges = Json.object(path.getValue(), "permissions of " + path.getKey());
      Map<String, Boolean> flags = new LinkedHashMap<>();
      privileges.forEach((privilege, v) -> flags.put(privilege, Json.bool(privileges, privilege, false)));
      out.put(path.getKey(), Map.copyOf(flags));
    }
    return Map.copyOf(out);
  }

  /** Whether the client holds {@code privilege} on {@code aclPath} (or an ancestor that propagates). */
  public boolean hasPrivilege(String aclPath, String privilege) throws ProxmoxException {
    Map<String, Map<String, Boolean>> all = permissions();
    for (String path = aclPath; ; path = parent(path)) {
      Map<String, Boolean> here = all.get(path);
      if (here != null && Boolean.TRUE.equals(here.get(privilege))) {
        return true;
      }
      if (path.equals("/")) {
        return false;
      }
    }
  }

  private static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash <= 0 ? "/" : path.substring(0, slash);
  }
}
