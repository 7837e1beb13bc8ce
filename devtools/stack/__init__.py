"""The embedded local stack for a fresh machine: PostgreSQL and a durable S3 endpoint
(services), the S3 server process (s3_server), local Airflow (airflow), one process
supervisor (supervisor). A dev/ops tool: the pipeline never imports it."""
