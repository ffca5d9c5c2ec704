package io.pvedeploy.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.pvedeploy.docker.internal.Json;
import io.pvedeploy.docker.internal.Yaml;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The label override and the inspect parser, without a Docker. */
class ComposeProjectTest {
  static final ComposeTool V1 = new ComposeTool(ComposeTool.Flavor.STANDALONE, "1.29.2", List.of("docker-compose"));
  static final ComposeTool V2 = new ComposeTool(ComposeTool.Flavor.PLUGIN, "2.24.5", List.of("docker", "compose"));

  @Test
  void labelsEveryServiceNetworkAndVolumeButExternalOnes() throws Exception {
    Map<String, Object> config = Yaml.parseMapping("""
        version: '2.4'
        services:
          web: {image: x}
          db: {image: y, networks: [back]}
          host: {image: z, network_mode: host}
        networks:
          back: {}
          outside: {external: true}
        volumes:
          data: {}
          shared: {external: {name: shared}}
        """);
    Map<String, Object> override = Json.parseObject(ComposeProject.labelOverride(config, "shop", "abc", V1));
    assertThat(override).containsEntry("version", "2.4");
    assertThat(Json.object(override, "services", "web", "labels"))
        .containsEntry(ComposeProject.APP_LABEL, "shop").containsEntry(ComposeProject.RELEASE_LABEL, "abc");
    assertThat(Json.object(override, "services")).containsOnlyKeys("web", "db", "host");
    assertThat(Json.object(override, "networks")).containsOnlyKeys("back", "default");
    assertThat(Json.object(override, "volumes")).containsOnlyKeys("data");
    assertThat(Json.object(override, "volumes", "data", "labels")).containsEntry(ComposeProject.APP_LABEL, "shop");
  }

  @Test
  void v2GetsNoVersionAndNoDefaultNetworkWhenNoServiceUsesIt() throws Exception {
    Map<String, Object> config = Yaml.parseMapping("""
        name: shop
        services:
          web: {image: x, networks: {front: {}}}
        networks:
          front: {}
        """);
    Map<String, Object> override = Json.parseObject(ComposeProject.labelOverride(config, "shop", "abc", V2));
    assertThat(override).doesNotContainKey("version");
    assertThat(Json.object(override, "networks")).containsOnlyKeys("front");
  }

  @Test
  void oldFileFormatsGetServiceLabelsOnly() throws Exception {
    Map<String, Object> config = Yaml.parseMapping("version: '2'\nservices:\n  web: {image: x}\n");
    Map<String, Object> override = Json.parseObject(ComposeProject.labelOverride(config, "shop", "abc", V1));
    assertThat(override).containsOnlyKeys("version", "services");
  }

  @Test
  void parsesInspectIntoServiceStates() throws Exception {
    String json = """
        [{"Id":"c1","Name":"/shop_web_1","Image":"sha256:aaa",
          "State":{"Status":"running","Running":true,"ExitCode":0,
            "Health":{"Status":"unhealthy","Log":[{"Output":"first"},{"Output":"wget: 404 Not Found\\n"}]}},
          "Config":{"Image":"web:1","Labels":{"com.docker.compose.service":"web","io.pvedeploy.release":"r1"}}},
         {"Id":"c2","Name":"/shop_job_1","Image":"sha256:bbb",
          "State":{"Status":"exited","Running":false,"ExitCode":3},
          "Config":{"Image":"job:1","Labels":{"com.docker.compose.service":"job"}}},
         {"Id":"c3","Name":"/shop_web_run_1","Image":"sha256:aaa","State":{"Status":"running","Running":true},
          "Config":{"Image":"web:1","Labels":{"com.docker.compose.service":"web","com.docker.compose.oneoff":"True"}}}]
        """;
    List<ServiceState> states = ComposeProject.parseInspect(json);
    assertThat(states).extracting(ServiceState::service).containsExactly("job", "web");
    ServiceState web = states.get(1);
    assertThat(web.health()).isEqualTo(ServiceState.Health.UNHEALTHY);
    assertThat(web.lastHealthOutput()).contains("wget: 404 Not Found\n");
    assertThat(web.release()).contains("r1");
    assertThat(web.ready()).isFalse();
    ServiceState job = states.get(0);
    assertThat(job.running()).isFalse();
    assertThat(job.exitCode()).isEqualTo(3);
    assertThat(job.health()).isEqualTo(ServiceState.Health.NONE);
    assertThat(job.lastHealthOutput()).isEmpty();
  }
}
