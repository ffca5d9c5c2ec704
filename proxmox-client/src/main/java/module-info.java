/** The typed Proxmox VE client. Knows nothing of Docker or secrets stores. */
module io.pvedeploy.proxmox {
  requires transitive okhttp3;
  requires com.squareup.moshi;
  requires okio;
  requires com.google.common;
  requires org.apache.commons.exec;
  requires org.slf4j;

  exports io.pvedeploy.proxmox;
}
