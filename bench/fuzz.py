"""Fuzz benchmark (issue 13): thousands of hostile inputs on every door of `secbot serve`, and what they did.

In one run: starts a fake Slack Web API (which records every call and ``response_url`` post) and a
fake Bot Connector (Bot Framework's signing keys and the connector every Teams reply goes to), both
in this process, then two `secbot serve` children, each on a fresh database holding the sample
register, each writing its log to a file:

* ``main``: Slack with a bot token and signing secret, Teams in emulator mode (``SECBOT_TEAMS_AUTH=off``);
* ``auth``: Slack with OAuth installs (``/slack/install``, ``/slack/oauth_redirect``), Teams with its
  token check on (Entra ID's token endpoint faked in the child with ``responses``, as in
  ``bench/teams_http.py``).

Both run with subscriptions admin-only, admin Slack user groups and Teams teams (so memberships are
looked up), and no probe comes from an admin. It then sends the inputs of ``bench/hostile_corpus.py``
(made from ``--seed``) at a fixed concurrency: malformed Slack requests signed and unsigned, signed
commands, events and buttons with hostile text, admin commands from readers, odd Teams activities,
refused and good Teams tokens, impossible chart and calendar addresses, OAuth callbacks. When the
services have settled (for 3 s no new calls at the fakes and under 10% of a core used) it stops
them and prints:

* inputs sent, per door, with the answers' status classes;
* 5xx answers;
* exceptions logged: log records carrying a traceback (and tracebacks outside any record), in
  either service's log;
* register rows changed by readers: every register table (modifications, phases, meetings,
  consultations, releases, votes, decisions, subscriptions, pending changes, announcements…) read
  from the database directly before and after, row by row; every sender is a reader, so any added,
  removed or altered row counts;
* refusals not audited: admin commands a reader sent that were answered (inline, through
  ``response_url``, posted to the channel, or posted to the Teams conversation) with no ``refused``
  audit row for that reader (each attempt comes from an actor of its own, matched by actor since the
  typed text may be cleaned).

Also checked: every request got an HTTP answer; nothing reached the fake Slack or the connector,
and no audit row was written, for a request refused with a 4xx. The exit status is 1 when any of
the four counts or these checks is not 0, and the work directory (logs, ``failures.jsonl``) is kept.

Usage: python bench/fuzz.py [--seed 13] [--inputs 5000] [--concurrency 8] [--database-url URL] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from yarl import URL

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness
from bench import hostile_corpus as corpus
from tests.fakes import workspace

DOORS = {
    "slack": "Slack   POST /slack/events",
    "teams": "Teams   POST /api/messages (emulator)",
    "teams-auth": "Teams   POST /api/messages (auth on)",
    "public": "public  /healthz, /calendar.ics, /charts, others",
    "oauth": "Slack   OAuth /slack/install, /slack/oauth_redirect",
}
# Every table of the register and of what admins alone may change; not the delivery log, the inbound
# claims, the audit log, Teams conversation references or OAuth state, which readers' requests write.
REGISTER_TABLES = (
    "sources",
    "modifications",
    "earlier_titles",
    "conversions",
    "events",
    "meetings",
    "agenda_items",
    "consultations",
    "assessments",
    "votes",
    "decisions",
    "releases",
    "release_scope",
    "register_state",
    "imports",
    "subscriptions",
    "pending_actions",
    "announcements",
)
REQUEST_SECONDS = 60
SETTLE_SECONDS = 3.0
SETTLE_LIMIT = 240
TODAY = "2021-06-14"  # within the sample register's reports


# -- services -----------------------------------------------------------------------------------
@dataclass
class Service:
    name: str  # "main" or "auth"
    port: int
    database_url: str
    schema: str | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def child(self) -> str:
        return f"secbot-{self.name}"


def databases(database_url: str | None, work: Path) -> tuple[dict[str, tuple[str, str | None]], object | None]:
    """A fresh database per service: SQLite files under ``work``, or new schemas of ``database_url``."""
    if not database_url:
        return {name: (f"sqlite:///{work / f'{name}.db'}", None) for name in ("main", "auth")}, None
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    urls = {}
    with engine.begin() as connection:
        for name in ("main", "auth"):
            schema = f"fuzz_{name}_{uuid.uuid4().hex[:10]}"
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            separator = "&" if "?" in database_url else "?"
            urls[name] = (f"{database_url}{separator}options=-csearch_path%3D{schema}", schema)
    return urls, engine


def drop_schemas(engine, services: list[Service]) -> None:
    from sqlalchemy import text

    with engine.begin() as connection:
        for service in services:
            if service.schema:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{service.schema}" CASCADE'))
    engine.dispose()


def service_settings(service: Service, work: Path, slack_api: str, teams) -> dict[str, str]:
    from tests.fakes.teams_connector import APP_ID, APP_PASSWORD, TENANT_ID

    settings = {
        "SECBOT_DATABASE_URL": service.database_url,
        "SECBOT_HOST": "127.0.0.1",
        "SECBOT_PORT": str(service.port),
        "SECBOT_DATA_DIR": str(work),
        "SECBOT_TODAY": TODAY,
        "SECBOT_PUBLIC_URL": service.base,
        "SECBOT_SLACK_SIGNING_SECRET": workspace.SIGNING_SECRET,
        "SECBOT_SLACK_API_URL": slack_api,
        "SECBOT_TEAMS_SERVICE_HOSTS": '["*"]',  # the connector is on 127.0.0.1
        "SECBOT_ADMINS": json.dumps([corpus.SLACK_ADMIN, corpus.TEAMS_ADMIN]),
        "SECBOT_ADMIN_SLACK_USERGROUPS": json.dumps([corpus.ADMIN_USERGROUP]),
        "SECBOT_ADMIN_TEAMS_TEAMS": json.dumps([corpus.ADMIN_TEAM_GROUP]),
        "SECBOT_SUBSCRIPTIONS_ADMIN_ONLY": "true",
    }
    if service.name == "main":
        settings.update({"SECBOT_SLACK_BOT_TOKEN": workspace.BOT_TOKEN, "SECBOT_TEAMS_AUTH": "off"})
    else:
        settings.update(
            {
                "SECBOT_SLACK_CLIENT_ID": "1111.2222",
                "SECBOT_SLACK_CLIENT_SECRET": "not-a-real-client-secret",
                "SECBOT_TEAMS_APP_ID": APP_ID,
                "SECBOT_TEAMS_APP_PASSWORD": APP_PASSWORD,
                "SECBOT_TEAMS_TENANT_ID": TENANT_ID,
                "SECBOT_TEAMS_OPENID_METADATA_URL": teams.metadata_url,
            }
        )
    return settings


def run_secbot() -> int:
    """`secbot serve` with Entra ID's token endpoint faked in its process (the ``auth`` service)."""
    from secbot.cli import main as secbot_main
    from tests.fakes.teams_connector import token_service

    with token_service():
        return secbot_main(["serve"])


