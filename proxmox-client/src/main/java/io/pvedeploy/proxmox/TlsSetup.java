package io.pvedeploy.proxmox;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies a {@link TlsPolicy} to an OkHttp builder. */
final class TlsSetup {
  private static final Logger LOG = LoggerFactory.getLogger(ProxmoxClient.class);

  private TlsSetup() {}

  static void apply(TlsPolicy policy, OkHttpClient.Builder builder) {
    try {
      if (policy instanceof TlsPolicy.SystemTrust) {
        return; // OkHttp's defaults: platform trust store and host name verification
      }
      X509TrustManager trust;
      HostnameVerifier hostnames = null;
      if (policy instanceof TlsPolicy.TrustCertificates) {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (X509Certificate cert : ((TlsPolicy.TrustCertificates) policy).certificates()) {
          store.setCertificateEntry("ca-" + i++, cert);
        }
        TrustManagerFactory factory =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        trust = (X509TrustManager) factory.getTrustManagers()[0];
      } else if (policy instanceof TlsPolicy.PinnedFingerprint) {
        trust = new PinnedTrustManager(((TlsPolicy.PinnedFingerprint) policy).sha256());
        // The pin names one exact certificate; PVE's self-signed ones rarely carry the name or
        // address a client connects by, so the host name is deliberately not checked.
        hostnames = (host, session) -> true;
      } else {
        String reason = ((TlsPolicy.InsecureTrustAll) policy).reason();
        LOG.warn("TLS verification is OFF for this Proxmox client (reason given: {})", reason);
        trust = new TrustAll();
        hostnames = (host, session) -> true;
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trust}, null);
      builder.sslSocketFactory(context.getSocketFactory(), trust);
      if (hostnames != null) {
        builder.hostnameVerifier(hostnames);
      }
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot set up TLS for " + policy + ": " + e.getMessage(), e);
    }
  }

  static String fingerprint(X509Certificate cert) throws CertificateException {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
      return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new CertificateException("SHA-256 is not available", e);
    }
  }

  /** Accepts exactly one server certificate, by its SHA-256 fingerprint. */
  static final class PinnedTrustManager implements X509TrustManager {
    private final String expected;

    PinnedTrustManager(String expected) {
      this.expected = expected.toUpperCase(Locale.ROOT);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      if (chain == null || chain.length == 0) {
        throw new CertificateException("the server sent no certificate");
      }
      String actual = fingerprint(chain[0]);
      if (!actual.equals(expected)) {
        throw new CertificateException(
            "the server's TLS certificate has SHA-256 fingerprint " + actual
                + " but this client is pinned to " + expected + ". If the node's certificate"
                + " was renewed on purpose, read its new fingerprint in the PVE UI (Node → System"
                + " → Certificates) and pin that; otherwise you may not be talking to your node.");
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("client certificates are not checked by this client");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** Accepts everything; reached only through {@link TlsPolicy#insecureTrustAll(String)}. */
  static final class TrustAll implements X509TrustManager {
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("client certificates are not checked by this client");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
