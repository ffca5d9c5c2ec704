package io.pvedeploy.proxmox;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Adds credentials to every request: the API token header, or a ticket cookie plus the CSRF
 * header on writes. Tickets are obtained lazily, renewed before PVE's two-hour expiry by trading
 * the current ticket for a new one (as PVE's own UI does), and obtained afresh once if PVE
 * answers 401 to a ticket it has stopped accepting.
 */
final class Authenticator implements Interceptor {
  /** PVE tickets live two hours; renew with margin so a long request never carries a dead one. */
  static final Duration RENEW_AFTER = Duration.ofMinutes(90);

  private final Credentials credentials;
  private final OkHttpClient loginClient;
  private final HttpUrl baseUrl;
  private final Clock clock;
  private Session session; // guarded by this

  Authenticator(Credentials credentials, OkHttpClient loginClient, HttpUrl baseUrl, Clock clock) {
    this.credentials = credentials;
    this.loginClient = loginClient;
    this.baseUrl = baseUrl;
    this.clock = clock;
  }

  /** A ticket and its CSRF token. Never printed. */
  private record Session(String ticket, String csrfToken, Instant obtained) {
    @Override
    public String toString() {
      return "Session[***]";
    }
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    if (credentials instanceof Credentials.ApiToken) {
      return chain.proceed(
          request.newBuilder()
              .header("Authorization", ((Credentials.ApiToken) credentials).headerValue())
              .build());
    }
    Session current = currentSession();
    Response response = chain.proceed(withTicket(request, current));
    if (response.code() == 401) {
      // The ticket may have been invalidated (node restart with a new key, clock skew): log in
      // once more with the password and repeat the request; a second 401 is the caller's.
      response.close();
      Session fresh = relogin(current);
      return chain.proceed(withTicket(request, fresh));
    }
    return response;
  }

  private static Request withTicket(Request request, Session session) {
    Request.Builder builder =
        request.newBuilder().header("Cookie", "PVEAuthCookie=" + session.ticket());
    if (!request.method().equals("GET")) {
      builder.header("CSRFPreventionToken", session.csrfToken());
    }
    return builder.build();
  }

  private synchronized Session currentSession() throws IOException {
    Instant now = clock.instant();
    if (session == null) {
      session = login(null);
    } else if (Duration.between(session.obtained(), now).compareTo(RENEW_AFTER) >= 0) {
      try {
        session = login(session.ticket());
      } catch (AuthFailure expired) {
        session = login(null);
      }
    }
    return session;
  }

  private synchronized Session relogin(Session stale) throws IOException {
    if (session == stale) {
      session = login(null);
    }
    return session;
  }

  /** Logs in with the password, or renews with {@code ticket} when it is not null. */
  private Session login(String ticket) throws IOException {
    Credentials.Password password = (Credentials.Password) credentials;
    FormBody body =
        new FormBody.Builder()
            .add("username", password.user())
            .add("password", ticket != null ? ticket : password.password())
            .build();
    Request request =
        new Request.Builder()
            .url(baseUrl.newBuilder().addPathSegments("access/ticket").build())
            .post(body)
            .build();
    try (Response response = loginClient.newCall(request).execute()) {
      if (!response.isSuccessful()) {
        String said = response.message();
        throw new AuthFailure(
            Failures.fromResponse("POST", "/access/ticket", response.code(), said, null));
      }
      ResponseBody responseBody = response.body();
      Object parsed = responseBody == null ? null : Json.read(responseBody.source());
      Map<String, Object> data;
      try {
        data = Json.object(Json.object(parsed, "login").get("data"), "login");
      } catch (UnexpectedResponseException e) {
        throw new AuthFailure(e);
      }
      if (Json.bool(data, "NeedTFA", false)) {
        throw new AuthFailure(
            new AuthenticationException(
                "PVE accepted the password of " + password.user() + " but the login needs a"
                    + " second factor (TFA), which this client does not complete. Use an API"
                    + " token for automation (Datacenter → Permissions → API Tokens).",
                401, "POST", "/access/ticket", null, null));
      }
      String newTicket = Json.string(data, "ticket");
      String csrf = Json.string(data, "CSRFPreventionToken");
      if (newTicket == null || csrf == null) {
        throw new AuthFailure(
            new UnexpectedResponseException(
                "PVE's login answer for " + password.user() + " has no ticket or CSRF token"));
      }
      return new Session(newTicket, csrf, clock.instant());
    }
  }

  /** Carries a typed failure through OkHttp's interceptor chain, which only throws IOException. */
  static final class AuthFailure extends IOException {
    private static final long serialVersionUID = 1L;
    private final ProxmoxException failure;

    AuthFailure(ProxmoxException failure) {
      super(failure.getMessage(), failure);
      this.failure = failure;
    }

    ProxmoxException failure() {
      return failure;
    }
  }
}
