"""The `yonhap-pipeline` console script (app.py); one module per group of commands, each
calling yonhap.pipeline (the same stage functions the Airflow tasks call)."""