async def wait_until_up(service: Service, children: harness.Children) -> None:
    deadline = time.monotonic() + harness.START_SECONDS
    last = "no answer"
    async with harness.session() as client:
        while time.monotonic() < deadline:
            children.check(service.child)
            try:
                async with client.get(f"{service.base}/healthz") as response:
                    await response.read()
                    if response.status == 200:
                        return
                    last = f"HTTP {response.status}"
            except aiohttp.ClientError as error:
                last = type(error).__name__
            await asyncio.sleep(0.2)
    raise harness.ServerFailed(f"{service.child} did not come up: {last}", children.log(service.child))


# -- signing ------------------------------------------------------------------------------------
def slack_headers(signing: str | None, body: bytes) -> dict[str, str]:
    """Slack's signature headers for ``body``, made now: right, or wrong in the way ``signing`` names."""
    if signing in (None, "none"):
        return {}
    now = int(time.time())
    timestamp = {"stale": now - 600, "future": now + 600}.get(signing, now)
    secret = "not-the-signing-secret" if signing == "wrong" else workspace.SIGNING_SECRET
    digest = hmac.new(secret.encode(), b"v0:%d:" % timestamp + body, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}
    if signing == "garbage-ts":
        headers["X-Slack-Request-Timestamp"] = "1e9; DROP"
    elif signing == "v1":
        headers["X-Slack-Signature"] = f"v1={digest}"
    return headers


