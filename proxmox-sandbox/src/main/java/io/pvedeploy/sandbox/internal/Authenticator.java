package io.pvedeploy.sandbox.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * API tokens, tickets and CSRF tokens as pveproxy checks them (pve-http-server's auth_handler,
 * pve-access-control's verify_token/verify_ticket, pve-common's PVE::Ticket). Tickets are signed
 * with an HMAC instead of PVE's RSA key; their text layout is PVE's.
 */
final class Authenticator {
  /** Who is calling; a token's userid is the full token id, which never counts as root@pam. */
  record Caller(String userid, boolean token) {
    boolean isRootPam() {
      return !token && userid.equals("root@pam");
    }
  }

  static final int TICKET_LIFETIME = 7200;
  private static final int GRACE = 300;
  private static final Pattern TICKET = Pattern.compile("(PVE:\\S+)::([^:\\s]+)");
  private static final Pattern TICKET_PLAIN = Pattern.compile("PVE:(?:(\\S+):)?([A-Z0-9]{8})");
  private static final Pattern CSRF = Pattern.compile("([A-Z0-9]{8}):(\\S+)");

  private final byte[] key;
  private final String tokenId;
  private final String tokenSecret;
  private final String rootPassword;
  private final Map<String, String> tfaUsers;

  Authenticator(byte[] key, String tokenId, String tokenSecret, String rootPassword, Map<String, String> tfaUsers) {
    this.key = key.clone();
    this.tokenId = tokenId;
    this.tokenSecret = tokenSecret;
    this.rootPassword = rootPassword;
    this.tfaUsers = Map.copyOf(tfaUsers);
  }

