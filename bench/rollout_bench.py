#!/usr/bin/env python
"""Rollout timings on the local emulator: ``rollout advance``, the abort function and the
rollout controller.

    pipenv run python bench/rollout_bench.py

Starts the emulator, deploys ``local`` with the deploy driver, starts a rollout, then times
(from the command's or the handler's start to the live listeners read back carrying the new
weights): an advance (goal: within 30 s); an abort by the abort function given a Rust alarm's
event (goal: within 10 s); a controller run with a red gate (a Rust alarm in ALARM) to Rust 0,
not sticky, verified on every rule (goal: within 10 s, so within 70 s of the red gate with the
one-minute schedule); a controller run with nothing to do (goal: within 2 s). Stops the
emulator.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3

from environments import ENVIRONMENTS
from functions.rollout_abort.handler import handler as abort_handler
from functions.rollout_controller.handler import handler as controller_handler
from model.config import STACK_PARTS
from model.routing.view import rust_target_group_names
from ops.adapters.alb import Router
from ops.cli.rollout import main as rollout
from ops.dev.emulator import Emulator, aws_environment
from ops.driver.deploy import deploy
from ops.driver.tools import terraform_environment

LOCAL = ENVIRONMENTS["local"]


def rust_weights(client: object) -> set[int]:
    return {w for v in Router(client, LOCAL).views() if v.stickiness is not None or
            len(v.targets) > 1 for n, w in v.targets if n in rust_target_group_names(LOCAL)
            and w is not None}


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="scorer-rollout-bench-"))
    emulator = Emulator(work / "moto-server.log").start()
    try:
        env = {**terraform_environment(), **aws_environment(emulator.endpoint, LOCAL.region)}
        os.environ.update({k: env[k] for k in (
            "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
            "AWS_DEFAULT_REGION")})
        started = time.perf_counter()
        deploy("local", list(STACK_PARTS), env, say=lambda line: None,
               state_dir=work / "terraform-state")
        print(f"  deploy of local ({len(STACK_PARTS)} stacks)              "
              f"{time.perf_counter() - started:6.1f} s")
        elbv2 = boto3.client("elbv2", region_name=LOCAL.region)
        quiet = io.StringIO()
        with contextlib.redirect_stdout(quiet):
            rollout(["start", "--env", "local", "--steps", "5,10,100", "--bake", "1s"])
        time.sleep(1.1)
        started = time.perf_counter()
        with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            code = rollout(["advance", "--env", "local", "--force", "--reason", "bench"])
        advance = time.perf_counter() - started
        assert code == 0 and rust_weights(elbv2) == {10}, quiet.getvalue()
        verdict = "met" if advance <= 30 else "NOT MET"
        print(f"  rollout advance to the live listeners    {advance:6.1f} s (goal <= 30 s: "
              f"{verdict})")
        lambdas = boto3.client("lambda", region_name=LOCAL.region)
        abort_env = lambdas.get_function_configuration(
            FunctionName=LOCAL.function_name("rollout-abort"))["Environment"]["Variables"]
        controller_env = lambdas.get_function_configuration(
            FunctionName=LOCAL.function_name("rollout-controller"))["Environment"]["Variables"]
        os.environ.update(abort_env)
        # the Rust function's alarm: Rust-wide, so every rollout route is aborted (a Rust
        # target group's alarm aborts the routes it serves: abort_scope, docs/rollout.md)
        alarm = LOCAL.alarm_name(LOCAL.function_name("passport-v2-rust-scorer"),
                                 "function-errors")
        event = {"detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch",
                 "region": LOCAL.region,
                 "detail": {"alarmName": alarm, "state": {"value": "ALARM", "reason": "bench"}}}
        started = time.perf_counter()
        with contextlib.redirect_stdout(quiet):
            abort_handler(json.loads(json.dumps(event)))
        abort = time.perf_counter() - started
        assert rust_weights(elbv2) == {0}
        verdict = "met" if abort <= 10 else "NOT MET"
        print(f"  abort function to the live listeners     {abort:6.1f} s (goal <= 10 s: "
              f"{verdict})")

        os.environ.update(controller_env)
        with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            code = rollout(["start", "--env", "local", "--steps", "5,10,100", "--bake", "1h"])
        assert code == 0 and rust_weights(elbv2) == {5}, quiet.getvalue()
        cloudwatch = boto3.client("cloudwatch", region_name=LOCAL.region)
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="bench")
        started = time.perf_counter()
        with contextlib.redirect_stdout(quiet):
            answer = controller_handler({})
        red = time.perf_counter() - started
        assert answer["action"] == "abort" and answer["problems"] == [], answer
        assert rust_weights(elbv2) == {0}
        verdict = "met" if red <= 10 else "NOT MET"
        print(f"  controller: red gate to verified Rust 0  {red:6.1f} s (goal <= 10 s: "
              f"{verdict}; <= {red + 60:.0f} s with the one-minute schedule)")
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="bench")
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            with contextlib.redirect_stdout(quiet):
                answer = controller_handler({})
            runs.append(time.perf_counter() - started)
            assert answer["action"] == "nothing", answer
        idle = sorted(runs)[len(runs) // 2]
        verdict = "met" if idle <= 2 else "NOT MET"
        print(f"  controller: a run with nothing to do     {idle:6.2f} s (median of 5; goal "
              f"<= 2 s: {verdict})")
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