class TeamsTokens:
    """Bearer tokens for the ``auth`` service, each kind made once (they last an hour)."""

    def __init__(self, teams) -> None:
        self.teams = teams
        self._made: dict[tuple[str, str | None], str | None] = {}

    def header(self, kind: str | None, service_url: str | None) -> dict[str, str]:
        if kind is None:
            return {}
        key = (kind, service_url)
        if key not in self._made:
            self._made[key] = self._make(kind, service_url)
        value = self._made[key]
        return {} if value is None else {"Authorization": value}

    def _make(self, kind: str, service_url: str | None) -> str | None:
        import jwt

        from tests.fakes.teams_connector import APP_ID, ISSUER, KEY_ID

        teams = self.teams
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "nbf": now - 60, "exp": now + 3600}
        simple = {
            "valid": lambda: teams.token(service_url=service_url),
            "channel-not-endorsed": lambda: teams.token(service_url=service_url),
            "other-key": lambda: teams.token(service_url=service_url, signed_by=teams.other_key),
            "audience": lambda: teams.token(service_url=service_url, audience="someone-else"),
            "issuer": lambda: teams.token(service_url=service_url, issuer="https://evil.example"),
            "expired": lambda: teams.token(service_url=service_url, expires_in=-3600),
            "serviceurl": lambda: teams.token(service_url="https://evil.example/uk/"),
            "not-yet-valid": lambda: jwt.encode(
                {**claims, "nbf": now + 3600, "exp": now + 7200}, teams.key, "RS256", headers={"kid": KEY_ID}
            ),
            "alg-none": lambda: jwt.encode(claims, None, "none", headers={"kid": KEY_ID}),
            "unknown-kid": lambda: jwt.encode(claims, teams.key, "RS256", headers={"kid": "not-a-key"}),
            "hs256": lambda: _hs256_with_public_key(claims, teams.key),
        }
        if kind == "none":
            return None
        if kind in simple:
            return f"Bearer {simple[kind]()}"
        return {
            "garbage": "Bearer not.a.token",
            "basic": "Basic dXNlcjpwYXNzd29yZA==",
            "bearer-empty": "Bearer ",
            "huge": "Bearer " + "a" * 20_000,
        }[kind]


def _hs256_with_public_key(claims: dict, key) -> str:
    """The algorithm-confusion token: HS256 "signed" with the RSA public key as the secret."""
    from cryptography.hazmat.primitives import serialization

    from tests.fakes.teams_connector import KEY_ID

    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def part(value: dict) -> bytes:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=")

    signing_input = part({"alg": "HS256", "typ": "JWT", "kid": KEY_ID}) + b"." + part(claims)
    signature = base64.urlsafe_b64encode(hmac.new(public, signing_input, hashlib.sha256).digest()).rstrip(b"=")
    return (signing_input + b"." + signature).decode()


# -- sending ------------------------------------------------------------------------------------
@dataclass
class Outcome:
    status: int | None = None  # None: no HTTP answer
    error: str | None = None
    length: int = 0
    head: str = ""  # the answer's first characters, for failures.jsonl
    ms: float = 0.0  # from sending to the whole answer read


