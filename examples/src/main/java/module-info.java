/** Runnable example programs. */
module io.pvedeploy.examples {
  requires io.pvedeploy.deploy;
  requires io.pvedeploy.proxmox;
  requires io.pvedeploy.sandbox;
}
