"""Connections to the outside: PostgreSQL (db), S3 (s3), the stage hand-off files under S3
staging/ (staging), and where a running local stack listens (local_stack). Stage packages use
these; nothing here knows about stages, the CLI or Airflow."""
