"""The rollout state store: one DynamoDB table per environment
(``EnvironmentConfig.rollout_table_name``, created by the rollout stack), every version of the
rollout document an item of its own, never overwritten, and a head item with the latest
(the schema: ``model.rollout.state``, TABLE_HASH_KEY ...). The document itself is
``model.rollout.state.RolloutState`` (its one codec).

Why DynamoDB: a transition must be a conditional write on the version it read, and SSM
Parameter Store has none. A DynamoDB transaction writes the head on condition that it still
holds the version read and the new version's item on condition that it does not exist yet,
atomically, so a write based on a stale read is refused (``StaleState``) and the writer reads
again; the versions are items, so the history has no length limit (SSM keeps 100); the
routing stack's precondition reads the head item with a data source. S3 conditional writes
(``IfMatch``) would give the head, but the history would need a second, separate write.

Every version records the writer's AWS identity (the STS caller ARN of the credentials that
wrote it), not a name the writer chose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from model.rollout.state import (
    DOCUMENT,
    HEAD,
    HEAD_VERSION,
    IDENTITY,
    PARTITION,
    TABLE_HASH_KEY,
    TABLE_RANGE_KEY,
    WRITTEN_AT,
    RolloutError,
    RolloutState,
    head_key,
)
from ops.adapters.clients import DynamodbClient


class StaleState(RolloutError):
    """A write based on a version another writer has replaced since: read again."""


class CorruptState(RolloutError):
    """The head holds a document that is not a valid rollout state (``version``: its
    version, so that an abort can be recorded over it)."""

    def __init__(self, message: str, version: int | None) -> None:
        super().__init__(message)
        self.version = version  # None: the head item holds no version number at all


class MissingState(RolloutError):
    """No head item (never created, or deleted); ``last``: the newest version in the
    history, 0 when there is none."""

    def __init__(self, message: str, last: int) -> None:
        super().__init__(message)
        self.last = last


@dataclass(frozen=True)
class Stored:
    """The head: the document and the version it is."""

    state: RolloutState
    version: int


@dataclass(frozen=True)
class Entry:
    """One version of the history: the document (None when it cannot be read, ``problem``
    says why), who wrote it (AWS identity), when (epoch seconds)."""

    version: int
    state: RolloutState | None
    problem: str | None
    identity: str
    written_at: int


def _number(item: dict[str, Any], name: str) -> int | None:
    try:
        return int(item[name]["N"])
    except (KeyError, TypeError, ValueError):
        return None


def _text(item: dict[str, Any], name: str) -> str:
    value = (item.get(name) or {}).get("S")
    return value if isinstance(value, str) else ""


class RolloutStore:
    """One environment's rollout state store, through one DynamoDB client; ``identity``
    answers the AWS identity of the credentials that write (STS caller ARN)."""

    def __init__(self, dynamodb: DynamodbClient, table: str,
                 identity: Callable[[], str] = lambda: "unknown identity") -> None:
        self.dynamodb = dynamodb
        self.table = table
        self.identity = identity

    def where(self) -> str:
        return f"the rollout state store {self.table}"

    # reading ------------------------------------------------------------------------------
    def read(self) -> Stored | None:
        """The head, or None when there is none. CorruptState when its document is not a
        valid rollout state; a client error (no table, no credentials) as it is."""
        item = self.dynamodb.get_item(TableName=self.table, Key=head_key(),
                                      ConsistentRead=True).get("Item")
        if item is None:
            return None
        version = _number(item, HEAD_VERSION)
        if version is None:
            raise CorruptState(f"{self.where()}: the head item has no version number", None)
        try:
            return Stored(RolloutState.from_json(_text(item, DOCUMENT)), version)
        except RolloutError as error:
            raise CorruptState(f"{self.where()}, version {version}: {error}", version) from None

    def require(self) -> Stored:
        """The head; MissingState naming what to do when there is none."""
        stored = self.read()
        if stored is None:
            last = self.last_version()
            raise MissingState(
                f"no rollout state in {self.where()}"
                + (f" (its history holds {last} versions: the head item was deleted; "
                   "'pipenv run rollout restore' writes the newest back)" if last else
                   ": deploy the environment with the deploy driver first (pipenv run deploy "
                   "--env ...; its first deploy creates the state)"), last)
        return stored

    def last_version(self) -> int:
        """The newest version in the history (0: none)."""
        answer = self._versions(ScanIndexForward=False, Limit=1)
        items = answer.get("Items") or []
        return (_number(items[0], TABLE_RANGE_KEY) or 0) if items else 0

    def _versions(self, **page: object) -> dict[str, Any]:
        """One page of the version items (every item but the head), ``page``: the Query's
        order, limit and start."""
        return self.dynamodb.query(
            TableName=self.table, ConsistentRead=True,
            KeyConditionExpression="#pk = :pk AND #v > :head",
            ExpressionAttributeNames={"#pk": TABLE_HASH_KEY, "#v": TABLE_RANGE_KEY},
            ExpressionAttributeValues={":pk": {"S": PARTITION}, ":head": {"N": str(HEAD)}},
            **page)

    def history(self) -> list[Entry]:
        """Every version, oldest first, all pages."""
        entries: list[Entry] = []
        start: dict[str, Any] | None = None
        while True:
            answer = self._versions(**({"ExclusiveStartKey": start} if start else {}))
            for item in answer.get("Items") or []:
                try:
                    state, problem = RolloutState.from_json(_text(item, DOCUMENT)), None
                except RolloutError as error:
                    state, problem = None, str(error)
                entries.append(Entry(_number(item, TABLE_RANGE_KEY) or 0, state, problem,
                                     _text(item, IDENTITY), _number(item, WRITTEN_AT) or 0))
            start = answer.get("LastEvaluatedKey")
            if not start:
                return sorted(entries, key=lambda e: e.version)

    # writing ------------------------------------------------------------------------------
    def write(self, state: RolloutState, expected: int | None, now: int,
              unnumbered: bool = False) -> int:
        """``state`` as the version after ``expected`` (the version the writer read; None:
        the head must not exist, or with ``unnumbered`` it exists without a version number,
        and the new version follows the history's newest). One transaction; StaleState when
        another writer got there first. The new version."""
        problems = state.problems()
        if problems:  # never store a document no reader can read
            raise RolloutError("refusing to store an invalid rollout state: "
                               + "; ".join(problems))
        version = (expected if expected is not None else self.last_version()) + 1
        document = state.to_json()
        identity = self.identity()
        common = {DOCUMENT: {"S": document}, IDENTITY: {"S": identity},
                  WRITTEN_AT: {"N": str(now)}}
        head_condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_exists(#v) AND attribute_not_exists(#h)",
             "ExpressionAttributeNames": {"#v": TABLE_RANGE_KEY, "#h": HEAD_VERSION}}
            if expected is None and unnumbered else
            {"ConditionExpression": "attribute_not_exists(#v)",
             "ExpressionAttributeNames": {"#v": TABLE_RANGE_KEY}} if expected is None else
            {"ConditionExpression": "#h = :read",
             "ExpressionAttributeNames": {"#h": HEAD_VERSION},
             "ExpressionAttributeValues": {":read": {"N": str(expected)}}})
        try:
            self.dynamodb.transact_write_items(TransactItems=[
                {"Put": {"TableName": self.table,
                         "Item": {**head_key(), HEAD_VERSION: {"N": str(version)}, **common},
                         **head_condition}},
                {"Put": {"TableName": self.table,
                         "Item": {TABLE_HASH_KEY: {"S": PARTITION},
                                  TABLE_RANGE_KEY: {"N": str(version)}, **common},
                         "ConditionExpression": "attribute_not_exists(#v)",
                         "ExpressionAttributeNames": {"#v": TABLE_RANGE_KEY}}},
            ])
        except self.dynamodb.exceptions.TransactionCanceledException as error:
            reasons = [r.get("Code") for r in
                       (getattr(error, "response", {}) or {}).get("CancellationReasons", [])]
            if any(code == "ConditionalCheckFailed" for code in reasons) or not reasons:
                raise StaleState(f"{self.where()} changed since version {expected} was read "
                                 "(another writer); read it again") from None
            raise
        return version

    def restore(self, now: int, reason: str) -> int:
        """The newest readable version of the history written back as the head (after the
        head item was deleted), as a new version whose reason says so."""
        if self.read() is not None:
            raise RolloutError(f"{self.where()} has a head: nothing to restore")
        readable = [e for e in self.history() if e.state is not None]
        if not readable:
            raise RolloutError(f"{self.where()} has no readable version to restore")
        newest = readable[-1]
        assert newest.state is not None
        restored = newest.state.recorded(now, newest.state.actor,
                                         f"restored version {newest.version}: {reason}")
        return self.write(restored, None, now)
