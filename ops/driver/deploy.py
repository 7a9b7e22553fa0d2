"""The deploy driver: deploy an environment's stacks safely, one deploy per checkout at a time,
each applying exactly what it synthesized, with the listeners checked before the routing stack
changes.

    pipenv run deploy --env production [--parts routing] [--state-dir DIR]

1. Takes this checkout's deploy lock (``.deploy.lock``); a second deploy is refused at once,
   naming the one that runs (two deploys that share a synth folder apply each other's values).
2. Synthesizes into a folder of its own (a temporary one; for local state its
   ``terraform-state`` links to the real state folder), with the deploy-time variables.
3. For each selected stack in dependency order: ``terraform init`` and ``terraform apply``
   of that synthesized JSON; independent stacks side by side, splitting 4 concurrent AWS
   calls between them (rounded up). Before the routing stack: refuses when a rule is live at
   a priority this project owns but absent from state (an orphan, ``ops.driver.preflight``),
   saying how to adopt or delete it; applies priority permutations in one
   ``SetRulePriorities`` call.
   Before anything (when the Lambda stack is deployed): refuses another Rust release than
   the alias serves while Rust carries traffic (``check_rust_release``); after the Lambda
   stack applied another release at R 0, the rollout state records it (not validated).
4. Prints progress per stack (stack n of N, resources done, elapsed) and, on failure, the
   last Terraform error. A create that failed because its own resource exists already (sent
   again after its answer was lost) is imported, said so, and the stack applied once more.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import environments
from environments import ROLLOUT_STATE_VARIABLE
from model.catalog.route_table import ROUTES
from model.config import STACK_PARTS, EnvironmentConfig, deploy_waves
from model.paths import PROJECT_ROOT
from model.rollout.controls import retirable_backends
from model.rollout.state import (
    RolloutError,
    RolloutState,
    applied_to,
    initial_state,
    parameter_name,
    reconciled,
    released,
)
from ops.adapters.alb import LiveError, Router
from ops.adapters.aws import Clients, aws_client
from ops.adapters.clients import AwsClients, Elbv2Client, S3Client
from ops.adapters.lambda_release import LiveRelease
from ops.adapters.store import CorruptState, StaleState
from ops.adapters.tfstate import StateError, read_routing_state
from ops.controller.rollout import Rollout, weighted_keys
from ops.driver.preflight import Refused, Say, check_routing
from ops.driver.terraform import DeployError, import_resource, initialised, synth
from ops.driver.tools import terraform_environment

LOCK = PROJECT_ROOT / ".deploy.lock"
WORK = PROJECT_ROOT / ".deploy-work"  # synth folders of this checkout's deploys


def work_folder(config_name: str, root: Path = WORK) -> Path:
    """A new synth folder for one deploy, under ``root``; taken under the deploy lock, so
    whatever else ``root`` holds was left by a deploy that was killed (its ``finally`` never
    ran), and is removed first."""
    root.mkdir(parents=True, exist_ok=True)
    for leftover in root.iterdir():
        shutil.rmtree(leftover, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"scorer-deploy-{config_name}-", dir=root))
@contextlib.contextmanager
def deploy_lock(path: Path = LOCK) -> Iterator[None]:
    """This checkout's deploy lock, held from synth to the last apply; Refused when held."""
    handle: IO[str] = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise Refused(f"another deploy from this checkout is running ({holder}); deploys "
                          "from one checkout run one at a time: wait for it, then deploy "
                          "again") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}")
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock


def _state_link(work: Path, config: EnvironmentConfig, state_dir: Path | None) -> None:
    """Local state sits beside the synth folder (``<synth>/../terraform-state``): link the
    real folder there, so the state outlives the temporary synth."""
    directory = config.state.local_directory
    if directory is not None:
        target = (state_dir or directory).resolve()
        target.mkdir(parents=True, exist_ok=True)
        (work / "terraform-state").symlink_to(target, target_is_directory=True)


