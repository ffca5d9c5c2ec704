package io.pvedeploy.docker;

/**
 * A bundle shipped to a guest: {@code <base>/<app>/releases/<id>/}, named by the digest of the
 * bundle's files and never changed once there.
 *
 * @param app the app (and Compose project) name
 * @param id the bundle's content digest ({@link ComposeBundle#id()})
 * @param directory the release directory on the guest
 * @param newlyShipped whether this call shipped it (false: it was already there, nothing was sent)
 */
public record Release(String app, String id, String directory, boolean newlyShipped) {}
