/** Docker and Compose inside one guest. Knows nothing of Proxmox. */
module io.pvedeploy.docker {
  requires org.slf4j;
  requires org.apache.commons.exec;

  // The API package is exported once it exists (issue 5/6/7).
}
