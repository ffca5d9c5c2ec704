/** Runnable example programs; {@code Demo} is the README's first command. */
module io.pvedeploy.examples {
  requires io.pvedeploy.deploy;
  requires io.pvedeploy.proxmox;
  requires io.pvedeploy.sandbox;
  requires io.pvedeploy.docker;
  requires io.pvedeploy.secrets;
  requires java.net.http;
  requires com.squareup.moshi;
  requires info.picocli;
  requires me.tongfei.progressbar;

  // picocli fills the commands' fields by reflection.
  opens io.pvedeploy.examples to info.picocli;
}
