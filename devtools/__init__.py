"""Dev and single-machine tooling around the pipeline: the embedded local stack (`stack`: the
PostgreSQL, S3 endpoint and Airflow that `make run` starts), the replica of the site and the
local web archives (`replica`), and the harness that tests and benches share (`harness`)."""
