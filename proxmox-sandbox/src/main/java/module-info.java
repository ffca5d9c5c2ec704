/** A stateful stand-in for Proxmox VE. Imports no other pvedeploy module. */
module io.pvedeploy.sandbox {
  requires com.squareup.moshi;
  requires okhttp3.tls;
  requires jdk.httpserver;
  requires org.slf4j;

  exports io.pvedeploy.sandbox;
}
