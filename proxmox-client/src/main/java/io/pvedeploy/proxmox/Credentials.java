package io.pvedeploy.proxmox;

import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * Who the client is to PVE: an API token or a user with a password. Holds secrets, so it never
 * prints them: {@code toString()} names only the principal.
 */
abstract sealed class Credentials permits Credentials.ApiToken, Credentials.Password {
  private static final Pattern USER = Pattern.compile("[^\\s:/@!]+@[A-Za-z][A-Za-z0-9.\\-_]*");
  private static final Pattern TOKEN = Pattern.compile("[^\\s:/@!]+@[A-Za-z][A-Za-z0-9.\\-_]*![A-Za-z][A-Za-z0-9.\\-_]*");

  abstract String principal();

  /** {@code Authorization: PVEAPIToken=user@realm!tokenid=secret}. */
  static final class ApiToken extends Credentials {
    private final String tokenId;
    private final char[] secret;

    ApiToken(String tokenId, char[] secret) {
      if (tokenId == null || !TOKEN.matcher(tokenId).matches()) {
        throw new IllegalArgumentException(
            "API token id '" + tokenId + "' must look like user@realm!tokenid, e.g. root@pam!ci");
      }
      if (secret == null || secret.length == 0) {
        throw new IllegalArgumentException("API token secret for " + tokenId + " must not be empty");
      }
      for (char c : secret) {
        if (Character.isWhitespace(c) || Character.isISOControl(c)) {
          throw new IllegalArgumentException(
              "API token secret for " + tokenId + " contains whitespace or control characters;"
                  + " copy it again from PVE (it is shown once, as a UUID)");
        }
      }
      this.tokenId = tokenId;
      this.secret = secret.clone();
    }

    String headerValue() {
      return "PVEAPIToken=" + tokenId + "=" + new String(secret);
    }

    @Override
    String principal() {
      return tokenId;
    }

    @Override
    public String toString() {
      return "ApiToken[" + tokenId + "=***]";
    }
  }

  /** A user and password, traded for a ticket at {@code POST /access/ticket}. */
  static final class Password extends Credentials {
    private final String user;
    private final char[] password;

    Password(String user, char[] password) {
      if (user == null || !USER.matcher(user).matches()) {
        throw new IllegalArgumentException(
            "user '" + user + "' must look like name@realm, e.g. root@pam");
      }
      if (password == null || password.length == 0) {
        throw new IllegalArgumentException("password for " + user + " must not be empty");
      }
      this.user = user;
      this.password = password.clone();
    }

    String user() {
      return user;
    }

    String password() {
      return new String(password);
    }

    void destroy() {
      Arrays.fill(password, '\0');
    }

    @Override
    String principal() {
      return user;
    }

    @Override
    public String toString() {
      return "Password[" + user + ", ***]";
    }
  }
}
