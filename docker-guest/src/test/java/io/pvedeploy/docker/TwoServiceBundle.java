package io.pvedeploy.docker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The two-service bundle the Compose integration tests deploy, wherever Docker runs: {@code web},
 * a busybox httpd with a health check fetching {@code ${HEALTH_PATH}}, and {@code client}, which
 * starts once {@code web} is healthy and fetches its page every second.
 */
public final class TwoServiceBundle {
  private TwoServiceBundle() {}

  /** The compose file, for an image with busybox. */
  public static String compose(String image) {
    return """
        version: "2.4"
        services:
          web:
            image: %1$s
            command: ["sh", "-c", "echo web starting on 8080; exec busybox httpd -f -v -p 8080 -h /www"]
            volumes:
              - ./www:/www:ro
            healthcheck:
              test: ["CMD", "busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/${HEALTH_PATH}"]
              interval: 1s
              timeout: 2s
              retries: 3
          client:
            image: %1$s
            command: ["sh", "-c", "while true; do echo \\"got: $$(busybox wget -q -O - http://web:8080/index.html)\\"; sleep 1; done"]
            depends_on:
              web:
                condition: service_healthy
        volumes:
          data: {}
        """.formatted(image);
  }

  /**
   * Writes the bundle into {@code dir}: the compose file, a {@code .env} choosing the health
   * check's page ({@code index.html} passes, anything else fails with a 404) and the page.
   */
  public static Path write(Path dir, String image, String healthPath) throws IOException {
    Files.createDirectories(dir.resolve("www"));
    Files.writeString(dir.resolve("compose.yaml"), compose(image));
    Files.writeString(dir.resolve(".env"), "# which page the health check fetches\nHEALTH_PATH=" + healthPath + "\n");
    Files.writeString(dir.resolve("www/index.html"), "hello from pvedeploy\n");
    return dir;
  }
}
