"""The ground every other layer stands on: settings, the item schema, KST time and windows,
run ids. Standard library only (import-linter enforces it), so any module may import it."""
