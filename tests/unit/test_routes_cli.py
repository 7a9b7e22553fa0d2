"""The ``routes`` command: show (code and state), explain, and the diff logic."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from environments import ENVIRONMENTS
from model.paths import PROJECT_ROOT
from model.routing.explain import explain
from model.routing.listener import INTERNAL, PUBLIC, listener_named
from model.routing.view import differences, intended
from ops.adapters.tfstate import rules_from_state
from ops.cli.routes import main
from tests.helpers.spec_routes import SPEC_ROUTES

STATE = PROJECT_ROOT / "tests" / "fixtures" / "scorer-local-routing.tfstate"
PRODUCTION = ENVIRONMENTS["production"]


def test_show_env_prints_every_route(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "--env", "production"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["listener", "priority", "route", "conditions", "targets",
                              "stickiness"]
    assert len(out) == 1 + len(SPEC_ROUTES)
    assert any(line.startswith("public    2112      v2-stamps-score") and
               "l-passport-v2-stamp-score=100, rs-v2-stamps-score=0" in line and
               line.endswith("3600s") for line in out)


def test_show_env_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "--env", "staging", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    (rule,) = [r for r in rows if r["key"] == "embed-add-stamps"]
    assert rule["priority"] == 2104 and rule["listener"] == "internal"
    assert rule["targets"] == [["l-embed-st-lambda", 0], ["rs-embed-add-stamps", 100]]
    assert rule["stickiness"] == 3600


def test_show_state_reads_the_emulator_deployed_state() -> None:
    """The fixture is the routing stack's state after `make local` (R = 50; `make fixtures`
    regenerates it). Every rule in it reads back as the route of that key intends; a route
    added since then is simply not in it."""
    from_state = rules_from_state(STATE)
    wanted = {v.key: v.comparable() for v in intended(ENVIRONMENTS["local"])}
    assert {v.listener for v in from_state} == {"public", "internal"}
    assert {v.key: v.comparable() for v in from_state} == {
        v.key: wanted.get(v.key) for v in from_state}


def test_show_state_accepts_terraform_show_json(tmp_path: Path) -> None:
    state = json.loads(STATE.read_text())
    shown = {"values": {"root_module": {"resources": [
        {"mode": r["mode"], "type": r["type"], "name": r["name"],
         "values": r["instances"][0]["attributes"]} for r in state["resources"]]}}}
    path = tmp_path / "show.json"
    path.write_text(json.dumps(shown))
    assert rules_from_state(path) == rules_from_state(STATE)


def test_show_missing_state_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "--state", "/nonexistent.tfstate"]) == 2
    assert "no state file" in capsys.readouterr().err


# (method, url, listener, expected rule key or None for the default action)
REQUESTS = [
    ("POST", "/registry/submit-passport", "public", "submit-passport"),
    ("GET", "/registry/submit-passport", "public", "registry"),  # wrong method: catch-all
    ("POST", "/registry/submit-passport/", "public", "registry"),  # trailing slash
    ("POST", "/ceramic-cache/score/0xabc", "public", "ceramic-cache-score-post"),
    ("GET", "/ceramic-cache/score/0xabc", "public", "ceramic-cache-score-get"),
    ("GET", "/ceramic-cache/score/abc", "public", None),  # GET needs the 0x prefix
    ("POST", "/ceramic-cache/stamps/bulk", "public", "ceramic-cache-bulk-post"),
    ("PATCH", "/ceramic-cache/stamps/bulk", "public", "ceramic-cache-bulk-patch"),
    ("DELETE", "/ceramic-cache/stamps/bulk", "public", "ceramic-cache-bulk-delete"),
    ("PUT", "/ceramic-cache/stamps/bulk", "public", None),
    ("POST", "/Ceramic-Cache/stamps/bulk", "public", None),  # paths are case-sensitive
    ("GET", "/ceramic-cache/weights", "public", "ceramic-cache-weights"),
    ("GET", "/ceramic-cache/stamp", "public", "ceramic-cache-stamp"),
    ("GET", "/ceramic-cache/stamps", "public", None),
    ("GET", "/passport/analysis/0x1", "public", "passport-analysis"),
    ("get", "/passport/analysis/0x1", "public", None),  # methods match exactly
    ("GET", "https://api.gitcoin.co/v2/stamps/1/score/0x1", "public", "v2-block-gitcoin"),
    ("GET", "https://API.PASSPORT.XYZ/v2/models/score/0x1", "public", "v2-models-score"),
    ("GET", "https://api.passport.xyz/v2/stamps/1/score/0x1/history", "public",
     "v2-stamps-score-history"),
    ("GET", "https://api.passport.xyz/v2/stamps/1/score/0x1", "public", "v2-stamps-score"),
    ("POST", "https://api.passport.xyz/v2/stamps/1/score/0x1", "public", "v2-catchall"),
    ("GET", "https://api.passport.xyz.evil.com/v2/stamps/1/score/0x1", "public", None),
    ("GET", "https://example.org/v2/stamps/1/score/0x1", "public", None),  # wrong host
    ("GET", "/registry/anything", "public", "registry"),
    ("OPTIONS", "/account/nonce", "public", "app-api-nonce"),
    ("POST", "/ceramic-cache/authenticate/x", "public", "app-api-authenticate"),
    ("POST", "/internal/embed/stamps/0x1", "internal", "embed-add-stamps"),
    ("GET", "/internal/embed/validate-api-key", "internal", "embed-validate-key"),
    ("GET", "/internal/embed/score/1/0x1", "internal", "embed-get-score"),
    ("GET", "/internal/embed/config", "internal", "embed-config"),
    ("POST", "/internal/embed/config", "internal", "internal-catchall"),
    ("GET", "/internal/batch-model-scoring/abc", "internal", "batch-model-scoring"),
    ("GET", "/internal/other", "internal", "internal-catchall"),
    ("GET", "/v2/stamps/1/score/0x1", "internal", None),  # public path, internal listener
    ("POST", "/internal/embed/stamps/0x1", "public", None),  # internal path, public listener
]


@pytest.mark.parametrize(("method", "url", "listener", "key"), REQUESTS)
def test_explain_picks_the_rule_alb_would(method: str, url: str, listener: str,
                                          key: str | None) -> None:
    text = explain(PRODUCTION, method, url, listener_named(listener))
    if key is None:
        assert "no rule matches: default action" in text
    else:
        assert f"  rule {key} (priority " in text


def test_explain_shows_weights_and_stickiness() -> None:
    text = explain(replace(PRODUCTION, rust_percent=5), "GET",
                   "https://api.passport.xyz/v2/stamps/1/score/0x1", PUBLIC)
    assert text.splitlines()[2:] == [
        "  -> py:passport-v2-stamp-score (l-passport-v2-stamp-score): weight 95",
        "  -> rust:v2-stamps-score (rs-v2-stamps-score): weight 5",
        "  sticky for 3600 s (cookie AWSALBTG)",
    ]
    assert explain(PRODUCTION, "GET", "/nowhere", INTERNAL).splitlines()[1:] == [
        "  no rule matches: default action of the listener",
        '  fixed response 404 application/json {"detail": "Not Found"}']
    assert explain(PRODUCTION, "GET", "/nowhere", PUBLIC).splitlines()[2] == (
        "  -> svc:default (svc-default): all traffic")


def test_differences_name_each_kind_of_drift() -> None:
    wanted = intended(PRODUCTION)
    live = [v for v in wanted if v.key != "registry"]  # missing
    live = [replace(v, targets=(("l-cc-v1-st-bulk-POST-0", 70), ("l-passport-v2-rust-scorer", 30)))
            if v.key == "ceramic-cache-bulk-post" else v for v in live]
    extra = replace(wanted[0], listener="public", priority=4000, key="other")
    legacy = replace(wanted[0], listener="public", priority=1001, key="legacy")
    drift, others = differences(wanted, [*live, extra, legacy])
    assert drift == [
        "mismatch    public 1032 ceramic-cache-bulk-post: targets l-cc-v1-st-bulk-POST-0=70, "
        "l-passport-v2-rust-scorer=30 (want l-cc-v1-st-bulk-POST-0=100, "
        "rs-ceramic-cache-bulk-post=0)",
        "missing     public 3001 registry",
        "unexpected  public 4000: l-embed-st-lambda=100, rs-embed-add-stamps=0",
    ]
    assert others == ["legacy      public 1001: l-embed-st-lambda=100, "
                      "rs-embed-add-stamps=0"]
    assert differences(wanted, wanted) == ([], [])


def test_explain_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--env", "production", "--json", "GET",
                 "https://api.passport.xyz/v2/stamps/1/score/0x1"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["route"], answer["priority"], answer["stickiness"]) == (
        "v2-stamps-score", 2112, 3600)
    assert answer["targets"] == [
        {"backend": "py:passport-v2-stamp-score", "target_group": "l-passport-v2-stamp-score",
         "weight": 100},
        {"backend": "rust:v2-stamps-score", "target_group": "rs-v2-stamps-score", "weight": 0}]
    assert main(["explain", "--env", "production", "--json", "--listener", "internal",
                 "GET", "/nowhere"]) == 0
    assert json.loads(capsys.readouterr().out)["default_action"] == {"fixed_response": 404}


def test_show_state_takes_listeners_from_the_rules_not_from_load_balancer_names(
    tmp_path: Path
) -> None:
    """The listener of a rule follows its listener ARN, whatever the load balancer is called
    (an adopted listener's is another team's name)."""
    renamed = STATE.read_text().replace("/scorer-local-public/", "/shared-front-door/").replace(
        "/scorer-local-internal/", "/team-x-internal-lb/")
    path = tmp_path / "renamed.tfstate"
    path.write_text(renamed)
    assert [(v.listener, v.priority) for v in rules_from_state(path)] == [
        (v.listener, v.priority) for v in rules_from_state(STATE)]


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "as Terraform state"),
    ('{"version": 4, "resources": []}', "holds no aws_lb_listener_rule"),
    ('["a list"]', "is not Terraform state"),
])
def test_show_state_refuses_a_file_that_is_no_routing_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = tmp_path / "bad.tfstate"
    path.write_text(content)
    assert main(["show", "--state", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err and "Traceback" not in captured.err


@pytest.mark.parametrize(("argv", "message"), [
    (["diff", "--env", "prod", "--live"], "--env 'prod' is not an environment; known: "),
    (["explain", "--env", "production", "GET", "not a url"], "'not a url' is not a request URL"),
])
def test_bad_arguments_name_the_culprit_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(f"error: {message}")


class _Elbv2:
    """Just enough of an ELBv2 client: one load balancer per listener, given rules."""

    class exceptions:
        LoadBalancerNotFoundException = LookupError

    def __init__(self, rules: dict[str, list[dict[str, object]]]) -> None:
        self.rules = rules

    def describe_load_balancers(self, Names: list[str]) -> dict[str, object]:
        return {"LoadBalancers": [{"LoadBalancerArn": f"lb/{Names[0]}"}]}

    def describe_listeners(self, LoadBalancerArn: str) -> dict[str, object]:
        port = 443 if LoadBalancerArn.endswith("-public") else 80
        return {"Listeners": [{"Port": port, "ListenerArn": f"{LoadBalancerArn}/{port}"}]}

    def describe_rules(self, ListenerArn: str) -> dict[str, object]:
        return {"Rules": self.rules.get(ListenerArn, [])}

    def describe_tags(self, ResourceArns: list[str]) -> dict[str, object]:
        rules = {r["RuleArn"]: r for rs in self.rules.values() for r in rs}
        return {"TagDescriptions": [{"ResourceArn": a, "Tags": rules[a].get("Tags", [])}
                                    for a in ResourceArns]}


def test_live_rules_are_named_by_their_route_tag_never_by_priority() -> None:
    """A live rule is the route its ``Route`` tag names, wherever it sits; an untagged rule at
    a route's priority is not that route's ('other', or 'legacy' at a legacy priority)."""
    from ops.adapters.alb import Router

    config = replace(PRODUCTION, canary_routes=("ceramic-cache-bulk-post",))
    action = [{"Type": "forward",
               "TargetGroupArn": "arn:aws:x:targetgroup/l-passport-v2-rust-scorer/1"}]
    rules = [
        {"RuleArn": "r1", "Priority": "1027", "IsDefault": False, "Conditions": [],
         "Actions": action, "Tags": [{"Key": "Route", "Value": "ceramic-cache-bulk-post-canary"}]},
        {"RuleArn": "r2", "Priority": "1032", "IsDefault": False, "Conditions": [],
         "Actions": action},
        {"RuleArn": "r3", "Priority": "1001", "IsDefault": False, "Conditions": [],
         "Actions": action}]
    client = _Elbv2({"lb/scorer-production-public/443": rules})
    views = Router(client, config).views()
    assert [(v.listener, v.priority, v.key) for v in views] == [
        ("public", 1001, "legacy"), ("public", 1027, "ceramic-cache-bulk-post-canary"),
        ("public", 1032, "other")]


def test_the_routing_state_is_read_from_the_environments_s3_backend() -> None:
    """Orphan detection reads the routing stack's state where the environment keeps it; a
    state that does not exist yet is empty (nothing deployed)."""
    import boto3
    from moto import mock_aws

    from ops.adapters.tfstate import read_routing_state, routing_state_location, state_rules

    config = ENVIRONMENTS["staging"]
    location = routing_state_location(config)
    assert location == ("s3://passport-scorer-staging-terraform-state/scorer-routing/"
                        "scorer-staging-routing.tfstate")
    bucket, _, key = location.removeprefix("s3://").partition("/")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=bucket)
        assert read_routing_state(config, s3=s3) == {"resources": []}
        s3.put_object(Bucket=bucket, Key=key, Body=STATE.read_bytes())
        rules = state_rules(read_routing_state(config, s3=s3))
    assert len(rules) == len(rules_from_state(STATE))
    assert rules["aws_lb_listener_rule.ceramic_cache_bulk_post"][1] == 1032