# Concurrent AWS calls of one deploy, split between the stacks that apply side by side (the
# local emulator is one process on two cores).
PARALLELISM = 4
SMALL_STACK = 3  # resources: a stack this small applies one call at a time and takes no share


def resource_count(stack_dir: Path) -> int:
    """The resources of one synthesized stack."""
    document = json.loads((stack_dir / "cdk.tf.json").read_text())
    return sum(len(items) for items in document.get("resource", {}).values())


def parallelism_shares(sizes: dict[str, int]) -> dict[str, int]:
    """Each stack of a wave (name -> resource count) and its Terraform parallelism: a small
    stack 1, the others splitting ``PARALLELISM`` (rounded up), so that a one-table stack
    beside the Lambda stack does not halve the Lambda stack's share."""
    large = [part for part, size in sizes.items() if size > SMALL_STACK]
    share = -(-PARALLELISM // max(1, len(large)))
    return {part: share if part in large else 1 for part in sizes}

# A create an API applied but whose answer the provider lost is sent again and meets its own
# resource (ops/dev/emulator.py says how the emulator lost answers). These errors name that
# resource: it exists in AWS, not in the state, and its name is its import ID.
ALREADY_EXISTS = (
    re.compile(r"ResourceConflictException: Function already exist: (?P<id>[\w-]+)"),
    re.compile(r"EntityAlreadyExists: Role with name (?P<id>[\w+=,.@-]+) already exists"),
)


class AlreadyExists(DeployError):
    """An apply failed on creates whose resources exist already; ``imports`` maps each
    resource address to its import ID."""

    def __init__(self, message: str, imports: dict[str, str]) -> None:
        super().__init__(message)
        self.imports = imports


def _apply_with_progress(stack_dir: Path, env: dict[str, str], label: str, say: Say,
                         every_s: float = 10.0, timeout_s: float = 1800,
                         parallelism: int = PARALLELISM) -> None:
    """``terraform apply -json``: a progress line at most every ``every_s`` seconds, the last
    error when it fails."""
    terraform = initialised(stack_dir, env)
    started = time.monotonic()
    process = subprocess.Popen(
        [terraform, "apply", "-auto-approve", "-input=false", "-json",
         f"-parallelism={parallelism}"],
        cwd=stack_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    planned = done = 0
    errors: list[str] = []
    imports: dict[str, str] = {}
    last_said = started
    assert process.stdout is not None
    for line in process.stdout:
        try:
            message: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError:
            errors.append(line.strip())
            continue
        kind = message.get("type")
        action = (message.get("change") or message.get("hook") or {}).get("action")
        if kind == "planned_change" and action not in ("read", "noop"):
            planned += 1
        elif kind == "apply_complete" and action not in ("read", "noop"):
            done += 1
        elif kind == "diagnostic" and message.get("@level") == "error":
            diagnostic = message.get("diagnostic", {})
            errors.append(f"{diagnostic.get('summary', '')}: {diagnostic.get('detail', '')}"
                          .strip(": "))
            for pattern in ALREADY_EXISTS:
                found = pattern.search(errors[-1])
                if found and diagnostic.get("address"):
                    imports[diagnostic["address"]] = found["id"]
        now = time.monotonic()
        if now - last_said >= every_s:
            say(f"{label}: {done}/{planned} resources, {now - started:.0f} s")
            last_said = now
        if now - started > timeout_s:
            process.kill()
            errors.append(f"terraform apply did not finish in {timeout_s:.0f} s")
            break
    code = process.wait()
    elapsed = time.monotonic() - started
    if code != 0:
        last = errors[-1] if errors else f"terraform apply exited {code}"
        failure = (f"{label}: failed after {elapsed:.0f} s ({done}/{planned} resources done); "
                   f"last Terraform error:\n  {last}\n(stack folder: {stack_dir})")
        raise AlreadyExists(failure, imports) if imports else DeployError(failure)
    say(f"{label}: done, {done} resources changed, {elapsed:.0f} s")


def _apply_importing(stack_dir: Path, env: dict[str, str], label: str, say: Say,
                     parallelism: int = PARALLELISM) -> None:
    """``_apply_with_progress``; when creates failed on their own resources (ALREADY_EXISTS),
    imports those (saying so) and applies once more. Any other failure is raised as it is."""
    try:
        _apply_with_progress(stack_dir, env, label, say, parallelism=parallelism)
    except AlreadyExists as failure:
        for address, resource_id in failure.imports.items():
            say(f"{label}: {address} exists in AWS but not in the state (its create was "
                f"applied, the answer lost, the create sent again): importing {resource_id}")
            try:
                import_resource(stack_dir, env, address, resource_id)
            except DeployError as error:
                raise DeployError(f"{failure}\nimporting {address} as {resource_id} failed:\n"
                                  f"{error}") from failure
        _apply_with_progress(stack_dir, env, label, say, parallelism=parallelism)


def deploy(config_name: str, parts: list[str], environ: dict[str, str], say: Say = print,
           state_dir: Path | None = None, client: Elbv2Client | None = None,
           s3: S3Client | None = None, clients: AwsClients | None = None) -> None:
    """Deploy ``parts`` of one environment (in dependency order) with ``environ``'s
    deploy-time variables and AWS settings. Refused or DeployError on failure."""
    env = terraform_environment({**environ, "ENVIRONMENTS": config_name})
    (config,) = environments.selected(env)
    wanted = [part for part in STACK_PARTS if part in parts]
    with deploy_lock():  # a refused deploy reads and writes nothing, the rollout state too
        release = None
        if "lambdas" in parts:  # before anything is written: the rollout state too
            try:
                release = check_rust_release(config, env, clients)
            except Refused:
                raise
            except Exception as error:  # credentials, endpoint, API errors: say which
                raise DeployError(f"cannot check which Rust release {config.name} serves "
                                  f"before deploying {config.rust_version}: {error}") from error
        persisted = PersistedRollout({})
        if "routing" in parts:
            try:
                persisted = persisted_rollout(config, env, say, clients)
            except (Refused, RolloutError):
                raise
            except Exception as error:  # credentials, endpoint, API errors: say which
                raise DeployError(f"cannot read the rollout state of {config.name} "
                                  f"({config.rollout_table_name()}): {error}") from error
            env |= persisted.variables
        kept = kept_in_use(config, env, say, client) if "lambdas" in wanted else []
        if kept:
            env[KEPT_VARIABLE] = ",".join(kept)
        work = work_folder(config_name)
        try:
            _state_link(work, config, state_dir)
            outdir = work / "cdktf.out"
            started = time.monotonic()
            synth(env, outdir)
            say(f"synthesized {config_name} in {time.monotonic() - started:.0f} s ({outdir})")
            for part in wanted:  # inits share the plugin cache: one at a time
                initialised(outdir / "stacks" / config.stack_name(part), env)

            def one(part: str, parallelism: int) -> None:
                stack = config.stack_name(part)
                stack_dir = outdir / "stacks" / stack
                label = f"[{wanted.index(part) + 1}/{len(wanted)}] {stack}"
                if part == "routing":
                    create_persisted(config, persisted, env, say, clients)
                    state_file = (work / "terraform-state" / f"{stack}.tfstate"
                                  if config.state.local_directory is not None else None)
                    try:
                        state = read_routing_state(config, state_file,
                                                   s3=s3 or aws_client("s3", config.region, env))
                        router = Router(client or aws_client("elbv2", config.region, env),
                                        config)
                        check_routing(router, config, stack_dir, state, say)
                    except (Refused, StateError):
                        raise
                    except Exception as error:  # credentials, endpoint, API errors
                        raise DeployError(f"{label}: cannot check the live listeners before "
                                          f"the routing stack: {error}") from error
                say(f"{label}: applying")
                _apply_importing(stack_dir, env, label, say, parallelism=parallelism)
                if part == "routing":
                    _converge_after_apply(config, persisted, env, say, clients)
                if part == "lambdas" and release is not None:
                    record_rust_release(config, release, env, say, clients)

            sizes = {part: resource_count(outdir / "stacks" / config.stack_name(part))
                     for part in wanted}
            for wave in deploy_waves(wanted):  # a wave's stacks are independent of each other
                with ThreadPoolExecutor(max_workers=len(wave)) as pool:
                    shares = parallelism_shares({part: sizes[part] for part in wave})
                    outcomes = [pool.submit(one, part, shares[part]) for part in wave]
                for outcome in outcomes:
                    outcome.result()  # the first failure stops the deploy after its wave
            if kept:  # contract: the Lambda stack again, without what no live rule uses now
                _contract(config, kept, env, work, say, state_dir, client)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def check_rust_release(config: EnvironmentConfig, env: dict[str, str],
                       clients: AwsClients | None = None) -> LiveRelease | None:
    """Before a deploy of the Lambda stack: Refused when it deploys another Rust release than
    the alias serves while Rust carries traffic (a route recorded at R > 0, a live rule with
    a Rust weight above 0, a canary rule forwarding to Rust): that traffic would reach a
    release no rollout has validated. Returns the release the alias serves when this deploy
    changes it (one with no version when there is no alias yet), None when it deploys the
    release the alias serves."""
    clients = clients or Clients(config.region, env)
    rollout = _deploy_rollout(config, clients)
    live = rollout.live_release()
    if live is not None and live.release == config.rust_version:
        return None
    carrying: list[str] = []
    try:
        stored = rollout.store.read()
    except clients.dynamodb.exceptions.ResourceNotFoundException:
        stored = None  # the rollout stack is not deployed yet
    except CorruptState as error:
        carrying.append(f"the rollout state cannot be read ({error})")
        stored = None
    if stored is not None and stored.state.carries_rust():
        routes = stored.state.carries_rust()
        carrying.append(f"recorded: {', '.join(routes[:3])}"
                        + (f" and {len(routes) - 3} more route(s)" if len(routes) > 3 else ""))
    try:
        rules = rollout.router.rust_traffic()
    except LiveError:
        rules = []  # no load balancer yet: nothing is live
    if rules:
        carrying.append(f"live: {len(rules)} rule(s) forward to Rust, {'; '.join(rules[:2])}"
                        + ("; ..." if len(rules) > 2 else ""))
    if carrying:
        serving = live.shown if live is not None else (
            "an unnamed build (no alias yet: the Lambda stack was deployed before releases)")
        raise Refused(
            f"Rust carries traffic ({'; '.join(carrying)}) with release {serving}; deploying "
            f"{config.rust_version} would give it that traffic untested: take Rust to 0 first "
            f"('pipenv run rollout abort --env {config.name} --reason \"deploy Rust "
            f"{config.rust_version}\"': R 0 and canaries at Python on every rule, recorded), "
            f"deploy {config.rust_version}, then 'pipenv run rollout start --env "
            f"{config.name} --steps ...' (docs/runbook.md, a new Rust release)")
    return live if live is not None else LiveRelease("", "", None)


def record_rust_release(config: EnvironmentConfig, before: LiveRelease, env: dict[str, str],
                        say: Say, clients: AwsClients | None = None) -> None:
    """After the Lambda stack applied another release at R 0: the rollout state records it,
    deployed and not validated (the next ``rollout start`` rolls it out). A state that does
    not exist yet (a first deploy) records it at the first start; a rollout started while this
    deploy ran is aborted by the controller (its alias serves another release)."""
    rollout = _deploy_rollout(config, clients or Clients(config.region, env))
    now = int(time.time())
    was = before.release or "an unnamed build" if before.version else "nothing"
    try:
        try:
            stored = rollout.store.read()
        except rollout.store.dynamodb.exceptions.ResourceNotFoundException:
            stored = None  # a first deploy: the rollout stack is not deployed yet
        if stored is None:
            say(f"Rust release {config.rust_version} deployed (was {was}); no rollout state "
                "yet: 'rollout start' records the release it validates")
            return
        _, written = rollout._record(
            lambda s: released(s, config.rust_version, now, rollout.actor), now)
    except RolloutError as error:
        say(f"Rust release {config.rust_version} deployed, but not recorded: {error}; the "
            "controller aborts a rollout of another release")
        return
    except Exception as error:  # the release is live; the record is bookkeeping
        say(f"Rust release {config.rust_version} deployed, but the rollout state could not "
            f"record it ({error}); 'rollout start' records the release it validates")
        return
    say(f"rollout state of {config.name}: Rust release {config.rust_version} deployed at R 0 "
        f"(was {was}), not validated ({written.state.release})")
# Expand / contract of Rust target groups (docs/runbook.md): a Rust target group the model no
# longer declares (the retired shared ones; a route's own when it stops being weighted) stays in
# the Lambda stack while a live rule forwards to it (Terraform would destroy it before the
# routing stack moves the rule, and AWS refuses to delete a target group a rule uses); after the
# routing stack applied, the Lambda stack is applied once more without those no rule uses now.
KEPT_VARIABLE = "RUST_KEPT_TARGET_GROUPS"


def kept_in_use(config: EnvironmentConfig, env: dict[str, str], say: Say,
                client: Elbv2Client | None = None) -> list[str]:
    """The backend keys of the undeclared Rust target groups a live rule forwards to (none
    before the load balancers exist)."""
    retirable = {config.target_group_name(b.target_group): b.key
                 for b in retirable_backends(config, ROUTES)}
    try:
        router = Router(client or aws_client("elbv2", config.region, env), config)
        in_use = router.target_groups_in_use()
    except LiveError:
        return []  # no load balancer yet: no rule uses anything
    except Exception as error:  # credentials, endpoint, API errors: say which
        raise DeployError(f"cannot read the live listeners of {config.name} (which retired "
                          f"Rust target groups rules still use): {error}") from error
    kept = sorted(retirable[name] for name in in_use if name in retirable)
    if kept:
        say(f"keeping the Rust target groups {', '.join(kept)} while live rules forward to "
            "them (removed after the routing stack moved them)")
    return kept


def _contract(config: EnvironmentConfig, kept: list[str], env: dict[str, str], work: Path,
              say: Say, state_dir: Path | None, client: Elbv2Client | None) -> None:
    """After every stack applied: the Lambda stack synthesized and applied once more with
    only the kept target groups a live rule still forwards to."""
    still = kept_in_use(config, env, lambda _: None, client)
    gone = [key for key in kept if key not in still]
    if not gone:
        say(f"the Rust target groups {', '.join(kept)} are still used by live rules: kept")
        return
    folder = work / "contract"
    folder.mkdir()
    _state_link(folder, config, state_dir)
    env = {k: v for k, v in env.items() if k != KEPT_VARIABLE}
    if still:
        env[KEPT_VARIABLE] = ",".join(still)
    outdir = folder / "cdktf.out"
    synth(env, outdir)
    stack = config.stack_name("lambdas")
    label = f"[contract] {stack}"
    say(f"{label}: no live rule forwards to {', '.join(gone)} any more: removing them")
    _apply_importing(outdir / "stacks" / stack, env, label, say)


# Deploy-time variables that set weights; without any of them a deploy keeps the persisted ones
# (with them it may lower Rust, never raise it: the routing stack's precondition).
ROLLOUT_VARIABLES = ("RUST_ROUTING_PERCENT", "RUST_ROUTING_PERCENT_ROUTES",
                     "RUST_EMERGENCY_ROLLBACK", ROLLOUT_STATE_VARIABLE)


@dataclass(frozen=True)
class PersistedRollout:
    """What a deploy synthesizes with (``variables``), and the document to create before the
    routing stack applies when the store has none yet (``create``: a first deploy, or the
    state carried over from the SSM parameter that held it before; ``carried``: those SSM
    versions, oldest first, written ahead of it so the history survives)."""

    variables: dict[str, str]
    create: RolloutState | None = None
    carried: tuple[RolloutState, ...] = ()


def persisted_rollout(config: EnvironmentConfig, env: dict[str, str], say: Say,
                      clients: AwsClients | None = None) -> PersistedRollout:
    """The recorded rollout document as the one deploy-time value that carries it
    (``RUST_ROLLOUT_STATE``), so that a plain deploy keeps the live weights; first an abort the
    listeners carry but the store does not is recorded, and the document is reconciled with
    the route table (a new weighted route enters at R = 0, a removed one leaves), each a new
    version. A missing or unreadable state refuses the deploy, unless nothing of the
    environment's routing is live yet (a first deploy: the state is created from the
    environment, before the routing stack applies)."""
    clients = clients or Clients(config.region, env)
    rollout = _deploy_rollout(config, clients)
    now = int(time.time())
    keep = not any(name in env for name in ROLLOUT_VARIABLES)
    try:
        live = [rule for rules in rollout.router.live().values() for rule in rules
                if rule.key in weighted_keys()]
    except LiveError:
        live = []  # no load balancer yet: nothing is live
    if any(rule.mark for rule in live):
        outcome = rollout.abort(now, "a deploy found an abort on the listeners that the "
                                     "state did not hold", automatic=True,
                                routes=rollout.marked_routes([r for r in live if r.mark]))
        say(f"rollout state of {config.name}: recorded an abort found on the listeners "
            f"({outcome.what})")
    try:
        stored = rollout.store.read()
    except clients.dynamodb.exceptions.ResourceNotFoundException:
        stored = None  # the rollout stack is not deployed yet
    except CorruptState as error:
        raise Refused(f"{error}; a deploy never overwrites it. 'pipenv run rollout abort "
                      f"--env {config.name} --reason ...' records an abort over it") from None
    if stored is None:
        carried = _ssm_versions(clients, config)
        if carried:
            say(f"rollout state of {config.name}: carrying {len(carried)} version(s) over "
                f"from the SSM parameter {parameter_name(config)} into the store")
            return PersistedRollout({ROLLOUT_STATE_VARIABLE: carried[-1].to_json()} if keep
                                    else {}, carried[-1], carried[:-1])
        history = _history_length(rollout)
        if live or history:
            raise Refused(
                f"no rollout state in {rollout.store.where()}, but "
                + (f"its history holds {history} version(s) ('pipenv run rollout restore "
                   f"--env {config.name} --reason ...' writes the newest back)" if history else
                   f"{len(live)} weighted rule(s) of {config.name} are live ('pipenv run "
                   f"rollout abort --env {config.name} --reason ...' records a new state at "
                   "R 0)")
                + "; a deploy never recreates it from the environment file")
        created = initial_state(config, ROUTES)
        say(f"rollout state of {config.name}: none yet (a first deploy); creating it from the "
            f"environment: {created.summary}")
        return PersistedRollout({}, created)
    state = stored.state
    current = reconciled(state, weighted_keys(), now, rollout.actor)
    if current != state:
        rollout.store.write(current, stored.version, now)
        say(f"rollout state of {config.name} {current.reason}")
    if not keep:
        return PersistedRollout({})
    say(f"keeping the persisted rollout state of {config.name}: {current.summary}")
    return PersistedRollout({ROLLOUT_STATE_VARIABLE: current.to_json()})


def create_persisted(config: EnvironmentConfig, persisted: PersistedRollout, env: dict[str, str],
                     say: Say, clients: AwsClients | None = None) -> None:
    """Before the routing stack: the document of a first deploy (and the carried SSM
    versions) written to the store, on condition that it holds none yet; Refused when another
    writer created a different one meanwhile."""
    if persisted.create is None:
        return
    clients = clients or Clients(config.region, env)
    rollout = _deploy_rollout(config, clients)
    now = int(time.time())
    expected = None
    try:
        for version in persisted.carried:
            expected = rollout.store.write(version, expected, now)
        rollout.store.write(persisted.create, expected, now)
    except StaleState:
        stored = rollout.store.read()
        if stored is None or stored.state.routes != persisted.create.routes \
                or stored.state.emergency != persisted.create.emergency:
            raise Refused(f"{rollout.store.where()} was created by another writer while this "
                          "deploy ran, with other weights: deploy again") from None
    say(f"rollout state of {config.name} created in {rollout.store.where()}: "
        f"{persisted.create.summary}")


def _converge_after_apply(config: EnvironmentConfig, persisted: PersistedRollout,
                          env: dict[str, str], say: Say, clients: AwsClients | None) -> None:
    """After the routing stack applied: when a transition was recorded while this deploy ran
    (the head is no longer the document it synthesized with), the listeners are set to the
    head and read back, so that the apply never leaves a rule at the weights it read."""
    synthesized = persisted.variables.get(ROLLOUT_STATE_VARIABLE)
    if synthesized is None:
        return
    rollout = _deploy_rollout(config, clients or Clients(config.region, env))
    head = rollout.store.require()
    if applied_to(config, head.state) == applied_to(config, RolloutState.from_json(synthesized)):
        return  # the listeners carry what the apply set (a release recorded meanwhile, say)
    marked = rollout.router.marked()
    if marked:  # an abort whose record failed: nothing raises Rust over it
        outcome = rollout.abort(int(time.time()), "a deploy found an abort on the listeners "
                                "that the state did not hold", automatic=True,
                                routes=rollout.marked_routes(marked))  # (per-route: its routes)
        say(f"rollout state of {config.name}: recorded an abort found on the listeners after "
            f"the apply ({outcome.what})")
        return
    lines, problems = rollout.router.apply(applied_to(config, head.state))
    say(f"rollout state of {config.name} changed while this deploy ran (now "
        f"{head.state.summary}): {len(lines)} rule(s) set to it"
        + (f"; {len(problems)} still differ (the controller repairs them)" if problems else ""))


def _deploy_rollout(config: EnvironmentConfig, clients: AwsClients) -> Rollout:
    """The rollout as a deploy acts on it: an abort it records is notified like any other;
    its reconciliations are said on its output."""
    return Rollout.of(config, clients, actor=f"deploy by {getpass.getuser()}")


def _history_length(rollout: Rollout) -> int:
    try:
        return rollout.store.last_version()
    except Exception:  # no table yet
        return 0


def _ssm_versions(clients: AwsClients, config: EnvironmentConfig) -> tuple[RolloutState, ...]:
    """The readable versions of the SSM parameter that held the state before the store (an
    environment deployed before the store existed), oldest first; none when there is none."""
    ssm = clients.ssm
    versions: list[dict[str, Any]] = []
    token = None
    try:
        while True:
            page = ssm.get_parameter_history(Name=parameter_name(config),
                                             **({"NextToken": token} if token else {}))
            versions += page["Parameters"]
            token = page.get("NextToken")
            if not token:
                break
    except ssm.exceptions.ParameterNotFound:
        return ()
    found = []
    for version in sorted(versions, key=lambda v: v["Version"]):
        try:
            found.append(RolloutState.from_json(version["Value"]))
        except RolloutError:
            continue
    return tuple(found)
