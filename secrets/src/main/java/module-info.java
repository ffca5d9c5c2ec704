/** The age-encrypted secrets store. Imports no other pvedeploy module. */
module io.pvedeploy.secrets {
  requires org.slf4j;

  // The API package is exported once it exists (issue 5/6/7).
}
