"""The Airflow task library: @task functions and DAG-side helpers the files in dags/ compose.
Parsed by the dag-processor every 30 s, so only Airflow's SDK and light modules load at import."""
