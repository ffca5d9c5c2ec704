/** Declarative deploys: spec, plan, apply. */
module io.pvedeploy.deploy {
  requires transitive io.pvedeploy.proxmox;
  requires transitive io.pvedeploy.docker;
  requires transitive io.pvedeploy.secrets;
  requires org.slf4j;
  requires com.squareup.moshi;
  requires org.snakeyaml.engine.v2;

  exports io.pvedeploy.deploy;
}
