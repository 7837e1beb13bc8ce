"""The data-quality gate (Great Expectations 1.x), see docs/quality.md.

thresholds.py (every number) · features.py (validation frame, derived columns) · volume.py
(row-count band from earlier runs) · suites.py (the checks as code) · gate.py (GX context,
validation, rejects, summary) · stage.py (staging I/O, S3 evidence) · cli.py (`validate`).
Nothing here imports GX at module level.
"""
