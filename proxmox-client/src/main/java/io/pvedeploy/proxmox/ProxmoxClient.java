package io.pvedeploy.proxmox;

/** Placeholder. */
public final class ProxmoxClient {
  private ProxmoxClient() {}
}