async def send_all(
    probes: list[corpus.Probe], services: dict[str, Service], tokens: TeamsTokens, concurrency: int
) -> dict[int, Outcome]:
    outcomes: dict[int, Outcome] = {}
    queue = iter(probes)
    timeout = aiohttp.ClientTimeout(total=REQUEST_SECONDS)
    # A connection of its own per probe: a request the server gave up on must not fail the next one.
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=True)
    async with aiohttp.ClientSession(connector=connector, trust_env=False, timeout=timeout) as client:

        async def worker() -> None:
            for probe in queue:
                headers = {
                    **probe.headers,
                    **slack_headers(probe.slack_signing, probe.body),
                    **tokens.header(probe.teams_token, probe.token_service_url),
                }
                base = services[probe.service].base
                path = probe.path
                outcome = Outcome()
                started = time.perf_counter()
                try:
                    if probe.oauth_state:
                        state, cookie = await oauth_state(client, base)
                        path = path.replace("{state}", state)
                        headers["Cookie"] = cookie
                    url = URL(base + path, encoded=True)
                    async with client.request(
                        probe.method, url, data=probe.body or None, headers=headers, allow_redirects=False
                    ) as response:
                        body = await response.read()
                        outcome.status, outcome.length = response.status, len(body)
                        outcome.head = body[:300].decode("utf-8", "replace")
                except (aiohttp.ClientError, TimeoutError) as error:
                    outcome.error = type(error).__name__
                outcome.ms = (time.perf_counter() - started) * 1000
                outcomes[probe.n] = outcome

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return outcomes


async def oauth_state(client: aiohttp.ClientSession, base: str) -> tuple[str, str]:
    """Start an install as a browser would: the state it issued, and the cookie that goes with it."""
    async with client.get(f"{base}/slack/install", allow_redirects=False) as response:
        await response.read()
        for name, morsel in response.cookies.items():
            return morsel.value, f"{name}={morsel.value}"
    return "no-state-issued", ""


async def settle(children: harness.Children, names: list[str], slack, teams) -> float:
    """Wait until the services have finished what they acknowledged; seconds waited."""
    started = time.monotonic()
    quiet_since = time.monotonic()
    last = None
    while time.monotonic() - started < SETTLE_LIMIT:
        cpu_before = sum(children.cpu_seconds(name) for name in names)
        await asyncio.sleep(0.5)
        for name in names:
            children.check(name)
        busy = sum(children.cpu_seconds(name) for name in names) - cpu_before > 0.05
        state = (len(slack.calls()), len(teams.calls))
        if busy or state != last:
            quiet_since, last = time.monotonic(), state
        elif time.monotonic() - quiet_since >= SETTLE_SECONDS:
            break
    return time.monotonic() - started


# -- the database -------------------------------------------------------------------------------
def snapshot(database_url: str) -> dict[str, dict[tuple, str]]:
    """Every register table's rows: primary key -> a hash of the whole row."""
    from sqlalchemy import create_engine, inspect, select

    from secbot.store.models import Base

    engine = create_engine(database_url)
    try:
        present = set(inspect(engine).get_table_names())
        tables = {}
        with engine.connect() as connection:
            for name in REGISTER_TABLES:
                if name not in present:
                    continue
                table = Base.metadata.tables[name]
                keys = [column.name for column in table.primary_key.columns]
                rows = {}
                for row in connection.execute(select(table)).mappings():
                    whole = json.dumps([row[c.name] for c in table.columns], default=str, sort_keys=True)
                    rows[tuple(row[k] for k in keys)] = hashlib.sha256(whole.encode()).hexdigest()
                tables[name] = rows
        return tables
    finally:
        engine.dispose()


def changed_rows(before: dict[str, dict], after: dict[str, dict]) -> dict[str, int]:
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, {}), after.get(name, {})
        count = len(old.keys() ^ new.keys()) + sum(old[k] != new[k] for k in old.keys() & new.keys())
        if count:
            changes[name] = count
    return changes


