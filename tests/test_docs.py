"""docs/routing.md is generated from the route table and must not drift from it."""

from pathlib import Path

from environments import ENVIRONMENTS
from stacks.route_docs import render
from stacks.route_table import ROUTES

DOC = Path(__file__).resolve().parent.parent / "docs" / "routing.md"


def test_routing_doc_is_up_to_date() -> None:
    expected = render(rust_percents={n: c.rust_percent for n, c in ENVIRONMENTS.items()})
    assert DOC.read_text() == expected, (
        "docs/routing.md is out of date: run `pipenv run python -m stacks.route_docs "
        "> docs/routing.md`")


def test_routing_doc_lists_every_route_with_its_priority() -> None:
    text = DOC.read_text()
    for route in ROUTES:
        assert f"| {route.priority} | {route.key} |" in text
