"""docs/routing.md and the gate table of docs/rollout.md are generated from the route table
and the gate declarations and must not drift from them; docs/validation.md lists every case
of the bad-input table."""


from environments import ENVIRONMENTS
from model.catalog.route_table import ROUTES
from model.paths import PROJECT_ROOT
from ops.docs.routing import render

DOC = PROJECT_ROOT / "docs" / "routing.md"


def test_routing_doc_is_up_to_date() -> None:
    expected = render(rust_percents={n: c.rust_percent for n, c in ENVIRONMENTS.items()})
    assert DOC.read_text() == expected, (
        "docs/routing.md is out of date: run `make docs`")


def test_the_gate_table_is_up_to_date_and_lists_every_gate() -> None:
    from model.catalog.gates import GATES
    from ops.docs.gates import DOC as ROLLOUT_DOC
    from ops.docs.gates import render as render_gates

    text = ROLLOUT_DOC.read_text()
    assert render_gates(text) == text, "docs/rollout.md's gate table is out of date: make docs"
    for gate in GATES:
        assert f"| {gate.name} | " in text and gate.rule() in text


def test_routing_doc_lists_every_route_with_its_priority() -> None:
    text = DOC.read_text()
    for route in ROUTES:
        assert f"| {route.priority} | {route.key} |" in text


def test_validation_doc_lists_every_bad_input_case() -> None:
    from tests.helpers.bad_input import CASES

    text = (DOC.parent / "validation.md").read_text()
    for number, case in enumerate(CASES, 1):
        assert f"| {number} | `{case.name}` |" in text and f"`{case.message}`" in text, case.name
