"""`xinfang`: the operator's command line."""
