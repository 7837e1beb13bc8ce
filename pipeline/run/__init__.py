"""Stage composition: the one place a stage is run (its database inputs fetched, its
component called, its failure named). The CLI and the Airflow task library both call it."""
