"""Stacks compose modules into the four stacks of one environment.

``route_table`` and ``functions`` hold the data (spec/routes.md, spec/lambdas.md);
``validation`` checks a whole environment before any construct exists; ``app`` builds it.
"""
