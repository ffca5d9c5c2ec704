package io.pvedeploy.proxmox;

/**
 * Filters and paging for {@link Tasks#list(TaskQuery)}.
 *
 * @param vmid only tasks of this guest, or null
 * @param typeFilter only tasks of this type (e.g. {@code vzdump}), or null
 * @param start offset of the first entry
 * @param limit how many entries (PVE's default is 50)
 * @param errorsOnly only failed tasks
 * @param source {@code archive} (finished), {@code active}, or {@code all}
 */
public record TaskQuery(Integer vmid, String typeFilter, int start, int limit, boolean errorsOnly,
    String source) {
  public TaskQuery {
    if (vmid != null) {
      Checks.vmid(vmid);
    }
    if (typeFilter != null && !typeFilter.matches("[a-z0-9]+")) {
      throw new IllegalArgumentException("task type filter '" + typeFilter + "' must be a word like vzdump");
    }
    if (start < 0 || limit < 0) {
      throw new IllegalArgumentException("start and limit must not be negative");
    }
    if (!(source.equals("archive") || source.equals("active") || source.equals("all"))) {
      throw new IllegalArgumentException("task source must be archive, active or all, got " + source);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  Params toParams() {
    return Params.of().put("vmid", vmid).put("typefilter", typeFilter).put("start", start)
        .put("limit", limit).put("errors", errorsOnly ? Boolean.TRUE : null).put("source", source);
  }

  /** Builds a {@link TaskQuery}. */
  public static final class Builder {
    private Integer vmid;
    private String typeFilter;
    private int start;
    private int limit = 50;
    private boolean errorsOnly;
    private String source = "all";

    private Builder() {}

    public Builder vmid(int vmid) {
      this.vmid = vmid;
      return this;
    }

    public Builder type(String typeFilter) {
      this.typeFilter = typeFilter;
      return this;
    }

    public Builder start(int start) {
      this.start = start;
      return this;
    }

    public Builder limit(int limit) {
      this.limit = limit;
      return this;
    }

    public Builder errorsOnly() {
      this.errorsOnly = true;
      return this;
    }

    public Builder source(String source) {
      this.source = source;
      return this;
    }

    public TaskQuery build() {
      return new TaskQuery(vmid, typeFilter, start, limit, errorsOnly, source);
    }
  }
}
