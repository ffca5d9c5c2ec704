package io.pvedeploy.proxmox;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;

/**
 * A Proxmox VE API client: build one, share it, and walk the tree of small clients that mirrors
 * the API's paths.
 *
 * <pre>{@code
 * ProxmoxClient pve = ProxmoxClient.builder()
 *     .baseUrl("https://10.0.0.2:8006/api2/json")
 *     .apiToken("root@pam!ci", secret)
 *     .tls(TlsPolicy.pinnedFingerprint(fingerprint))
 *     .build();
 * List<ClusterResource> guests = pve.cluster().resources(ClusterResource.Type.VM);
 * Task started = pve.nodes().node("pve1").lxc(101).status().start();
 * started.await(Duration.ofMinutes(2)).orThrow();
 * }</pre>
 *
 * <p>Like OkHttp's client, one instance holds a connection pool and threads; {@link #newBuilder()}
 * makes a variant (say, a longer read timeout) that shares them. {@link #close()} releases them
 * for every client built from the same root.
 */
public final class ProxmoxClient implements AutoCloseable {
  /** PVE closes idle keep-alive connections after about 5 s; drop ours before it does. */
  static final Duration IDLE_CONNECTION_EXPIRY = Duration.ofSeconds(3);

  private final Builder settings;
  private final Transport transport;
  private final ExecutorService asyncExecutor;
  private final ScheduledExecutorService scheduler;

