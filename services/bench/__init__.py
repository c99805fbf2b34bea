"""`xinfang bench`: the pipeline's speed on a local broker it starts itself."""
