"""The pipeline: config, loading and splitting, the Prefect flows, merge, publish,
hand-off and the CLI. The only package that knows Prefect exists."""
