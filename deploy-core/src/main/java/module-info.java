/** Declarative deploys: spec, plan, apply. */
module io.pvedeploy.deploy {
  requires transitive io.pvedeploy.proxmox;
  requires transitive io.pvedeploy.docker;
  requires transitive io.pvedeploy.secrets;
  requires org.slf4j;

  // The API package is exported once it exists (issue 5/6/7).
}
