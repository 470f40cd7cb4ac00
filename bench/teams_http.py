"""Teams HTTP benchmark: "MP161" message activities through `/api/messages`, beside a bare Agents SDK app.

In one run: builds the 10,000-modification synthetic register, starts a fake Bot Connector (the
signing keys secbot checks inbound tokens against, and the connector API every reply is posted to),
a bare Microsoft 365 Agents SDK app whose message handler only echoes the text back, twice (auth
on: the SDK's own JWT middleware checking the same RS256 Bot Framework token against the same fake
OpenID metadata and keys, and an Entra ID token, from MSAL, on every reply; and anonymous both
ways), and `secbot serve` twice (`SECBOT_TEAMS_AUTH=off`, and with auth on: the token checked on
every request and an Entra ID token on every reply), each in its own process. It then drives each
with the same personal-chat message activities at a fixed concurrency (every activity with a fresh
id, as Teams sends them), alternating between the targets. A request
is done when `/api/messages` answers 202, which the SDK sends only after the turn, and so the reply
to the connector, has finished; the connector's own count of replies is checked against it.

Prints p50/p99 latency, requests per second and the server's CPU time per request for each target,
and secbot's throughput as a ratio of the bare app's with the same auth: auth on against the bare
app with auth on (the headline: both check every inbound token and send a token with every reply),
and auth off against the anonymous bare app.

Usage: python bench/teams_http.py [--mods 10000] [--requests 2000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

BARE_ON = "bare Agents SDK echo, auth on"
BARE = "bare Agents SDK echo, auth off"
OFF = "secbot `MP161`, auth off"
ON = "secbot `MP161`, auth on"
MIXED = "secbot `MPnnn` (random), auth on"
CONVERSATIONS = {
    BARE_ON: "a:bench-bare-auth-on",
    BARE: "a:bench-bare",
    OFF: "a:bench-auth-off",
    ON: "a:bench-auth-on",
    MIXED: "a:bench-mixed",
}
TARGET_ON, TARGET_MIXED = 0.5, 0.5  # secbot auth on / bare auth on, cached and uncached (issue 14)
ACCEPTED = frozenset({200, 202})
PAYLOAD = harness.ROOT / "tests" / "fakes" / "teams_payloads" / "personal_message.json"
MESSAGES_PATH = "/api/messages"
_activity_ids = itertools.count(int(time.time() * 1000) * 1000)


# -- the bare app (runs in its own process with --bare PORT [METADATA_URL]) --------------------
def run_bare(port: int, metadata_url: str | None = None) -> None:
    """The SDK's echo sample on aiohttp: anonymous both ways, or, given the Bot Framework OpenID
    metadata address, with auth on as the SDK does it (see ``bare_auth``)."""
    from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_middleware
    from microsoft_agents.hosting.core import (
        ActivityHandler,
        AgentAuthConfiguration,
        AnonymousTokenProvider,
        ConnectionManager,
        TurnContext,
    )

    class Echo(ActivityHandler):
        async def on_message_activity(self, turn_context: TurnContext) -> None:
            await turn_context.send_activity(turn_context.activity.text)

    if metadata_url:
        config, connections = bare_auth(metadata_url)
        app = web.Application(middlewares=[jwt_authorization_middleware])
        app["agent_configuration"] = config
    else:
        # Anonymous both ways, as secbot is with SECBOT_TEAMS_AUTH=off: no claims identity is set on the
        # request (the SDK then takes it as anonymous) and replies go without a token.
        config = AgentAuthConfiguration(anonymous_allowed=True)
        connections = ConnectionManager(lambda _config: AnonymousTokenProvider(), {"SERVICE_CONNECTION": config})
        app = web.Application()
    adapter = CloudAdapter(connection_manager=connections)
    agent = Echo()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, agent)

    app.router.add_post(MESSAGES_PATH, messages)
    if not metadata_url:
        web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)
        return
    from tests.fakes.teams_connector import token_service

    with token_service():  # Entra ID's token endpoint, faked in this process as in secbot's
        web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def bare_auth(metadata_url: str):
    """The SDK's own auth, as a bare app turns it on, doing the work secbot does with auth on.

    Inbound: ``jwt_authorization_middleware`` validates the bearer token on every request (RS256
    signature against the published keys, fetched once and cached by PyJWT's key client; audience the
    app id; issuer on the allow-list; lifetime with the SDK's five minutes of skew) and the adapter
    looks at its ``serviceurl`` claim beside the activity's (the host only: the SDK's own rule, where
    secbot requires the whole address). The SDK fetches the keys of tokens issued
    by Bot Framework from a fixed Microsoft address, so that address is pointed at the ``jwks_uri`` of
    the same fake OpenID metadata secbot reads. Outbound: an Entra ID token from MSAL (the same
    single-tenant client-secret connection as secbot's, with the token endpoint faked) on every reply.
    """
    import json
    import urllib.request

    from microsoft_agents.authentication.msal import MsalAuth
    from microsoft_agents.hosting.core import AgentAuthConfiguration, AuthTypes, ConnectionManager
    from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator

    from tests.fakes.teams_connector import APP_ID, APP_PASSWORD, ISSUER, TENANT_ID

    with urllib.request.urlopen(metadata_url, timeout=10) as response:
        jwks_uri = json.load(response)["jwks_uri"]
    jwt_token_validator.BOTFRAMEWORK_JWKS_URIS = {ISSUER: jwks_uri}
    config = AgentAuthConfiguration(
        AuthTypes.client_secret,
        APP_ID,
        TENANT_ID,
        APP_PASSWORD,
        anonymous_allowed=False,
        issuers=[ISSUER],
        validate_issuer=True,
    )
    return config, ConnectionManager(lambda connection: MsalAuth(connection), {"SERVICE_CONNECTION": config})


# -- secbot, with Entra ID's token endpoint faked in its process (--serve-secbot) ---------------
def run_secbot() -> int:
    from secbot.cli import main as secbot_main
    from tests.fakes.teams_connector import token_service

    with token_service():
        return secbot_main(["serve"])


# -- the fake Bot Connector (runs in its own process with --connector KEY_PEM PORT_FILE) ---------
def run_connector(key_pem: Path, port_file: Path) -> None:
    """``FakeTeams`` signing with the driver's key, plus ``/bench/count`` and ``/bench/reset``."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from tests.fakes.teams_connector import OUTBOUND_TOKEN, FakeTeams

    class BenchConnector(FakeTeams):
        def _web_app(self) -> web.Application:
            app = super()._web_app()
            app.router.add_get("/bench/count", self._count)
            app.router.add_post("/bench/reset", self._reset)
            return app

        async def _count(self, _request: web.Request) -> web.Response:
            with self._changed:
                calls = list(self.calls)
            counts: dict[str, dict[str, int]] = {}
            for call in calls:
                count = counts.setdefault(call.conversation_id, {"posts": 0, "cards": 0, "echoes": 0, "token": 0})
                count["posts"] += 1
                count["cards"] += any(
                    a.get("contentType") == "application/vnd.microsoft.card.adaptive"
                    for a in call.body.get("attachments") or []
                )
                count["echoes"] += call.body.get("text") == "MP161" and not call.body.get("attachments")
                count["token"] += call.token == OUTBOUND_TOKEN
            return web.json_response(counts)

        async def _reset(self, _request: web.Request) -> web.Response:
            self.reset()
            return web.json_response({})

    connector = BenchConnector()
    connector.key = load_pem_private_key(key_pem.read_bytes(), password=None)
    connector.start()
    written = port_file.with_suffix(".tmp")
    written.write_text(str(connector.port), encoding="utf-8")
    written.rename(port_file)
    threading.Event().wait()  # until terminated


async def connector_port(children: harness.Children, port_file: Path) -> int:
    deadline = time.monotonic() + harness.START_SECONDS
    while not port_file.exists():
        children.check("connector")
        if time.monotonic() > deadline:
            raise harness.ServerFailed("the fake Bot Connector did not come up", children.log("connector"))
        await asyncio.sleep(0.1)
    return int(port_file.read_text(encoding="utf-8"))


# -- the load --------------------------------------------------------------------------------
def messages(
    text: str, conversation: str, service_url: str, token: str | None
) -> Callable[[random.Random], tuple[bytes, dict[str, str]]]:
    """Personal-chat message activities, each with a new id; ``text`` may hold ``{n}``: each then asks about
    a different modification (as ``slack_http.command``)."""
    template = json.loads(PAYLOAD.read_text(encoding="utf-8"))
    template["serviceUrl"] = service_url
    template["conversation"]["id"] = conversation
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"

    numbers = harness.distinct_numbers(1, 9999)

    def make(_rng: random.Random) -> tuple[bytes, dict[str, str]]:
        activity = {**template, "id": str(next(_activity_ids)), "text": text.format(n=next(numbers))}
        return json.dumps(activity).encode(), headers

    return make


async def measure(args: argparse.Namespace, work: Path) -> tuple[dict[str, harness.Result], dict]:
    """Results by target, and the replies the connector received for each conversation."""
    from cryptography.hazmat.primitives import serialization

    from tests.fakes.teams_connector import APP_ID, APP_PASSWORD, TENANT_ID, FakeTeams

    database_url = harness.build_register(args.mods, work)
    # Each secbot gets its own copy of the register: both record every activity id they answer.
    register = work / "register.db"
    (work / "register-auth-on.db").write_bytes(register.read_bytes())
    # The driver signs the inbound tokens; the connector process publishes the public half.
    minter = FakeTeams()  # never started: its key, addresses and token() once the connector's port is known
    key_pem = work / "bot-framework-key.pem"
    key_pem.write_bytes(
        minter.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    port_file = work / "connector.port"
    bare_on_port, bare_port = harness.free_port(), harness.free_port()
    off_port, on_port = harness.free_port(), harness.free_port()
    common = {
        "SECBOT_HOST": "127.0.0.1",
        "SECBOT_LOAD_SAMPLE": "false",
        "SECBOT_TODAY": "2024-06-11",
        "SECBOT_DATA_DIR": str(work),
        "SECBOT_TEAMS_SERVICE_HOSTS": '["*"]',  # the connector is on 127.0.0.1
    }
    with harness.Children(work) as children:
        children.python("connector", __file__, "--connector", str(key_pem), str(port_file))
        minter.port = await connector_port(children, port_file)
        service_url = minter.service_url
        children.python("bare-auth-on", __file__, "--bare", str(bare_on_port), minter.metadata_url)
        children.python("bare", __file__, "--bare", str(bare_port))
        children.python(
            "secbot-auth-off",
            __file__,
            "--serve-secbot",
            settings={
                **common,
                "SECBOT_DATABASE_URL": database_url,
                "SECBOT_PORT": str(off_port),
                "SECBOT_TEAMS_AUTH": "off",
            },
        )
        children.python(
            "secbot-auth-on",
            __file__,
            "--serve-secbot",
            settings={
                **common,
                "SECBOT_DATABASE_URL": f"sqlite:///{work / 'register-auth-on.db'}",
                "SECBOT_PORT": str(on_port),
                "SECBOT_TEAMS_APP_ID": APP_ID,
                "SECBOT_TEAMS_APP_PASSWORD": APP_PASSWORD,
                "SECBOT_TEAMS_TENANT_ID": TENANT_ID,
                "SECBOT_TEAMS_OPENID_METADATA_URL": minter.metadata_url,
            },
        )
        # The Bot Connector reuses its token until it nears expiry; so does this driver.
        bot_framework_token = minter.token()

        def target(name: str, port: int, child: str, text: str, token: str | None) -> harness.Target:
            url = f"http://127.0.0.1:{port}{MESSAGES_PATH}"
            return harness.Target(name, url, messages(text, CONVERSATIONS[name], service_url, token), ACCEPTED, child)

        targets = [
            target(BARE_ON, bare_on_port, "bare-auth-on", "MP161", bot_framework_token),
            target(BARE, bare_port, "bare", "MP161", None),
            target(OFF, off_port, "secbot-auth-off", "MP161", None),
            target(ON, on_port, "secbot-auth-on", "MP161", bot_framework_token),
            target(MIXED, on_port, "secbot-auth-on", "MP{n:03d}", bot_framework_token),
        ]
        async with harness.session() as client:
            await harness.warm_up(targets, args.requests, args.concurrency, children)
            async with client.post(f"{minter.url}/bench/reset") as response:
                response.raise_for_status()
            results = await harness.alternate(targets, args.requests, args.concurrency, children=children)
            async with client.get(f"{minter.url}/bench/count") as response:
                response.raise_for_status()
                return results, await response.json()


async def main_async(args: argparse.Namespace) -> int:
    with harness.work_dir("secbot-teams-bench-") as work:
        results, counts = await measure(args, work)
    print(
        f"Teams HTTP benchmark — {args.mods} modifications (SQLite), {args.requests} message activities "
        f"per target, concurrency {args.concurrency}"
    )
    harness.print_table(results, "target")
    bare_on, bare_off = results[BARE_ON], results[BARE]
    on, mixed = results[ON].rps / bare_on.rps, results[MIXED].rps / bare_on.rps
    print("ratios of req/s, each against the bare app with the same auth (measured in this run):")
    print(f"  auth on,  cached   (secbot `MP161` / bare, both auth on): {on:.2f} ({verdict(on, TARGET_ON)})")
    print(f"  auth on,  uncached (secbot `MPnnn` / bare, both auth on): {mixed:.2f} ({verdict(mixed, TARGET_MIXED)})")
    print(f"  auth off, cached   (secbot `MP161` / bare, both auth off): {results[OFF].rps / bare_off.rps:.2f}")
    print(
        f"  (against the anonymous bare app, as before: auth on {results[ON].rps / bare_off.rps:.2f}, "
        f"uncached {results[MIXED].rps / bare_off.rps:.2f})"
    )
    print("(CPU ms/req: the server process's CPU time per request)")
    replied = print_replies(results, counts)
    return 0 if replied and not any(result.errors for result in results.values()) else 1


def verdict(ratio: float, target: float) -> str:
    return f"target ≥ {target}: {'PASS' if ratio >= target else 'FAIL'}"


def print_replies(results: dict[str, harness.Result], counts: dict[str, dict[str, int]]) -> bool:
    """What reached the connector for each target's measured requests; True if one reply each."""
    width = harness.name_width(results)
    heading = "replies at the fake connector"
    print(f"{heading:{width}} {'requests':>8} {'posts':>6} {'cards':>6} {'echoes':>6} {'token':>6}")
    problems = []
    for name, result in results.items():
        count = {"posts": 0, "cards": 0, "echoes": 0, "token": 0, **counts.get(CONVERSATIONS[name], {})}
        sent = result.requests
        print(
            f"{name:{width}} {sent:8d} {count['posts']:6d} {count['cards']:6d} {count['echoes']:6d} {count['token']:6d}"
        )
        if count["posts"] != sent:
            problems.append(f"{name}: {sent} requests but {count['posts']} replies at the connector")
    print("(cards: Adaptive Cards; echoes: the text sent back; token: secbot's Entra ID token on the reply)")
    for problem in problems:
        print(f"ERROR: {problem}")
    return not problems


def main() -> int:
    if len(sys.argv) >= 2 and sys.argv[1] == "--bare":
        run_bare(int(sys.argv[2]), sys.argv[3] if len(sys.argv) >= 4 else None)
        return 0
    if len(sys.argv) >= 2 and sys.argv[1] == "--connector":
        run_connector(Path(sys.argv[2]), Path(sys.argv[3]))
        return 0
    if len(sys.argv) >= 2 and sys.argv[1] == "--serve-secbot":
        return run_secbot()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mods", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    return harness.run(main_async(parser.parse_args()), "teams_http")


if __name__ == "__main__":
    raise SystemExit(main())
