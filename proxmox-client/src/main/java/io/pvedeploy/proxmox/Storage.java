package io.pvedeploy.proxmox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code /nodes/{node}/storage/{storage}}. */
public final class Storage {
  private final Node node;
  private final String storage;

  Storage(Node node, String storage) {
    this.node = node;
    this.storage = storage;
  }

  private String path() {
    return node.path() + Transport.path("storage", storage);
  }

  /** {@code GET …/content}: everything on it. */
  public List<StorageVolume> content() throws ProxmoxException {
    return content(null);
  }

  /** {@code GET …/content?content=…}: e.g. {@code "vztmpl"} for templates, {@code "backup"}. */
  public List<StorageVolume> content(String contentType) throws ProxmoxException {
    Params params = Params.of();
    if (contentType != null) {
      if (!contentType.matches("[a-z]+")) {
        throw new IllegalArgumentException(
            "content type '" + contentType + "' is not one of PVE's (vztmpl, backup, iso, images,"
                + " rootdir, snippets, import)");
      }
      params.put("content", contentType);
    }
    List<StorageVolume> out = new ArrayList<>();
    for (Map<String, Object> v : Json.objects(node.client().transport().get(path() + "/content", params), "storage content")) {
      out.add(StorageVolume.from(v));
    }
    return List.copyOf(out);
  }

  /** {@code GET …/status}. */
  public StorageSummary status() throws ProxmoxException {
    Map<String, Object> data = new java.util.LinkedHashMap<>(
        Json.object(node.client().transport().get(path() + "/status", Params.of()), "storage status"));
    data.putIfAbsent("storage", storage);
    return StorageSummary.from(data);
  }
}
