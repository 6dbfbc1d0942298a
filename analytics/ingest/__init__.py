"""A file in, checked rows out: readers, headers, values, limits, validate, name decisions,
the pipeline, the preview of a commit, isolation of untrusted files,
and the upload template."""
