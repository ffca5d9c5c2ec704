package io.pvedeploy.deploy.internal;

import io.pvedeploy.deploy.Addressing;
import io.pvedeploy.deploy.DeploymentSpec;
import io.pvedeploy.deploy.GeneratorSpec;
import io.pvedeploy.deploy.GuestSpec;
import io.pvedeploy.deploy.GuestTemplate;
import io.pvedeploy.deploy.ImageSpec;
import io.pvedeploy.deploy.NetworkSpec;
import io.pvedeploy.deploy.Placement;
import io.pvedeploy.deploy.Requirements;
import io.pvedeploy.deploy.SecretSpec;
import io.pvedeploy.deploy.SecurityPolicy;
import io.pvedeploy.docker.DaemonConfig;
import io.pvedeploy.secrets.Generators;
import java.util.LinkedHashMap;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/** Writes a {@link DeploymentSpec} as the YAML {@link SpecReader} reads back to an equal spec. */
public final class SpecWriter {
  private SpecWriter() {}

  public static String write(DeploymentSpec spec) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("app", spec.app());
    root.put("guest", guest(spec.guest()));
    root.put("docker", docker(spec.docker().daemon()));
    Map<String, Object> compose = new LinkedHashMap<>();
    compose.put("bundle", spec.compose().bundleDirectory().toString());
    compose.put("images", spec.compose().images().stream().map(ImageSpec::reference).toList());
    root.put("compose", compose);
    if (!spec.secrets().isEmpty()) {
      Map<String, Object> secrets = new LinkedHashMap<>();
      for (SecretSpec s : spec.secrets()) {
        secrets.put(s.name(), secret(s));
      }
      root.put("secrets", secrets);
    }
    root.put("health", Map.of("deadline", Durations.format(spec.health().deadline())));
    root.put("releases", spec.releasesToKeep());
    Requirements r = spec.requirements();
    if (!r.isNone()) {
      Map<String, Object> req = new LinkedHashMap<>();
      putIf(req, "minMemory", r.minMemoryMb());
      putIf(req, "minCores", r.minCores());
      putIf(req, "minDisk", r.minDiskGb());
      root.put("requirements", req);
    }
    DumpSettings settings = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK)
        .setSchema(new CoreSchema()).setWidth(200).build();
    return "# pvedeploy deployment spec (docs/spec.md)\n" + new Dump(settings).dumpToString(root);
  }

  private static void putIf(Map<String, Object> map, String key, int value) {
    if (value != 0) {
      map.put(key, value);
    }
  }

  private static Map<String, Object> guest(GuestSpec g) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("kind", g.kind().yamlName());
    g.vmid().ifPresent(id -> out.put("vmid", id));
    if (g.placement() instanceof Placement.OnNode n) {
      out.put("node", n.node());
    } else {
      out.put("placement", "least-loaded");
    }
    g.hostname().ifPresent(h -> out.put("hostname", h));
    out.put("cores", g.cores());
    out.put("memory", g.memoryMb());
    out.put("disk", g.diskGb());
    out.put("storage", g.storage());
    if (g.template() instanceof GuestTemplate.OsTemplate os) {
      out.put("template", os.volumeId());
    } else if (g.template() instanceof GuestTemplate.VmTemplate vm) {
      out.put("template", vm.vmid());
    }
    g.data().ifPresent(d -> {
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("size", d.sizeGb());
      data.put("path", d.mountPath());
      out.put("data", data);
    });
    out.put("network", network(g.network()));
    if (!g.startOnBoot()) {
      out.put("startOnBoot", false);
    }
    SecurityPolicy s = g.security();
    if (!s.isDefault()) {
      Map<String, Object> security = new LinkedHashMap<>();
      s.privilegedReason().ifPresent(r -> security.put("privileged", Map.of("reason", r)));
      s.apparmorUnconfinedReason().ifPresent(r -> security.put("apparmorUnconfined", Map.of("reason", r)));
      out.put("security", security);
    }
    return out;
  }

  private static Map<String, Object> network(NetworkSpec n) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("bridge", n.bridge());
    n.vlan().ifPresent(v -> out.put("vlan", v));
    if (n.addressing() instanceof Addressing.Static s) {
      out.put("ipv4", s.cidr());
      out.put("gateway", s.gateway().orElse("none"));
    } else {
      out.put("ipv4", "dhcp");
    }
    return out;
  }

  private static Map<String, Object> docker(DaemonConfig d) {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> log = new LinkedHashMap<>();
    log.put("driver", d.logDriver());
    log.put("maxSize", d.logMaxSize().orElse(null));
    log.put("maxFiles", d.logMaxFile());
    out.put("log", log);
    out.put("liveRestore", d.liveRestore());
    d.iptables().ifPresent(b -> out.put("iptables", b));
    d.storageDriver().ifPresent(s -> out.put("storageDriver", s));
    return out;
  }

  private static Map<String, Object> secret(SecretSpec s) {
    Map<String, Object> out = new LinkedHashMap<>();
    GeneratorSpec g = s.generate();
    out.put("generate", g.yamlName());
    if (g instanceof GeneratorSpec.Password p) {
      out.put("length", p.length());
      if (!p.alphabet().equals(Generators.SAFE_ALPHABET)) {
        out.put("alphabet", p.alphabet());
      }
    } else if (g instanceof GeneratorSpec.Hex h) {
      out.put("bytes", h.bytes());
    } else if (g instanceof GeneratorSpec.Base64 b) {
      out.put("bytes", b.bytes());
    }
    out.put("services", s.services());
    s.fileName().ifPresent(f -> out.put("file", f));
    return out;
  }
}
