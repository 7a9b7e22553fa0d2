"""Small constructs with one job each, and the plain data types they are built from.

Nothing in this package imports from ``stacks`` or ``environments``: imports point
environments -> stacks -> modules.
"""
