"""The test suite. Importing it starts the jsii kernel the way main.py does: with only the
AWS provider modules in use loaded (modules/provider.py)."""

from modules.provider import kernel_loading_lazily

with kernel_loading_lazily():
    import modules.aws  # noqa: F401  (starts the kernel)
