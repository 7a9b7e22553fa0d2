"""Every check of the whole-model validation, each asserting its message."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from environments import ENVIRONMENTS
from model.catalog.functions import (
    FUNCTIONS,
    RUST_SCORER,
    SERVICE_BACKENDS,
    all_backends,
    rust_route_backends,
)
from model.catalog.route_table import ROUTES
from model.config import AdoptedListener, CertificateArn, EnvironmentConfig
from model.errors import ModelError
from model.names import ELB_NAME_MAX
from model.routing.actions import (
    FixedResponse,
    Forward,
    Target,
    fixed_response,
    forward,
    weighted_forward,
)
from model.routing.backend import Backend, own_rust
from model.routing.conditions import Conditions
from model.routing.listener import INTERNAL, listener_named
from model.routing.route import Route, when
from model.validation import TARGET_GROUPS_PER_LOAD_BALANCER_MAX, environment_problems
from model.validation import validate as validate_all
from tests.helpers.spec_routes import (
    SPEC_ROUTES,
    SPEC_RUST_TARGET_GROUPS,
    SPEC_SHARED_RUST_TARGET_GROUPS,
)

PRODUCTION = ENVIRONMENTS["production"]


def problems(
    routes: tuple[Route, ...] = ROUTES,
    config: EnvironmentConfig = PRODUCTION,
    services: tuple[Backend, ...] = SERVICE_BACKENDS,
    rules_max: int = 100,
) -> list[str]:
    return environment_problems(config, routes, FUNCTIONS, services, rules_max)


def route(key: str, priority: int, listener: str = "public", **kwargs: object) -> Route:
    return Route(key, listener_named(listener), priority,  # type: ignore[arg-type]
                 kwargs.pop("conditions", when("/x/*")),  # type: ignore[arg-type]
                 kwargs.pop("action", forward("svc:registry")))  # type: ignore[arg-type]


def test_the_shipped_model_is_valid() -> None:
    for config in ENVIRONMENTS.values():
        assert problems(config=config) == [], config.name
    validate_all(list(ENVIRONMENTS.values()))


def test_priority_clash_names_both_routes_and_the_environment() -> None:
    found = problems(ROUTES + (route("new-thing", 1030),))
    assert found == ["[production] route 'new-thing' (public listener, priority 1030): "
                     "priority 1030 is already used by route 'submit-passport' on the public "
                     "listener"]


def test_same_priority_on_different_listeners_is_fine() -> None:
    assert problems(ROUTES + (route("internal-1030", 1030, "internal",
                                    action=forward("svc:internal")),)) == []


@pytest.mark.parametrize("priority", [0, 50001, -5])
def test_priority_out_of_range(priority: int) -> None:
    assert problems(ROUTES + (route("odd", priority),)) == [
        f"[production] route 'odd' (public listener, priority {priority}): "
        f"priority {priority} is outside 1..50000"]


@pytest.mark.parametrize(("listener", "priority", "legacy"), [
    ("public", 1001, "1001-1020"), ("public", 1020, "1001-1020"), ("public", 2022, "2021-2023"),
    ("public", 5020, "5020-5020"), ("internal", 2101, "2100-2103"), ("internal", 2202, "2202-2202"),
])
def test_legacy_priorities_are_refused(listener: str, priority: int, legacy: str) -> None:
    backend = "svc:registry" if listener == "public" else "svc:internal"
    found = problems(ROUTES + (route("old", priority, listener, action=forward(backend)),))
    assert found == [f"[production] route 'old' ({listener} listener, priority {priority}): "
                     f"priority {priority} is a legacy priority ({legacy}) that old rules may "
                     "still hold"]


def test_held_priorities_of_an_adopted_listener_are_refused() -> None:
    arn = ("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shared/"
           "50dc6c495c0c9188/f2f7dc8efc522ab2")
    config = replace(PRODUCTION, adopt_internal_listener=AdoptedListener(arn, (1011, 2106)))
    assert problems(config=config) == [
        "[production] route 'embed-get-score' (internal listener, priority 2106): priority 2106 "
        "is held by another owner's rule on the adopted internal listener"]


def test_adopted_listener_arn_must_be_an_arn() -> None:
    config = replace(PRODUCTION, adopt_internal_listener=AdoptedListener("listener-1", (1011,)))
    assert problems(config=config) == [
        "[production] adopted internal listener arn 'listener-1' is not an ARN"]


def test_too_many_condition_values() -> None:
    many = Conditions(paths=("/a", "/b", "/c"), methods=("GET", "POST", "PUT"))
    assert problems(ROUTES + (route("wide", 4000, conditions=many),)) == [
        "[production] route 'wide' (public listener, priority 4000): has 6 condition values, "
        "more than 5"]


def test_too_many_wildcards() -> None:
    wild = when("/*/*/*/*/*/*")
    assert problems(ROUTES + (route("wild", 4000, conditions=wild),)) == [
        "[production] route 'wild' (public listener, priority 4000): has 6 wildcards, more than 5"]


def test_lower_case_method_is_refused() -> None:
    assert problems(ROUTES + (route("lower", 4000, conditions=when("/x", ["get"])),)) == [
        "[production] route 'lower' (public listener, priority 4000): method 'get' is not an "
        "upper-case HTTP method"]


@pytest.mark.parametrize(("action", "problem"), [
    (fixed_response(301, "application/json", "{}"),
     "fixed response status 301 is not 2XX, 4XX or 5XX (what ALB allows)"),
    (fixed_response(404, "application/xml", "<a/>"),
     "fixed response content type 'application/xml' is not one ALB accepts (text/plain, "
     "text/css, text/html, application/javascript, application/json)"),
    (fixed_response(404, "text/plain", "é" * 513),
     "fixed response body is 1026 bytes, more than 1024"),
])
def test_fixed_responses_alb_would_refuse(action: FixedResponse, problem: str) -> None:
    assert problems(ROUTES + (route("fixed", 4000, action=action),)) == [
        f"[production] route 'fixed' (public listener, priority 4000): {problem}"]


@pytest.mark.parametrize("seconds", [0, 604_801])
def test_stickiness_out_of_range(seconds: int) -> None:
    action = weighted_forward("py:cc-v1-st-GET-0", own_rust("ceramic-cache-stamp"),
                              stickiness_seconds=seconds)
    assert problems(ROUTES + (route("sticky", 4000, action=action),)) == [
        f"[production] route 'sticky' (public listener, priority 4000): stickiness {seconds} s "
        "is outside 1..604800"]


def test_weights_out_of_range_and_r_out_of_range() -> None:
    found = problems(config=replace(PRODUCTION, rust_percent=1000))
    assert found[0] == "[production] rust_percent 1000 must be an integer 0..100"
    assert ("[production] route 'ceramic-cache-bulk-post' (public listener, priority 1032): "
            "weight -900 of 'py:cc-v1-st-bulk-POST-0' is outside 0..999") in found
    assert ("[production] route 'ceramic-cache-bulk-post' (public listener, priority 1032): "
            "weight 1000 of 'rust:ceramic-cache-bulk-post' is outside 0..999") in found


def test_unknown_backend_lists_the_known_ones() -> None:
    found = problems(ROUTES + (route("ghost", 4000, action=forward("py:ghost")),))
    assert len(found) == 1
    assert found[0].startswith(
        "[production] route 'ghost' (public listener, priority 4000): unknown backend "
        "'py:ghost'; known on the public load balancer: py:cc-auth-lambda, ")
    public = [key for (listener, _), (key, *_, action) in SPEC_ROUTES.items()
              if action[0] == "weighted" and listener == "public"]
    internal = [key for (listener, _), (key, *_, action) in SPEC_ROUTES.items()
                if action[0] == "weighted" and listener == "internal"]
    assert all(f"{own_rust(key)}," in found[0] for key in public)
    assert not any(own_rust(key) in found[0] for key in internal)
    assert "svc:default, svc:registry" in found[0]


def test_backend_of_the_other_load_balancer_is_refused() -> None:
    action = weighted_forward("svc:internal", own_rust("ceramic-cache-stamp"))
    assert problems(ROUTES + (route("cross", 2130, "internal", action=action),)) == [
        "[production] route 'cross' (internal listener, priority 2130): backend "
        "'rust:ceramic-cache-stamp' is a target group of the public load balancer, not of the "
        "internal one"]


def test_target_group_on_two_load_balancers_is_refused() -> None:
    services = SERVICE_BACKENDS + (Backend(INTERNAL, "svc:registry", "svc-registry-int"),)
    assert problems(services=services) == [
        "[production] backend 'svc:registry' is used on two load balancers (public and "
        "internal); a target group serves one load balancer only"]


def _on(listener: str) -> int:
    return sum(1 for name, _ in SPEC_ROUTES if name == listener)


def test_too_many_rules_per_load_balancer() -> None:
    extra = tuple(route(f"extra-{i}", 6000 + i) for i in range(101 - _on("public")))
    assert problems(ROUTES + extra) == [
        "[production] public load balancer would carry 101 rules, more than 100"]


def test_held_priorities_count_towards_the_rule_quota() -> None:
    arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shared/1/2"
    held = tuple(range(7000, 7000 + 101 - _on("internal")))
    config = replace(PRODUCTION, adopt_internal_listener=AdoptedListener(arn, held))
    assert problems(config=config) == [
        "[production] internal load balancer would carry 101 rules, more than 100"]


def test_duplicate_route_key() -> None:
    assert problems(ROUTES + (route("registry", 4000),)) == [
        "[production] route key 'registry' is declared twice"]


def test_a_prefix_that_makes_a_rust_target_group_name_too_long_names_its_route() -> None:
    longest = max(SPEC_RUST_TARGET_GROUPS.values(), key=len)
    prefix = "p" * (ELB_NAME_MAX - len(longest)) + "-"  # one character too many for it
    found = problems(config=replace(PRODUCTION, name_prefix=prefix))
    too_long = {key: f"{prefix}{name}" for key, name in SPEC_RUST_TARGET_GROUPS.items()
                if len(prefix + name) > ELB_NAME_MAX}
    listener = {key: lst for (lst, _), (key, *_) in SPEC_ROUTES.items()}
    assert too_long and sorted(found) == sorted(
        f"[production] route {key!r}: its Rust target group (backend 'rust:{key}', "
        f"{listener[key]} load balancer): target group name {name!r} is {len(name)} "
        f"characters, more than {ELB_NAME_MAX}" for key, name in too_long.items())


def test_a_kept_retired_target_group_is_checked_with_the_prefix_too() -> None:
    config = replace(PRODUCTION, name_prefix="prod-", kept_rust_target_groups=("rust-int",))
    found = problems(config=config)
    name = f"prod-{SPEC_SHARED_RUST_TARGET_GROUPS['internal']}"
    assert (f"[production] backend 'rust-int': target group name {name!r} is {len(name)} "
            f"characters, more than {ELB_NAME_MAX}") in found


def test_kept_target_groups_must_be_ones_the_layout_retires() -> None:
    weighted = next(iter(SPEC_RUST_TARGET_GROUPS))  # has its own: nothing to keep
    found = problems(config=replace(PRODUCTION, kept_rust_target_groups=(
        "rust", "rust:registry", "rust-x", f"rust:{weighted}")))
    assert found == [f"[production] kept_rust_target_groups names {key!r}, which is not a Rust "
                     "target group this layout retires (rust, rust-int, or rust:<route key> of "
                     "a route without its own)" for key in ("rust-x", f"rust:{weighted}")]


def test_both_rust_layouts_are_valid_in_every_environment() -> None:
    for config in ENVIRONMENTS.values():
        for variant in (replace(config, shared_rust_target_groups=True),
                        replace(config, kept_rust_target_groups=("rust", "rust-int"))):
            assert problems(config=variant) == [], variant


def test_target_group_names_are_unique_across_kinds() -> None:
    key = next(iter(SPEC_RUST_TARGET_GROUPS))
    services = SERVICE_BACKENDS + (Backend(listener_named("public"), "svc:x",
                                           SPEC_RUST_TARGET_GROUPS[key]),)
    assert problems(services=services) == [
        f"[production] target group name {SPEC_RUST_TARGET_GROUPS[key]!r} is used by backends "
        f"'rust:{key}' and 'svc:x'"]


def test_too_many_target_groups_per_load_balancer() -> None:
    """Each weighted route adds a Rust target group: enough new ones to pass the quota."""
    public = listener_named("public")
    used = sum(1 for b in all_backends() if b.listener == public)
    extra = tuple(route(f"w{i}", 6000 + i, action=weighted_forward("py:cc-v1-st-GET-0",
                                                                      own_rust(f"w{i}")))
                  for i in range(TARGET_GROUPS_PER_LOAD_BALANCER_MAX + 1 - used))
    routes = ROUTES + extra
    functions = tuple(replace(f, backends=rust_route_backends(routes))
                      if f.name == RUST_SCORER.name else f for f in FUNCTIONS)
    found = environment_problems(PRODUCTION, routes, functions, SERVICE_BACKENDS, 1000)
    assert found == [
        f"[production] public load balancer would use "
        f"{TARGET_GROUPS_PER_LOAD_BALANCER_MAX + 1} target groups, more than "
        f"{TARGET_GROUPS_PER_LOAD_BALANCER_MAX} (the Rust function has one per weighted route)"]


@dataclass(frozen=True)
class _Fanout(Forward):
    """A forward to ``count`` target groups (the model's own actions take one or two)."""

    count: int = 6

    def targets(self) -> tuple[Target, ...]:
        return tuple(Target(self.backend, 1) for _ in range(self.count))

    def backends(self) -> tuple[str, ...]:
        return (self.backend,) * self.count


@pytest.mark.parametrize("count", [5, 6])
def test_a_forward_action_takes_at_most_five_target_groups(count: int) -> None:
    found = problems(ROUTES + (route("fan", 4000, action=_Fanout("svc:registry", count)),))
    refused = [f"[production] route 'fan' (public listener, priority 4000): forwards to "
               f"{count} target groups; a forward action takes 1..5"]
    assert found == (refused if count > 5 else [])


def test_target_group_name_with_bad_characters() -> None:
    found = problems(config=replace(PRODUCTION, name_prefix="a_"))
    assert ("[production] backend 'svc:default': target group name 'a_svc-default' must be "
            "1..32 characters of [A-Za-z0-9-], not starting or ending with '-'") in found


def test_load_balancer_name_over_the_limit() -> None:
    found = problems(config=replace(PRODUCTION, name_prefix="x", name="productionxxxxxx"))
    assert ("[productionxxxxxx] load balancer name 'xscorer-productionxxxxxx-internal' is 33 "
            "characters, more than 32") in found


def test_environment_field_errors_name_field_and_value() -> None:
    config = replace(PRODUCTION, region="mars-1", python_image_tag="bad tag",
                     certificate=CertificateArn("not-an-arn"), log_retention_days=13)
    assert problems(config=config) == [
        "[production] region 'mars-1' is not an AWS region name",
        "[production] python_image_tag 'bad tag' is not a valid image tag",
        "[production] log_retention_days 13 is not a CloudWatch retention",
        "[production] certificate arn 'not-an-arn' is not an ARN",
    ]


def test_validate_all_reports_every_environment_at_once() -> None:
    configs = [replace(c, rust_percent=101) for c in ENVIRONMENTS.values()]
    with pytest.raises(ModelError) as error:
        validate_all(configs)
    assert [p.split("]")[0] for p in error.value.problems if "rust_percent" in p] == [
        "[staging", "[review", "[production", "[local"]


def test_the_abort_scope_and_rolled_back_routes_are_checked() -> None:
    """``ControllerPolicy.abort_scope`` is routes or all; ``rollback_routes`` names weighted
    routes, once each (docs/rollout.md)."""
    from model.config import ControllerPolicy

    bad_scope = replace(PRODUCTION, controller=ControllerPolicy(
        abort_scope="some"))  # type: ignore[arg-type]
    assert any("controller abort_scope 'some' must be routes or all" in p
               for p in problems(config=bad_scope))
    weighted = sorted(r.key for r in ROUTES if r.action.weighted)
    doubled = replace(PRODUCTION, rollback_routes=(weighted[0], weighted[0]))
    assert any(f"rollback_routes names {weighted[0]!r} more than once" in p
               for p in problems(config=doubled))
    unweighted = next(r.key for r in ROUTES if not r.action.weighted)
    found = problems(config=replace(PRODUCTION, rollback_routes=(unweighted,)))
    assert any(f"rollback_routes names {unweighted!r}, which is a route without a weighted "
               "forward" in p for p in found)
    assert problems(config=replace(PRODUCTION, rollback_routes=tuple(weighted))) == []
