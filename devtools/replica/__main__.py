"""`python -m devtools.replica [options]`: the same as `yonhap-pipeline replica`."""

import typer

from devtools.replica.cli import replica


def main() -> None:
    typer.run(replica)


if __name__ == "__main__":
    main()
