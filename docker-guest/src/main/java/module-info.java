/** Docker and Compose inside one guest. Knows nothing of Proxmox. */
module io.pvedeploy.docker {
  requires org.slf4j;
  requires org.apache.commons.exec;
  requires com.squareup.moshi;
  requires okio;
  requires org.snakeyaml.engine.v2;

  exports io.pvedeploy.docker;
}