  /** PVE's extract_auth_value: {@code NAME=value} or {@code NAME value}, up to a ';'. */
  static String extract(String header, String name) {
    if (header == null) {
      return null;
    }
    Matcher m = Pattern.compile("(?:^|\\s)" + Pattern.quote(name) + "(?:=| )([^;]*)").matcher(header);
    if (!m.find() || m.group(1).isEmpty()) {
      return null;
    }
    return URLDecoder.decode(m.group(1).replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /**
   * Authenticates a request under /api2/json. Returns null for the calls PVE allows without
   * authentication (the caller may still be a token, which matters for allowtoken).
   */
  Caller authenticate(String method, String relPath, String cookie, String authorization, String csrf) {
    String ticket = extract(cookie, "PVEAuthCookie");
    if (ticket == null) {
      ticket = extract(authorization, "PVEAuthCookie");
    }
    String apiToken = ticket == null ? extract(authorization, "PVEAPIToken") : null;
    boolean open =
        (relPath.equals("/access/ticket") && (method.equals("GET") || method.equals("POST")))
            || (relPath.equals("/access/domains") && method.equals("GET"));
    if (open) {
      return apiToken != null ? new Caller("", true) : null;
    }
    if (apiToken != null) {
      return new Caller(verifyToken(apiToken), true);
    }
    if (ticket == null) {
      throw ApiException.unauthorized("No ticket");
    }
    String user = verifyTicket(ticket);
    if (user == null || user.startsWith("!tfa!")) {
      throw ApiException.unauthorized("Authentication failed!");
    }
    if (!method.equals("GET") && !verifyCsrf(user, csrf)) {
      throw new ApiException(401, "Permission denied - invalid csrf token\n", null);
    }
    return new Caller(user, false);
  }

  /** verify_token: the secret follows the token id after the last '='. */
  private String verifyToken(String value) {
    int eq = value.lastIndexOf('=');
    if (eq < 0) {
      throw ApiException.unauthorized("Authentication failed!");
    }
    String id = value.substring(0, eq);
    String secret = value.substring(eq + 1);
    if (!id.equals(tokenId)
        || !MessageDigest.isEqual(secret.getBytes(StandardCharsets.UTF_8), tokenSecret.getBytes(StandardCharsets.UTF_8))) {
      throw ApiException.unauthorized("Authentication failed!");
    }
    return id;
  }

  String assembleTicket(String data, long time) {
    String plain = "PVE:" + data.replace(":", "%3A") + ":" + String.format("%08X", time);
    return plain + "::" + sign(plain);
  }

  /** The ticket's data (a userid, or {@code !tfa!...} for a half-done TFA login), or null. */
  String verifyTicket(String ticket) {
    Matcher m = TICKET.matcher(ticket);
    if (!m.matches() || !MessageDigest.isEqual(sign(m.group(1)).getBytes(StandardCharsets.UTF_8), m.group(2).getBytes(StandardCharsets.UTF_8))) {
      return null;
    }
    Matcher p = TICKET_PLAIN.matcher(m.group(1));
    if (!p.matches() || p.group(1) == null) {
      return null;
    }
    long age = Cluster.now() - Long.parseLong(p.group(2), 16);
    if (age <= -GRACE || age >= TICKET_LIFETIME) {
      return null;
    }
    return URLDecoder.decode(p.group(1).replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  String assembleCsrf(String user, long time) {
    String ts = String.format("%08X", time);
    return ts + ":" + sign(ts + ":" + user);
  }

  private boolean verifyCsrf(String user, String token) {
    if (token == null) {
      return false;
    }
    Matcher m = CSRF.matcher(token);
    if (!m.matches()) {
      return false;
    }
    long age = Cluster.now() - Long.parseLong(m.group(1), 16);
    String expected = sign(m.group(1) + ":" + user);
    return age > -GRACE && age < TICKET_LIFETIME
        && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), m.group(2).getBytes(StandardCharsets.UTF_8));
  }

  private String sign(String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return Base64.getEncoder().withoutPadding().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code POST /access/ticket}: password login, ticket renewal (password = a valid ticket of the
   * same user, or of root@pam), and the TFA dance (first answer NeedTFA with a {@code !tfa!}
   * ticket, then {@code tfa-challenge} + {@code password=totp:CODE}). Any failure is PVE's
   * "authentication failure".
   */
  Map<String, Object> login(Map<String, Object> params, String clusterName) {
    String username = (String) params.get("username");
    if (params.get("realm") instanceof String realm && !username.contains("@")) {
      username = username + "@" + realm;
    }
    String password = (String) params.get("password");
    String challenge = (String) params.get("tfa-challenge");
    long now = Cluster.now();
    Map<String, Object> res = new LinkedHashMap<>();
    boolean known = username.equals("root@pam") || tfaUsers.containsKey(username);
    if (!known) {
      throw new ApiException(401, "authentication failure\n", null);
    }
    String ticketUser = challenge == null ? verifyTicket(password) : null;
    if (ticketUser != null && !ticketUser.startsWith("!tfa!")
        && (ticketUser.equals(username) || ticketUser.equals("root@pam"))) {
      // renewal with a valid ticket
    } else if (challenge != null) {
      String data = verifyTicket(challenge);
      if (data == null || !data.equals("!tfa!" + tfaChallenge(username))
          || !password.matches("totp:\\d{6}")) {
        throw new ApiException(401, "authentication failure\n", null);
      }
    } else if (username.equals("root@pam") && password.equals(rootPassword)) {
      // password login
    } else if (tfaUsers.containsKey(username) && password.equals(tfaUsers.get(username))) {
      res.put("username", username);
      res.put("ticket", assembleTicket("!tfa!" + tfaChallenge(username), now));
      res.put("CSRFPreventionToken", assembleCsrf(username, now));
      res.put("NeedTFA", 1);
      return res;
    } else {
      throw new ApiException(401, "authentication failure\n", null);
    }
    res.put("username", username);
    res.put("ticket", assembleTicket(username, now));
    res.put("CSRFPreventionToken", assembleCsrf(username, now));
    res.put("cap", capabilities());
    if (clusterName != null) {
      res.put("clustername", clusterName);
    }
    return res;
  }

  /** The TFA challenge PVE embeds (JSON of the user's second factors); ours is TOTP only. */
  private static String tfaChallenge(String user) {
    return "{\"totp\":true,\"user\":\"" + user + "\"}";
  }

  private static Map<String, Object> capabilities() {
    Map<String, Object> cap = new LinkedHashMap<>();
    cap.put("vms", privs("VM.Allocate", "VM.Audit", "VM.Backup", "VM.Clone", "VM.Config.CDROM",
        "VM.Config.CPU", "VM.Config.Cloudinit", "VM.Config.Disk", "VM.Config.HWType", "VM.Config.Memory",
        "VM.Config.Network", "VM.Config.Options", "VM.Console", "VM.GuestAgent.Audit",
        "VM.GuestAgent.Unrestricted", "VM.Migrate", "VM.PowerMgmt", "VM.Snapshot", "VM.Snapshot.Rollback",
        "Permissions.Modify"));
    cap.put("storage", privs("Datastore.Allocate", "Datastore.AllocateSpace", "Datastore.AllocateTemplate",
        "Datastore.Audit", "Permissions.Modify"));
    cap.put("nodes", privs("Sys.Audit", "Sys.Console", "Sys.Incoming", "Sys.Modify", "Sys.PowerMgmt",
        "Sys.Syslog", "Permissions.Modify"));
    cap.put("dc", privs("Sys.Audit", "Sys.Modify", "SDN.Allocate", "SDN.Audit"));
    cap.put("sdn", privs("SDN.Allocate", "SDN.Audit", "SDN.Use", "Permissions.Modify"));
    cap.put("access", privs("Group.Allocate", "Permissions.Modify", "User.Modify"));
    cap.put("mapping", privs("Mapping.Audit", "Mapping.Modify", "Mapping.Use", "Permissions.Modify"));
    return cap;
  }

  private static Map<String, Object> privs(String... names) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (String n : names) {
      m.put(n, 1);
    }
    return m;
  }
}
