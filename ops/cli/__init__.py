"""Thin commands (``pipenv run routes|rollout|deploy ...``): parse, call the library, print.
``common`` holds the one ``--env`` resolution and the one exit-code convention."""