def audit_rows(database_url: str) -> list[tuple[str, str, str]]:
    """(actor, action, outcome) of every audit row."""
    from sqlalchemy import create_engine, select

    from secbot.store.models import AuditEntry

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.outcome)).all()
        return [(actor.lower(), action, outcome) for actor, action, outcome in rows]
    finally:
        engine.dispose()


# -- the logs -----------------------------------------------------------------------------------
RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?P<level>[A-Z]+) (?P<logger>[\w.]+): (?P<message>.*)")


@dataclass
class LogCount:
    exceptions: int = 0  # records with a traceback, and tracebacks outside any record
    errors_without_trace: int = 0
    kinds: Counter = field(default_factory=Counter)  # (logger, exception, message) -> count


def _shown(text: str) -> str:
    """``text`` safe to print: control characters and broken Unicode escaped, as the logs may hold them."""
    return "".join(c if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF else f"\\x{ord(c):02x}" for c in text)


def _folded(text: str) -> str:
    """A log message with its numbers (probe ids, ports, sizes) folded, so that like groups with like."""
    return re.sub(r"\d+", "#", text)


def read_log(path: Path) -> LogCount:
    count = LogCount()
    record: dict | None = None
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []

    def close(current: dict | None) -> None:
        if current is None:
            return
        if current["traced"]:
            count.exceptions += 1
            exception = next((line for line in reversed(current["tail"]) if line and not line[0].isspace()), "?")
            count.kinds[(current["logger"], _folded(exception)[:140], _folded(current["message"])[:80])] += 1
        elif current["level"] in ("ERROR", "CRITICAL"):
            count.errors_without_trace += 1
            count.kinds[(current["logger"], "(no traceback)", _folded(current["message"])[:80])] += 1

    for line in lines:
        found = RECORD.match(line)
        if found:
            close(record)
            record = {**found.groupdict(), "traced": False, "tail": []}
            continue
        if record is None:  # output before any log record: a traceback printed outside logging
            record = {"level": "", "logger": "(stderr)", "message": line, "traced": False, "tail": []}
        if line.startswith("Traceback (most recent call last)"):
            record["traced"] = True
        record["tail"].append(line)
    close(record)
    return count


# -- judging ------------------------------------------------------------------------------------
@dataclass
class Findings:
    per_door: dict[str, Counter]
    five_hundreds: list[corpus.Probe]
    no_answer: list[corpus.Probe]
    logs: dict[str, LogCount]
    changed: dict[str, dict[str, int]]  # service -> table -> rows
    admin_answered: int
    not_audited: list[corpus.Probe]
    admin_unanswered: list[corpus.Probe]
    leaks: list[tuple[corpus.Probe, str]]

    @property
    def counts(self) -> dict[str, int]:
        return {
            "5xx answers": len(self.five_hundreds),
            "exceptions logged": sum(log.exceptions for log in self.logs.values()),
            "register rows changed by readers": sum(sum(t.values()) for t in self.changed.values()),
            "refusals not audited": len(self.not_audited),
        }

    @property
    def checks(self) -> dict[str, int]:
        return {
            "requests without an HTTP answer": len(self.no_answer),
            "refused (4xx) requests that posted or audited": len(self.leaks),
        }


def status_class(outcome: Outcome) -> str:
    return "no answer" if outcome.status is None else f"{outcome.status // 100}xx"


def platform_hits(slack, teams) -> dict[int, list[str]]:
    """Probe number -> what reached the fake Slack or Teams connector because of it."""
    hits: dict[int, list[str]] = defaultdict(list)
    for call in slack.calls():
        if call.method == "response_url":
            n = corpus.tag_of(call.response_token)
        else:
            n = next(
                (
                    found
                    for key in ("channel", "user_id", "unfurl_id")
                    if (found := corpus.tag_of(str(call.body.get(key))))
                ),
                None,
            )
        if n is not None:
            hits[n].append(f"slack {call.method}")
    with teams._changed:
        calls = list(teams.calls)
    for call in calls:
        n = corpus.tag_of(call.conversation_id)
        if n is not None:
            hits[n].append(f"teams {call.http_method} activity")
    return hits


