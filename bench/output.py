"""Where every benchmark leaves its result: a markdown fragment that bench.report collects."""

from __future__ import annotations

from pathlib import Path


def write_markdown(out: Path, lines: list[str]) -> str:
    """Write ``lines`` as the markdown fragment ``out`` (bench/out/NAME.md) and echo it."""
    text = "\n".join(lines) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    return text
