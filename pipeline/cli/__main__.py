"""`python -m pipeline.cli …`: the same as `yonhap-pipeline …`."""

from pipeline.cli.app import main

main()