def probe_of_actor(actor: str) -> int | None:
    _platform, _, user = actor.rpartition(":")
    if actor.startswith("slack:"):
        return corpus.tag_of(user)
    if user.startswith("00000000-0000-4000-8000-") and user[-12:].isdigit():
        return int(user[-12:])
    return None


def judge(
    probes: list[corpus.Probe],
    outcomes: dict[int, Outcome],
    hits: dict[int, list[str]],
    audits: list[tuple[str, str, str]],
    logs: dict[str, LogCount],
    changed: dict[str, dict[str, int]],
) -> Findings:
    per_door: dict[str, Counter] = defaultdict(Counter)
    for probe in probes:
        per_door[probe.door][status_class(outcomes[probe.n])] += 1
        per_door[probe.door]["inputs"] += 1
    refused = Counter(actor for actor, _action, outcome in audits if outcome == "refused")
    audited_probes = Counter(n for actor, _a, _o in audits if (n := probe_of_actor(actor)) is not None)

    def answered(probe: corpus.Probe) -> bool:
        outcome = outcomes[probe.n]
        ok = outcome.status is not None and 200 <= outcome.status < 300
        return ok and ((probe.inline and outcome.length > 0) or bool(hits.get(probe.n)))

    admin_probes = [p for p in probes if p.admin is not None]
    admin_answered = [p for p in admin_probes if answered(p)]
    not_audited = [p for p in admin_answered if refused[p.admin.actor.lower()] < 1]
    unanswered = [
        p for p in admin_probes if not answered(p) and status_class(outcomes[p.n]) == "2xx"
    ]  # acknowledged, but no reply reached the reader
    leaks = []
    for probe in probes:
        status = outcomes[probe.n].status
        if status is not None and 400 <= status < 500:
            what = hits.get(probe.n, []) + ["audit row"] * audited_probes.get(probe.n, 0)
            if what:
                leaks.append((probe, ", ".join(sorted(set(what)))))
    return Findings(
        per_door,
        [p for p in probes if (outcomes[p.n].status or 0) >= 500],
        [p for p in probes if outcomes[p.n].status is None],
        logs,
        changed,
        len(admin_answered),
        not_audited,
        unanswered,
        leaks,
    )


# -- the report ---------------------------------------------------------------------------------
def print_report(
    args,
    probes: list[corpus.Probe],
    findings: Findings,
    outcomes: dict[int, Outcome],
    seconds: float,
    settle_seconds: float,
    database: str,
) -> None:
    total = sum(counter["inputs"] for counter in findings.per_door.values())
    print(
        f"Fuzz benchmark — seed {args.seed}, {total} hostile inputs, {database}, concurrency {args.concurrency}: "
        f"{seconds:.1f} s sending ({total / seconds:.0f} inputs/s), then {settle_seconds:.1f} s settling"
    )
    width = max(len(label) for label in DOORS.values()) + 1
    classes = ["2xx", "3xx", "4xx", "5xx", "no answer"]
    print(f"{'door':{width}} {'inputs':>7}" + "".join(f" {c:>9}" for c in classes) + f" {'p99 ms':>8}")
    totals: Counter = Counter()
    latencies = defaultdict(list)
    for probe in probes:
        latencies[probe.door].append(outcomes[probe.n].ms)
    for door, label in DOORS.items():
        counter = findings.per_door.get(door, Counter())
        totals.update(counter)
        p99 = harness.percentile(latencies[door], 99)
        print(
            f"{label:{width}} {counter['inputs']:7d}" + "".join(f" {counter[c]:9d}" for c in classes) + f" {p99:8.0f}"
        )
    p99 = harness.percentile([ms for door in latencies.values() for ms in door], 99)
    print(f"{'total':{width}} {totals['inputs']:7d}" + "".join(f" {totals[c]:9d}" for c in classes) + f" {p99:8.0f}")
    print()
    print(f"{'count (target 0)':{width}} {'found':>7}")
    for name, value in findings.counts.items():
        label = name + (f" (of {findings.admin_answered} answered)" if name == "refusals not audited" else "")
        print(f"{label:{width}} {value:7d}  {'PASS' if value == 0 else 'FAIL'}")
    not_implemented = sum(outcomes[p.n].status == 501 for p in findings.five_hundreds)
    if not_implemented:
        print(
            f"  (of the 5xx: {not_implemented} × 501 Not Implemented, the Agents SDK's answer to an invoke "
            "it has no handler for)"
        )
    for name, value in findings.checks.items():
        print(f"{name:{width}} {value:7d}  {'PASS' if value == 0 else 'FAIL'}")
    unanswered = len(findings.admin_unanswered)
    print(f"{'admin attempts acknowledged, never answered':{width}} {unanswered:7d}  (not counted)")
    print_details(findings, outcomes)


