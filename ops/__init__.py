"""Operator tooling around the stacks: the local emulator, deploys, and live route tables.

Imports point one way: ops may use environments, stacks and modules; nothing imports ops.
"""
