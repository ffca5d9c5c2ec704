package io.pvedeploy.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Compose application as committed: a local directory with the compose file(s), an optional env
 * file and any config files the compose file mounts. {@link ComposeProject#ship(ComposeBundle)}
 * puts it on a guest as a release directory named by {@link #id()}, the digest of its files.
 *
 * <pre>{@code
 * ComposeBundle.fromDirectory(Path.of("deploy/shop"));                  // compose.yaml or docker-compose.yml
 * ComposeBundle.builder(dir).composeFiles("base.yml", "prod.yml").envFile("prod.env").build();
 * }</pre>
 *
 * <p>The whole directory is read when the bundle is built (bundles are small: configuration, not
 * images) and checked: every path component must be a plain portable name (letters, digits,
 * {@code . _ - + @}, not starting with {@code -}); symbolic links, devices and names with spaces,
 * quotes, {@code $}, {@code ;} or control characters are refused with an {@link
 * InvalidBundleException}; env file keys must be variable names. Values are passed through as
 * they are.
 */
public final class ComposeBundle {
  static final List<String> DEFAULT_COMPOSE_FILES =
      List.of("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml");
  static final long MAX_BYTES = 64L * 1024 * 1024;
  static final int MAX_FILES = 10_000;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.@+][A-Za-z0-9_.@+-]{0,254}");
  private static final Pattern ENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /**
   * One file of a bundle.
   *
   * @param path relative, {@code /}-separated
   * @param executable whether it ships with mode 0555 (else 0444)
   */
  public record BundleFile(String path, boolean executable, byte[] content) {
    public BundleFile {
      content = content.clone();
    }

    @Override
    public byte[] content() {
      return content.clone();
    }

    @Override
    public String toString() {
      return "BundleFile[" + path + ", " + content.length + " bytes" + (executable ? ", executable]" : "]");
    }
  }

  private final Path directory;
  private final List<String> composeFiles;
  private final Optional<String> envFile;
  private final List<BundleFile> files;
  private final String id;

  private ComposeBundle(Path directory, List<String> composeFiles, Optional<String> envFile,
      List<BundleFile> files, String id) {
    this.directory = directory;
    this.composeFiles = List.copyOf(composeFiles);
    this.envFile = envFile;
    this.files = List.copyOf(files);
    this.id = id;
  }

  /**
   * The bundle in {@code directory} with the first of {@code compose.yaml}, {@code compose.yml},
   * {@code docker-compose.yaml}, {@code docker-compose.yml} found, and {@code .env} if present.
   */
  public static ComposeBundle fromDirectory(Path directory) throws InvalidBundleException {
    return builder(directory).build();
  }

  public static Builder builder(Path directory) {
    if (directory == null) {
      throw new IllegalArgumentException("bundle directory must not be null");
    }
    return new Builder(directory);
  }

  public Path directory() {
    return directory;
  }

  /** The compose files, relative to the bundle, in the order compose merges them. */
  public List<String> composeFiles() {
    return composeFiles;
  }

  /** The env file compose reads ({@code --env-file}), relative to the bundle. */
  public Optional<String> envFile() {
    return envFile;
  }

  /** Every file, sorted by path. */
  public List<BundleFile> files() {
    return files;
  }

  /**
   * The content digest: the first 24 hex digits of SHA-256 over every file's path, executable
   * bit and bytes, in path order. The same files give the same id, wherever they are.
   */
  public String id() {
    return id;
  }

  /**
   * This bundle plus one generated compose file, merged after the bundle's own (e.g. the override
   * that hands services their secret files). The file is part of the content, so the new bundle
   * has its own {@link #id()}; {@link #directory()} stays the same.
   *
   * @param path a plain file name or relative path (the bundle's naming rules), not yet in the
   *     bundle
   * @throws IllegalArgumentException if {@code path} is not a plain name or is already a file of
   *     the bundle
   */
  public ComposeBundle withComposeFile(String path, byte[] content) {
    if (path == null || path.isEmpty() || path.startsWith("/") || path.endsWith("/")) {
      throw new IllegalArgumentException("an extra compose file needs a relative path, got '"
          + printable(path) + "'");
    }
    for (String part : path.split("/", -1)) {
      if (!NAME.matcher(part).matches() || part.equals(".") || part.equals("..")) {
        throw new IllegalArgumentException("'" + printable(path) + "' is not a plain portable file"
            + " name (letters, digits, '.', '_', '-', '+', '@')");
      }
    }
    if (content == null) {
      throw new IllegalArgumentException("content must not be null");
    }
    TreeMap<String, BundleFile> byPath = new TreeMap<>();
    for (BundleFile f : files) {
      byPath.put(f.path(), f);
    }
    if (byPath.containsKey(path)) {
      throw new IllegalArgumentException("the bundle already has a file " + printable(path));
    }
    byPath.put(path, new BundleFile(path, false, content));
    List<String> compose = new ArrayList<>(composeFiles);
    compose.add(path);
    return new ComposeBundle(directory, compose, envFile, List.copyOf(byPath.values()), digest(byPath.values()));
  }

  @Override
  public String toString() {
    return "ComposeBundle[" + directory + ", " + files.size() + " files, id " + id + "]";
  }

  /** Builds a {@link ComposeBundle}. */
  public static final class Builder {
    private final Path directory;
    private List<String> composeFiles;
    private String envFile;

    private Builder(Path directory) {
      this.directory = directory;
    }

    /** The compose files, relative to the bundle directory, in merge order. */
    public Builder composeFiles(String... files) {
      this.composeFiles = List.of(files);
      return this;
    }

    /** The env file compose reads for interpolation, relative to the bundle directory. */
    public Builder envFile(String file) {
      this.envFile = file;
      return this;
    }

    public ComposeBundle build() throws InvalidBundleException {
      Path dir = directory.toAbsolutePath().normalize();
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new InvalidBundleException(dir, "bundle directory " + dir + " does not exist or is"
            + " not a directory (a symbolic link is refused too)");
      }
      TreeMap<String, BundleFile> byPath = new TreeMap<>();
      long total = 0;
      List<Path> paths = new ArrayList<>();
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.filter(p -> !p.equals(dir)).forEach(paths::add);
      } catch (IOException e) {
        throw new InvalidBundleException(dir, "cannot read bundle directory " + dir + ": " + e.getMessage());
      }
      for (Path p : paths) {
        String rel = relative(dir, p);
        if (Files.isSymbolicLink(p)) {
          throw new InvalidBundleException(dir, "bundle entry '" + printable(rel) + "' is a symbolic"
              + " link; a release must hold the files themselves. Replace the link with the file");
        }
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          throw new InvalidBundleException(dir, "bundle entry '" + printable(rel) + "' is not a"
              + " regular file");
        }
        if (byPath.size() >= MAX_FILES) {
          throw new InvalidBundleException(dir, "bundle has more than " + MAX_FILES + " files;"
              + " a bundle is configuration, ship data another way");
        }
        byte[] content;
        try {
          content = Files.readAllBytes(p);
        } catch (IOException e) {
          throw new InvalidBundleException(dir, "cannot read bundle file " + rel + ": " + e.getMessage());
        }
        total += content.length;
        if (total > MAX_BYTES) {
          throw new InvalidBundleException(dir, "bundle is larger than " + (MAX_BYTES >> 20)
              + " MiB; a bundle is configuration, ship images and data another way");
        }
        byPath.put(rel, new BundleFile(rel, Files.isExecutable(p), content));
      }
      List<String> compose = composeFiles;
      if (compose == null) {
        compose = DEFAULT_COMPOSE_FILES.stream().filter(byPath::containsKey).limit(1).toList();
        if (compose.isEmpty()) {
          throw new InvalidBundleException(dir, "bundle " + dir + " has no compose file (looked for "
              + String.join(", ", DEFAULT_COMPOSE_FILES) + "); name it so, or pass composeFiles(…)");
        }
      }
      if (compose.isEmpty()) {
        throw new InvalidBundleException(dir, "composeFiles(…) needs at least one file");
      }
      for (String f : compose) {
        requireFile(dir, byPath, f, "compose file");
      }
      String env = envFile;
      if (env == null && byPath.containsKey(".env")) {
        env = ".env";
      }
      if (env != null) {
        requireFile(dir, byPath, env, "env file");
        checkEnvFile(dir, env, byPath.get(env).content);
      }
      return new ComposeBundle(dir, compose, Optional.ofNullable(env), List.copyOf(byPath.values()),
          digest(byPath.values()));
    }

    private static void requireFile(Path dir, TreeMap<String, BundleFile> files, String name, String what)
        throws InvalidBundleException {
      if (name == null || !files.containsKey(name)) {
        throw new InvalidBundleException(dir, what + " '" + printable(name) + "' is not a file of the"
            + " bundle " + dir + " (give it relative to the bundle directory)");
      }
    }

    private static String relative(Path dir, Path p) throws InvalidBundleException {
      List<String> parts = new ArrayList<>();
      for (Path part : dir.relativize(p)) {
        String name = part.toString();
        if (!NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
          throw new InvalidBundleException(dir, "bundle entry '" + printable(dir.relativize(p).toString())
              + "' has a name that is not a plain portable file name (letters, digits, '.', '_',"
              + " '-', '+', '@'; no spaces, quotes, '$', ';' or control characters; not starting"
              + " with '-'). Rename it");
        }
        parts.add(name);
      }
      return String.join("/", parts);
    }
  }

  static void checkEnvFile(Path dir, String name, byte[] content) throws InvalidBundleException {
    String text = new String(content, StandardCharsets.UTF_8);
    int lineNo = 0;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      if (l.startsWith("export ")) {
        l = l.substring("export ".length()).strip();
      }
      int eq = l.indexOf('=');
      String key = eq < 0 ? l : l.substring(0, eq).strip();
      if (eq < 0 || !ENV_KEY.matcher(key).matches()) {
        throw new InvalidBundleException(dir, "env file " + name + " line " + lineNo + ": '"
            + printable(key) + "' is not KEY=value with KEY a variable name ([A-Za-z_][A-Za-z0-9_]*)");
      }
    }
  }

  static String digest(Iterable<BundleFile> files) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (BundleFile f : files) {
        sha.update(f.path().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update((byte) (f.executable() ? 'x' : '-'));
        sha.update(Long.toString(f.content.length).getBytes(StandardCharsets.US_ASCII));
        sha.update((byte) 0);
        sha.update(f.content);
      }
      return HexFormat.of().formatHex(sha.digest()).substring(0, 24);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  static String printable(String s) {
    return DockerEngine.printable(s);
  }
}
