/** Declarative deploys: spec, plan, apply. */
module io.pvedeploy.deploy {
  requires transitive io.pvedeploy.proxmox;
  requires transitive io.pvedeploy.docker;
  requires transitive io.pvedeploy.secrets;
  requires org.slf4j;
  requires com.squareup.moshi;

  exports io.pvedeploy.deploy;
}
