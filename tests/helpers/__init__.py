"""Helpers of the test suite: spec transcriptions, the bad-input table, stand-ins (fakes),
synthesis, process and emulator helpers. Tests and conftests import these; nothing here is a
test, and no test module imports another test module or a conftest (test_imports.py)."""
