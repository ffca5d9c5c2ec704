/** A stateful stand-in for Proxmox VE. Imports no other pvedeploy module. */
module io.pvedeploy.sandbox {
  requires com.squareup.moshi;
  requires okhttp3.tls;
  requires io.netty.codec.http;
  requires io.netty.handler;
  requires io.netty.transport;
  requires io.netty.buffer;
  requires io.netty.codec;
  requires io.netty.common;
  requires org.slf4j;

  exports io.pvedeploy.sandbox;
}
