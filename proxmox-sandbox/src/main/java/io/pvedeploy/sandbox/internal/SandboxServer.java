package io.pvedeploy.sandbox.internal;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.pvedeploy.sandbox.Faults;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import okhttp3.tls.HeldCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the sandbox together and runs it. The only public class of the internal package, so that
 * {@code io.pvedeploy.sandbox.Sandbox} can start it; not exported by the module.
 */
public final class SandboxServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxServer.class);
  public static final String TOKEN_ID = "root@pam!sandbox";
  public static final String USER = "root@pam";

  /** Everything the builder collects. */
  public record Options(
      List<String> nodes,
      int port,
      Path stateDir,
      Duration taskDuration,
      int simulatedGuests,
      Map<String, String> tfaUsers,
      Duration lockTimeout,
      io.pvedeploy.sandbox.Sandbox.Guests guests,
      boolean nodeSsh,
      Path cacheDir) {}

  private final HttpFrontend frontend;
  private final ScheduledThreadPoolExecutor scheduler;
  private final StateStore store;
  private final FaultInjector faults = new FaultInjector();
  private final Api api;
  private final HeldCertificate certificate;
  private final StateStore.Credentials credentials;
  private final GuestBackend backend;
  private final NodeSshd nodeSshd;
  private final Cluster cluster;

  private SandboxServer(Options o) throws InterruptedException, SSLException {
    scheduler = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "sandbox-tasks");
      t.setDaemon(true);
      return t;
    });
    scheduler.setRemoveOnCancelPolicy(true);
    store = o.stateDir() == null ? null : new StateStore(o.stateDir());
    Map<String, Object> saved = store == null ? null : store.read();
    credentials = saved != null ? StateStore.credentials(saved) : freshCredentials();
    certificate = HeldCertificate.decode(credentials.certificatePem());
    List<String> nodes = saved != null ? StateStore.nodes(saved) : o.nodes();
    if (saved != null && !nodes.equals(o.nodes())) {
      LOG.warn("state in {} is a cluster of {}; ignoring the requested nodes {}", o.stateDir(), nodes, o.nodes());
    }
    long bootTime = saved != null ? StateStore.number(saved.get("bootTime")) : Cluster.now() - 3600;
    cluster = new Cluster(nodes, bootTime, o.lockTimeout(), store == null ? () -> { } : store::markDirty);
    if (saved != null) {
      StateStore.restore(saved, cluster);
    } else {
      Seed.fresh(cluster, o.simulatedGuests());
    }
    if (store != null) {
      store.attach(cluster, credentials);
      store.save();
    }
    Schema schema = Schema.bundled();
    Tasks tasks = new Tasks(cluster, scheduler, faults, o.taskDuration());
    Authenticator auth = new Authenticator(
        Base64.getDecoder().decode(credentials.ticketKey()), TOKEN_ID, credentials.tokenSecret(),
        credentials.password(), o.tfaUsers());
    // The guests' backend: simulated (state only) or real LXC containers on a bridge of our own.
    backend = o.guests() == io.pvedeploy.sandbox.Sandbox.Guests.LXC
        ? LxcBackend.start(o.stateDir(), o.cacheDir())
        : new SimulatedBackend();
    if (saved != null) {
      // A restart is a node's reboot: nothing kept running (close and a crash's cleanup stop every
      // container), and guests with onboot: 1 start again, for real or simulated alike.
      try {
        NodeBoot.boot(cluster, backend);
      } catch (RuntimeException e) {
        scheduler.shutdownNow();
        backend.close();
        throw e;
      }
    }
    api = new Api(schema, cluster, auth, faults);
    new ClusterApi(cluster, tasks, faults, auth).withBackend(backend).register(api);
    new GuestApi(cluster, tasks, backend, schema).register(api);
    new AgentApi(cluster, backend).register(api);
    SslContext ssl = SslContextBuilder.forServer(certificate.keyPair().getPrivate(), certificate.certificate()).build();
    frontend = new HttpFrontend(ssl, o.port(), api);
    // node-ssh: the CLI's endpoints, and the node's sshd when asked for.
    new CliApi(cluster, backend).register(api);
    // With the node shell, its /etc/pve stand-in holds every guest's config file, kept both ways.
    NodeSshd sshd = null;
    try {
      if (o.nodeSsh()) {
        sshd = NodeSshd.start(new NodeSshd.ApiAccess(
            "https://127.0.0.1:" + frontend.port() + Api.BASE, nodes.get(0), TOKEN_ID,
            credentials.tokenSecret(), USER, credentials.password(), certificate.certificatePem()));
        EtcPve etcPve = new EtcPve(sshd.etcPve(), nodes);
        cluster.lock.lock();
        try {
          cluster.attach(etcPve);
        } finally {
          cluster.lock.unlock();
        }
      }
    } catch (RuntimeException e) {
      if (sshd != null) {
        sshd.close();
      }
      frontend.close();
      scheduler.shutdownNow();
      backend.close();
      throw e;
    }
    nodeSshd = sshd;
    LOG.info("PVE sandbox serving https://127.0.0.1:{}/api2/json for nodes {}", frontend.port(), nodes);
  }

  public static SandboxServer start(Options options) {
    try {
      return new SandboxServer(options);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the sandbox", e);
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS for the sandbox", e);
    }
  }

  private static StateStore.Credentials freshCredentials() {
    SecureRandom random = new SecureRandom();
    byte[] pw = new byte[18];
    random.nextBytes(pw);
    byte[] key = new byte[32];
    random.nextBytes(key);
    HeldCertificate cert = new HeldCertificate.Builder()
        .commonName("127.0.0.1")
        .organizationalUnit("PVE Cluster Node (sandbox)")
        .addSubjectAlternativeName("127.0.0.1")
        .addSubjectAlternativeName("localhost")
        .duration(3650, TimeUnit.DAYS)
        .build();
    return new StateStore.Credentials(
        UUID.randomUUID().toString(),
        Base64.getUrlEncoder().withoutPadding().encodeToString(pw),
        cert.certificatePem() + cert.privateKeyPkcs8Pem(),
        Base64.getEncoder().encodeToString(key));
  }

  public int port() {
    return frontend.port();
  }

  public String tokenSecret() {
    return credentials.tokenSecret();
  }

  public String password() {
    return credentials.password();
  }

  public String certificatePem() {
    return certificate.certificatePem();
  }

  /** SHA-256 of the DER certificate, upper-case hex pairs joined by ':', as PVE's UI shows. */
  public String fingerprint() {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(certificate.certificate().getEncoded());
      StringJoiner j = new StringJoiner(":");
      for (byte b : d) {
        j.add(String.format("%02X", b));
      }
      return j.toString();
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  public Faults faults() {
    return faults;
  }

  public long requestCount() {
    return api.requestCount();
  }

  @Override
  public void close() {
    if (nodeSshd != null) {
      cluster.lock.lock();
      try {
        cluster.attach(null); // tasks that end from now on must not write into a removed directory
      } finally {
        cluster.lock.unlock();
      }
      nodeSshd.close();
    }
    frontend.close();
    if (store != null) {
      store.save();
    }
    scheduler.shutdownNow();
    backend.close();
  }

  /** The node's sshd endpoint, or null when not started. */
  public io.pvedeploy.sandbox.SshEndpoint ssh() {
    return nodeSshd == null ? null : nodeSshd.endpoint();
  }

}