def print_details(findings: Findings, outcomes: dict[int, Outcome]) -> None:
    if findings.five_hundreds or findings.no_answer:
        print("\n5xx answers and requests without an answer, by door and kind:")
        kinds = Counter(
            (p.door, p.kind, outcomes[p.n].status or outcomes[p.n].error)
            for p in findings.five_hundreds + findings.no_answer
        )
        for (door, kind, status), count in kinds.most_common(25):
            print(f"  {count:5d}  {door:10} {status!s:>4} {_shown(kind[:100])}")
        if len(kinds) > 25:
            print(f"  … and {len(kinds) - 25} more kinds (failures.jsonl)")
    traced, untraced = Counter(), Counter()
    for service, log in findings.logs.items():
        for (logger, exception, message), count in log.kinds.items():
            (untraced if exception == "(no traceback)" else traced)[(service, logger, exception, message)] += count
    if traced:
        print("\nexceptions logged, by service, logger and exception (numbers folded to #):")
        for (service, logger, exception, message), count in traced.most_common(20):
            print(f"  {count:5d}  {service:4} {logger[:32]:32} {_shown(exception[:90])}")
            print(f"         {'':4} {'':32} ({_shown(message)})")
    if untraced:
        print("\nERROR records without a traceback (not counted), by service and logger:")
        for (service, logger, _none, message), count in untraced.most_common(8):
            print(f"  {count:5d}  {service:4} {logger[:32]:32} {_shown(message)}")
    for service, tables in findings.changed.items():
        if tables:
            print(
                f"\nregister rows changed by readers ({service}): " + ", ".join(f"{t} {n}" for t, n in tables.items())
            )
    if findings.not_audited:
        print("\nrefusals not audited, by door and admin command:")
        missing = Counter((p.door, p.admin.command) for p in findings.not_audited)
        for (door, command), count in missing.most_common():
            print(f"  {count:5d}  {door:10} {command}")
    if findings.leaks:
        print("\nrefused (4xx) requests that still posted or audited:")
        for probe, what in findings.leaks[:15]:
            print(f"  #{probe.n} {probe.door} {_shown(probe.kind[:70])}: {what}")


def write_outcomes(path: Path, probes: list[corpus.Probe], outcomes: dict[int, Outcome]) -> None:
    """Every probe and its answer, one JSON line each (with --keep)."""
    with path.open("w", encoding="utf-8") as out:
        for probe in probes:
            outcome = outcomes[probe.n]
            row = {"n": probe.n, "door": probe.door, "kind": probe.kind, "path": probe.path[:200]}
            row |= {"status": outcome.status, "error": outcome.error, "answer": outcome.head[:120]}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_failures(path: Path, findings: Findings, outcomes: dict[int, Outcome]) -> None:
    with path.open("w", encoding="utf-8") as out:
        groups = [
            ("5xx", findings.five_hundreds),
            ("no answer", findings.no_answer),
            ("not audited", findings.not_audited),
            ("leak", [p for p, _ in findings.leaks]),
        ]
        for problem, probes in groups:
            for probe in probes:
                outcome = outcomes[probe.n]
                row = {
                    "problem": problem,
                    "n": probe.n,
                    "door": probe.door,
                    "kind": probe.kind,
                    "path": probe.path[:200],
                    "status": outcome.status,
                    "error": outcome.error,
                    "answer": outcome.head,
                    "body": probe.body[:300].decode("utf-8", "replace"),
                }
                out.write(json.dumps(row, ensure_ascii=False) + "\n")