  private ProxmoxClient(Builder settings, Transport transport, ExecutorService asyncExecutor,
      ScheduledExecutorService scheduler) {
    this.settings = settings;
    this.transport = transport;
    this.asyncExecutor = asyncExecutor;
    this.scheduler = scheduler;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder with this client's settings whose product shares its connections and threads. */
  public Builder newBuilder() {
    Builder copy = settings.copy();
    copy.shared = this;
    return copy;
  }

  /** The API's base URL, ending in {@code /api2/json}. */
  public String baseUrl() {
    return transport.baseUrl.toString();
  }

  /** The raw API, for paths this client does not model yet. */
  public RawApi api() {
    return new RawApi(transport);
  }

  /** {@code GET /version}. */
  public Version version() throws ProxmoxException {
    return Version.from(Json.object(transport.get("/version", Params.of()), "version"));
  }

  /** {@code /nodes}. */
  public Nodes nodes() {
    return new Nodes(this);
  }

  /** {@code /cluster}. */
  public Cluster cluster() {
    return new Cluster(transport);
  }

  /** {@code /access}. */
  public Access access() {
    return new Access(transport);
  }

  /**
   * Runs a call on the client's thread pool, for callers that wait on many things at once.
   *
   * <pre>{@code
   * CompletableFuture<LxcConfig> config = pve.async(c -> c.nodes().node("pve1").lxc(101).config());
   * }</pre>
   *
   * A {@link ProxmoxException} completes the future exceptionally, wrapped in a {@link
   * CompletionException} as {@code supplyAsync} does.
   */
  public <T> CompletableFuture<T> async(Call<T> call) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return call.run(this);
          } catch (ProxmoxException e) {
            throw new CompletionException(e);
          }
        },
        asyncExecutor);
  }

  /** A call for {@link #async(Call)}. */
  @FunctionalInterface
  public interface Call<T> {
    T run(ProxmoxClient client) throws ProxmoxException;
  }

  Transport transport() {
    return transport;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /** Closes pooled connections and stops threads, for this client and all that share them. */
  @Override
  public void close() {
    asyncExecutor.shutdownNow();
    scheduler.shutdownNow();
    transport.http.dispatcher().executorService().shutdown();
    transport.http.connectionPool().evictAll();
  }

  @Override
  public String toString() {
    return "ProxmoxClient[" + baseUrl() + ", " + settings.credentials + "]";
  }

  /** Settings of a {@link ProxmoxClient}; every one has a safe default except the credentials. */
  public static final class Builder {
    private HttpUrl baseUrl;
    private Credentials credentials;
    private TlsPolicy tls = TlsPolicy.systemTrust();
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofSeconds(60);
    private Duration writeTimeout = Duration.ofSeconds(60);
    private RetryPolicy retry = RetryPolicy.defaults();
    private final List<Interceptor> interceptors = new ArrayList<>();
    private Clock clock = Clock.systemUTC();
    private ProxmoxClient shared;

    private Builder() {}

    private Builder copy() {
      Builder b = new Builder();
      b.baseUrl = baseUrl;
      b.credentials = credentials;
      b.tls = tls;
      b.connectTimeout = connectTimeout;
      b.readTimeout = readTimeout;
      b.writeTimeout = writeTimeout;
      b.retry = retry;
      b.interceptors.addAll(interceptors);
      b.clock = clock;
      return b;
    }

    /**
     * The API root, e.g. {@code https://pve1.example:8006/api2/json}; a bare {@code
     * https://host:8006} gets {@code /api2/json} appended. Only HTTPS is accepted.
     */
    public Builder baseUrl(String url) {
      HttpUrl parsed = HttpUrl.parse(Checks.notBlank(url, "baseUrl"));
      if (parsed == null || !parsed.isHttps()) {
        throw new IllegalArgumentException(
            "baseUrl '" + url + "' must be an https:// URL such as https://pve1:8006/api2/json"
                + " (PVE serves its API over HTTPS only)");
      }
      List<String> segments = new ArrayList<>(parsed.pathSegments());
      segments.removeIf(String::isEmpty);
      if (!(segments.size() >= 2
          && segments.get(segments.size() - 2).equals("api2")
          && segments.get(segments.size() - 1).equals("json"))) {
        parsed = parsed.newBuilder().addPathSegments("api2/json").build();
      }
      this.baseUrl = parsed;
      return this;
    }

    /** {@code https://host:port/api2/json}. */
    public Builder host(String host, int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port " + port + " is not a TCP port (1-65535)");
      }
      return baseUrl("https://" + Checks.notBlank(host, "host") + ":" + port + "/api2/json");
    }

    /**
     * Authenticate with an API token ({@code user@realm!tokenid} and the secret PVE showed once).
     */
    public Builder apiToken(String tokenId, String secret) {
      this.credentials = new Credentials.ApiToken(tokenId, secret == null ? null : secret.toCharArray());
      return this;
    }

    /** As {@link #apiToken(String, String)}, without making a {@code String} of the secret. */
    public Builder apiToken(String tokenId, char[] secret) {
      this.credentials = new Credentials.ApiToken(tokenId, secret);
      return this;
    }

    /**
     * Authenticate as a user with a password: the client logs in on first use ({@code POST
     * /access/ticket}), sends the CSRF token on writes, and renews the ticket before it expires.
     * Logins that need a second factor fail with an {@link AuthenticationException}.
     */
    public Builder login(String user, char[] password) {
      this.credentials = new Credentials.Password(user, password);
      return this;
    }

    public Builder tls(TlsPolicy tls) {
      if (tls == null) {
        throw new IllegalArgumentException("tls must not be null; the default is systemTrust()");
      }
      this.tls = tls;
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /**
     * How long to wait for PVE to answer. Default 60 s: synchronous PVE calls (a config change
     * that resizes a disk) take longer than proxmoxer's 5 s.
     */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = positive(timeout, "readTimeout");
      return this;
    }

    public Builder writeTimeout(Duration timeout) {
      this.writeTimeout = positive(timeout, "writeTimeout");
      return this;
    }

    public Builder retryPolicy(RetryPolicy retry) {
      if (retry == null) {
        throw new IllegalArgumentException("retry policy must not be null; use RetryPolicy.none()");
      }
      this.retry = retry;
      return this;
    }

    /**
     * Adds an OkHttp application interceptor, e.g. to count or trace requests. It sees requests
     * after authentication headers are added, so it must not log headers.
     */
    public Builder addInterceptor(Interceptor interceptor) {
      if (interceptor == null) {
        throw new IllegalArgumentException("interceptor must not be null");
      }
      this.interceptors.add(interceptor);
      return this;
    }

    /** The clock used for ticket renewal; tests move it. */
    Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public ProxmoxClient build() {
      if (baseUrl == null) {
        throw new IllegalStateException(
            "no baseUrl: call baseUrl(\"https://pve1:8006/api2/json\") or host(\"pve1\", 8006)");
      }
      if (credentials == null) {
        throw new IllegalStateException(
            "no credentials: call apiToken(\"user@realm!id\", secret) or login(\"user@realm\","
                + " password)");
      }
      OkHttpClient root =
          shared != null
              ? shared.transport.http
              : new OkHttpClient.Builder()
                  .connectionPool(
                      new ConnectionPool(5, IDLE_CONNECTION_EXPIRY.toMillis(), TimeUnit.MILLISECONDS))
                  .retryOnConnectionFailure(false)
                  // PVE's API server speaks HTTP/1.1 and sends its error text as the reason
                  // phrase, which HTTP/2 does not have.
                  .protocols(List.of(Protocol.HTTP_1_1))
                  .socketFactory(NoDelaySockets.INSTANCE)
                  .build();
      OkHttpClient.Builder base =
          root.newBuilder()
              .connectTimeout(connectTimeout)
              .readTimeout(readTimeout)
              .writeTimeout(writeTimeout)
              .followRedirects(false);
      base.interceptors().clear();
      base.networkInterceptors().clear();
      // OkHttp reuses a pooled connection only for an identical TLS setup (same socket factory),
      // so a variant with the same policy keeps the shared client's instead of making its own.
      if (shared == null || !tls.equals(shared.settings.tls)) {
        TlsSetup.apply(tls, base);
      }
      OkHttpClient loginClient = base.build();
      OkHttpClient.Builder api = loginClient.newBuilder();
      api.addInterceptor(new Authenticator(credentials, loginClient, baseUrl, clock));
      interceptors.forEach(api::addInterceptor);
      Transport transport = new Transport(api.build(), baseUrl, retry);
      ExecutorService executor = shared != null ? shared.asyncExecutor : newAsyncExecutor();
      ScheduledExecutorService scheduler =
          shared != null ? shared.scheduler : Executors.newSingleThreadScheduledExecutor(daemon("pvedeploy-proxmox-scheduler"));
      return new ProxmoxClient(copy(), transport, executor, scheduler);
    }

    private static ExecutorService newAsyncExecutor() {
      return Executors.newCachedThreadPool(daemon("pvedeploy-proxmox-async"));
    }

    private static ThreadFactory daemon(String prefix) {
      AtomicInteger count = new AtomicInteger();
      return runnable -> {
        Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
        thread.setDaemon(true);
        return thread;
      };
    }

    private static Duration positive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be a positive duration, got " + d);
      }
      return d;
    }

    @Override
    public String toString() {
      return "ProxmoxClient.Builder[" + baseUrl + ", " + credentials + ", " + tls.getClass().getSimpleName() + "]";
    }
  }

  /** Settings snapshot for tests. */
  Map<String, Object> describe() {
    return Map.of("readTimeout", settings.readTimeout, "retry", settings.retry);
  }
}
