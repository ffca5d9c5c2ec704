/**
 * The age-encrypted secrets store: generate once, rotate, deliver as files, audit every read.
 * Imports no other pvedeploy module.
 */
module io.pvedeploy.secrets {
  requires org.slf4j;
  requires com.exceptionfactory.jagged;
  requires com.exceptionfactory.jagged.framework;
  requires com.exceptionfactory.jagged.x25519;
  requires com.exceptionfactory.jagged.bech32;

  exports io.pvedeploy.secrets;
}
