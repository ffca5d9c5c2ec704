package io.pvedeploy.proxmox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How the client decides to trust a PVE node's TLS certificate.
 *
 * <p>The default, {@link #systemTrust()}, verifies against the JVM's trust store and checks the
 * host name, as any HTTPS client should. A fresh PVE node has a self-signed certificate: either
 * trust its cluster CA ({@link #trustCertificates}) or pin the certificate's SHA-256 fingerprint
 * as the PVE web UI shows it ({@link #pinnedFingerprint}). Turning verification off is possible
 * only with a stated reason ({@link #insecureTrustAll}), which is logged at every client build.
 */
public sealed interface TlsPolicy
    permits TlsPolicy.SystemTrust,
        TlsPolicy.TrustCertificates,
        TlsPolicy.PinnedFingerprint,
        TlsPolicy.InsecureTrustAll {

  /** Verify against the JVM's default trust store, with host name verification. */
  static TlsPolicy systemTrust() {
    return new SystemTrust();
  }

  /** Trust these CA (or self-signed) certificates only, with host name verification. */
  static TlsPolicy trustCertificates(List<X509Certificate> certificates) {
    return new TrustCertificates(certificates);
  }

  /**
   * Trust the certificates of a PEM file, e.g. a node's {@code /etc/pve/pve-root-ca.pem}.
   *
   * @throws IllegalArgumentException if the file cannot be read or holds no certificate
   */
  static TlsPolicy trustCertificates(Path pemFile) {
    try (InputStream in = Files.newInputStream(pemFile)) {
      List<X509Certificate> certs = new ArrayList<>();
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      factory.generateCertificates(in).forEach(c -> certs.add((X509Certificate) c));
      if (certs.isEmpty()) {
        throw new IllegalArgumentException(pemFile + " holds no PEM certificate");
      }
      return new TrustCertificates(certs);
    } catch (IOException | CertificateException e) {
      throw new IllegalArgumentException(
          "cannot read certificates from " + pemFile + ": " + e.getMessage(), e);
    }
  }

  /**
   * Trust exactly the server certificate whose SHA-256 fingerprint this is, in the form PVE's UI
   * shows it (Node → System → Certificates): 32 hex bytes, separated by colons. The host name is
   * not checked: the pin names one certificate, which is stronger.
   */
  static TlsPolicy pinnedFingerprint(String sha256Fingerprint) {
    return new PinnedFingerprint(sha256Fingerprint);
  }

  /**
   * Trust any certificate. Only for throw-away labs: anyone on the path can read the token. The
   * reason is required and logged as a warning whenever a client is built with this policy.
   */
  static TlsPolicy insecureTrustAll(String reason) {
    return new InsecureTrustAll(reason);
  }

  /** The JVM's trust store. */
  record SystemTrust() implements TlsPolicy {}

  /** An explicit set of trusted certificates. */
  record TrustCertificates(List<X509Certificate> certificates) implements TlsPolicy {
    public TrustCertificates {
      if (certificates == null || certificates.isEmpty()) {
        throw new IllegalArgumentException("at least one trusted certificate is needed");
      }
      certificates = List.copyOf(certificates);
    }
  }

  /** One pinned server certificate. */
  record PinnedFingerprint(String sha256) implements TlsPolicy {
    private static final Pattern FORMAT = Pattern.compile("([0-9A-F]{2}:){31}[0-9A-F]{2}");

    public PinnedFingerprint {
      if (sha256 == null) {
        throw new IllegalArgumentException("fingerprint must not be null");
      }
      String normalized = sha256.strip().toUpperCase(Locale.ROOT);
      if (normalized.matches("[0-9A-F]{64}")) {
        normalized = normalized.replaceAll("(..)(?!$)", "$1:");
      }
      if (!FORMAT.matcher(normalized).matches()) {
        throw new IllegalArgumentException(
            "'" + sha256 + "' is not a SHA-256 fingerprint: expected 32 hex bytes separated by"
                + " ':' as PVE shows it (Node → System → Certificates), e.g. 'AB:CD:…'");
      }
      sha256 = normalized;
    }
  }

  /** No verification at all, with the reason the caller gave. */
  record InsecureTrustAll(String reason) implements TlsPolicy {
    public InsecureTrustAll {
      if (reason == null || reason.isBlank()) {
        throw new IllegalArgumentException(
            "turning TLS verification off needs a reason, e.g. \"throw-away lab on an isolated"
                + " network\"; prefer pinnedFingerprint(…) or trustCertificates(…)");
      }
    }
  }
}
