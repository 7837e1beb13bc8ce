"""The `yonhap-pipeline` console script (app.py); one module per group of commands, each
calling pipeline.run (the same stage functions the Airflow tasks call)."""
