package io.pvedeploy.proxmox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code /nodes/{node}}: one node and the guests, storages and tasks on it. */
public final class Node {
  private final ProxmoxClient client;
  private final String name;

  Node(ProxmoxClient client, String name) {
    this.client = client;
    this.name = name;
  }

  public String name() {
    return name;
  }

  String path() {
    return Transport.path("nodes", name);
  }

  ProxmoxClient client() {
    return client;
  }

  /** {@code GET /nodes/{node}/status}. */
  public NodeStatus status() throws ProxmoxException {
    return NodeStatus.from(Json.object(client.transport().get(path() + "/status", Params.of()), "node status"));
  }

  /** {@code /nodes/{node}/lxc}: list and create containers. */
  public LxcContainers lxc() {
    return new LxcContainers(this);
  }

  /** {@code /nodes/{node}/lxc/{vmid}}. */
  public Lxc lxc(int vmid) {
    return new Lxc(this, Checks.vmid(vmid));
  }

  /** {@code /nodes/{node}/qemu}: list and create VMs. */
  public QemuVms qemu() {
    return new QemuVms(this);
  }

  /** {@code /nodes/{node}/qemu/{vmid}}. */
  public Qemu qemu(int vmid) {
    return new Qemu(this, Checks.vmid(vmid));
  }

  /** {@code GET /nodes/{node}/storage}: the storages this node can use. */
  public List<StorageSummary> storages() throws ProxmoxException {
    List<StorageSummary> out = new ArrayList<>();
    for (Map<String, Object> s : Json.objects(client.transport().get(path() + "/storage", Params.of()), "storages")) {
      out.add(StorageSummary.from(s));
    }
    return List.copyOf(out);
  }

  /** {@code /nodes/{node}/storage/{storage}}. */
  public Storage storage(String storage) {
    return new Storage(this, Checks.storage(storage));
  }

  /** {@code /nodes/{node}/tasks}. */
  public Tasks tasks() {
    return new Tasks(this);
  }

  /** A handle on a task of this node, from its UPID. */
  public Task task(Upid upid) {
    if (!upid.node().equals(name)) {
      throw new IllegalArgumentException(
          "task " + upid + " runs on node " + upid.node() + ", not " + name);
    }
    return new Task(client, upid);
  }

  /** {@code POST /nodes/{node}/vzdump}: back up guests of this node. */
  public Task vzdump(VzdumpSpec spec) throws ProxmoxException {
    return startTask(path() + "/vzdump", spec.toParams(), "POST");
  }

  Task startTask(String path, Params params, String method) throws ProxmoxException {
    Object data = method.equals("DELETE")
        ? client.transport().delete(path, params)
        : method.equals("PUT") ? client.transport().put(path, params) : client.transport().post(path, params);
    String text = data == null ? null : data.toString();
    if (!Upid.isUpid(text)) {
      throw new UnexpectedResponseException(
          method + " " + path + " should start a task and answer its UPID, but PVE answered: " + text);
    }
    return new Task(client, Upid.parse(text));
  }

  @Override
  public String toString() {
    return "Node[" + name + "]";
  }
}