# -- the run ------------------------------------------------------------------------------------
async def run(args: argparse.Namespace, work: Path) -> int:
    from tests.fakes.slack_api import FakeSlack
    from tests.fakes.teams_connector import FakeTeams

    slack, teams = FakeSlack().start(), FakeTeams().start()
    slack.usergroups[corpus.ADMIN_USERGROUP] = ["UADMIN"]
    urls, admin_engine = databases(args.database_url, work)
    services = {name: Service(name, harness.free_port(), url, schema) for name, (url, schema) in urls.items()}
    try:
        probes = corpus.build(
            args.seed, args.inputs, response_url=slack.response_url(""), service_url=teams.service_url
        )
        with harness.Children(work) as children:
            for service in services.values():
                settings = service_settings(service, work, slack.api_url, teams)
                if service.name == "main":
                    children.python(service.child, "-m", "secbot", "serve", settings=settings)
                else:
                    children.python(service.child, __file__, "--serve-secbot", settings=settings)
            for service in services.values():
                await wait_until_up(service, children)
            before = {name: await asyncio.to_thread(snapshot, s.database_url) for name, s in services.items()}
            started = time.perf_counter()
            outcomes = await send_all(probes, services, TeamsTokens(teams), args.concurrency)
            seconds = time.perf_counter() - started
            names = [s.child for s in services.values()]
            settle_seconds = await settle(children, names, slack, teams)
        after = {name: snapshot(s.database_url) for name, s in services.items()}
        audits = [row for s in services.values() for row in audit_rows(s.database_url)]
        logs = {name: read_log(children.log(s.child)) for name, s in services.items()}
        changed = {name: changed_rows(before[name], after[name]) for name in services}
        findings = judge(probes, outcomes, platform_hits(slack, teams), audits, logs, changed)
    finally:
        slack.stop()
        teams.stop()
        if admin_engine is not None and not args.keep:
            drop_schemas(admin_engine, list(services.values()))
    database = "PostgreSQL" if args.database_url else "SQLite"
    print_report(args, probes, findings, outcomes, seconds, settle_seconds, database)
    failed = any(findings.counts.values()) or any(findings.checks.values())
    if failed or args.keep:
        write_failures(work / "failures.jsonl", findings, outcomes)
        if args.keep:
            write_outcomes(work / "outcomes.jsonl", probes, outcomes)
        print(f"\nthe services' logs and failures.jsonl (and with --keep outcomes.jsonl) are in {work}")
        schemas = [s.schema for s in services.values() if s.schema]
        if args.keep and schemas:
            print(f"the PostgreSQL schemas kept: {', '.join(schemas)}")
    return 1 if failed else 0


async def main_async(args: argparse.Namespace) -> int:
    print(f"seed {args.seed}")
    work = Path(tempfile.mkdtemp(prefix="secbot-fuzz-"))
    status = 1
    try:
        status = await run(args, work)
        return status
    finally:
        if status == 0 and not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    if len(sys.argv) >= 2 and sys.argv[1] == "--serve-secbot":
        return run_secbot()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--inputs", type=int, default=5000, help="how many hostile inputs (default 5000)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", help="a PostgreSQL URL: each service gets a fresh schema of it")
    parser.add_argument("--keep", action="store_true", help="keep the logs and databases even when all is well")
    return harness.run(main_async(parser.parse_args()), "fuzz")


if __name__ == "__main__":
    raise SystemExit(main())
