"""The model: plain values and rules, no cdktf, no provider, no AWS calls.

Listeners, routes, actions, backends, functions, environments' configuration, the alarm
policy, the route table, the function catalog, rollout logic and validation. Constructs
(``modules``), stacks (``stacks``) and operator tools (``ops``) read it; it imports nothing
of theirs (``tests/unit/test_imports.py`` checks every arrow).
"""
