package io.pvedeploy.deploy;

/**
 * What the stack needs from its guest, as its authors state it; a guest below any of it is a spec
 * error. 0 means no requirement.
 *
 * @param minMemoryMb the least memory in MiB
 * @param minCores the fewest cores
 * @param minDiskGb the smallest root disk in GiB
 */
public record Requirements(int minMemoryMb, int minCores, int minDiskGb) {
  private static final Requirements NONE = new Requirements(0, 0, 0);

  public static Requirements none() {
    return NONE;
  }

  public static Requirements minMemoryMb(int mebibytes) {
    return NONE.withMinMemoryMb(mebibytes);
  }

  public Requirements withMinMemoryMb(int mebibytes) {
    return new Requirements(mebibytes, minCores, minDiskGb);
  }

  public Requirements withMinCores(int cores) {
    return new Requirements(minMemoryMb, cores, minDiskGb);
  }

  public Requirements withMinDiskGb(int gibibytes) {
    return new Requirements(minMemoryMb, minCores, gibibytes);
  }

  public boolean isNone() {
    return equals(NONE);
  }
}
