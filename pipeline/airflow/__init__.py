"""The Airflow task library the files in dags/ call: the DAG factory (dags.py), the tasks
(tasks.py) and, each in its own module, what they need around them. Parsed by the
dag-processor every 30 s, so only Airflow's SDK and light modules load at import."""
