"""`python -m yonhap.cli …`: the same as `yonhap-pipeline …`."""

from yonhap.cli.app import main

main()
