"""The composition: how the stages make a run. `run` is the run sequence (one function per
stage, the run's bookkeeping, reports and alerts); `airflow` the task library the DAG files call;
`cli` the `yonhap-pipeline` console script. Both entry points call `run`; nothing here parses
a page or writes SQL of its own."""
