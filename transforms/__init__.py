"""Transforms: clean → normalize → dedupe → story linking → revisions (docs/transforms.md).

Pure functions over batches (``transforms.pipeline.transform_batch``); ``transforms.stage``
adds the staging I/O. Importing this package, ``transforms.stage`` or ``pipeline.cli.transform`` pulls
in nothing heavy (numpy and datasketch load with ``transforms.pipeline``).
"""
