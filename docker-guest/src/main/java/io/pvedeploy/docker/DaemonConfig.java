package io.pvedeploy.docker;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The content of {@code /etc/docker/daemon.json}, typed. {@link DockerEngine#configureDaemon}
 * writes exactly this (the file is ours: keys not modelled here are not kept) and restarts the
 * daemon only when the file's bytes change.
 *
 * <pre>{@code
 * DaemonConfig.builder().logRotation("10m", 3).iptables(false).liveRestore(true).build()
 * }</pre>
 *
 * @param logDriver the default logging driver, e.g. {@code json-file} or {@code local}
 * @param logMaxSize {@code log-opts.max-size}, e.g. {@code 10m}; empty to leave unset
 * @param logMaxFile {@code log-opts.max-file}; 0 to leave unset
 * @param iptables whether dockerd manages iptables; empty to leave Docker's default (true).
 *     {@code false} where the guest's firewall or PVE's bridges own the rules
 * @param storageDriver e.g. {@code overlay2}; empty to let Docker choose
 * @param liveRestore keep containers running while the daemon restarts
 */
public record DaemonConfig(
    String logDriver,
    Optional<String> logMaxSize,
    int logMaxFile,
    Optional<Boolean> iptables,
    Optional<String> storageDriver,
    boolean liveRestore) {

  private static final Pattern DRIVER = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");
  private static final Pattern SIZE = Pattern.compile("[1-9][0-9]{0,9}[kmg]?");

  public DaemonConfig {
    if (logDriver == null || !DRIVER.matcher(logDriver).matches()) {
      throw new IllegalArgumentException("log driver '" + logDriver + "' is not a driver name"
          + " (e.g. json-file, local, journald)");
    }
    if (logMaxSize == null || logMaxSize.isPresent() && !SIZE.matcher(logMaxSize.get()).matches()) {
      throw new IllegalArgumentException("log max-size " + logMaxSize + " is not a size like 10m,"
          + " 512k or 1g");
    }
    if (logMaxFile < 0 || logMaxFile > 1000) {
      throw new IllegalArgumentException("log max-file " + logMaxFile + " must be 0 (unset) to 1000");
    }
    if (iptables == null) {
      throw new IllegalArgumentException("iptables must be Optional.empty() to leave Docker's default");
    }
    if (storageDriver == null
        || storageDriver.isPresent() && !DRIVER.matcher(storageDriver.get()).matches()) {
      throw new IllegalArgumentException("storage driver " + storageDriver + " is not a driver name"
          + " (e.g. overlay2)");
    }
  }

  /**
   * Our defaults: {@code json-file} rotated at 10 MB × 3 files, {@code live-restore} on,
   * iptables and the storage driver left to Docker.
   */
  public static DaemonConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The file's bytes: keys sorted, two-space indented, a final newline; stable across runs. */
  public String toJson() {
    Map<String, Object> root = new TreeMap<>();
    root.put("log-driver", logDriver);
    Map<String, Object> opts = new TreeMap<>();
    logMaxSize.ifPresent(s -> opts.put("max-size", s));
    if (logMaxFile > 0) {
      opts.put("max-file", String.valueOf(logMaxFile));
    }
    if (!opts.isEmpty()) {
      root.put("log-opts", opts);
    }
    iptables.ifPresent(b -> root.put("iptables", b));
    storageDriver.ifPresent(s -> root.put("storage-driver", s));
    root.put("live-restore", liveRestore);
    StringBuilder out = new StringBuilder();
    write(out, root, "");
    return out.append('\n').toString();
  }

  private static void write(StringBuilder out, Object value, String indent) {
    if (value instanceof Map<?, ?> map) {
      out.append("{\n");
      int i = 0;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        out.append(indent).append("  \"").append(e.getKey()).append("\": ");
        write(out, e.getValue(), indent + "  ");
        out.append(++i < map.size() ? ",\n" : "\n");
      }
      out.append(indent).append('}');
    } else if (value instanceof String s) {
      out.append('"').append(s).append('"'); // validated: no quotes or backslashes
    } else {
      out.append(value);
    }
  }

  /** Builds a {@link DaemonConfig}; unset values are {@link #defaults()}'. */
  public static final class Builder {
    private String logDriver = "json-file";
    private Optional<String> logMaxSize = Optional.of("10m");
    private int logMaxFile = 3;
    private Optional<Boolean> iptables = Optional.empty();
    private Optional<String> storageDriver = Optional.empty();
    private boolean liveRestore = true;

    private Builder() {}

    public Builder logDriver(String driver) {
      this.logDriver = driver;
      return this;
    }

    /** Rotate container logs at {@code maxSize} (e.g. {@code 10m}), keeping {@code maxFiles}. */
    public Builder logRotation(String maxSize, int maxFiles) {
      this.logMaxSize = Optional.ofNullable(maxSize);
      this.logMaxFile = maxFiles;
      return this;
    }

    /** No log rotation options (the driver's own defaults). */
    public Builder noLogRotation() {
      this.logMaxSize = Optional.empty();
      this.logMaxFile = 0;
      return this;
    }

    public Builder iptables(boolean enabled) {
      this.iptables = Optional.of(enabled);
      return this;
    }

    public Builder storageDriver(String driver) {
      this.storageDriver = Optional.ofNullable(driver);
      return this;
    }

    public Builder liveRestore(boolean enabled) {
      this.liveRestore = enabled;
      return this;
    }

    public DaemonConfig build() {
      return new DaemonConfig(logDriver, logMaxSize, logMaxFile, iptables, storageDriver, liveRestore);
    }
  }
}
