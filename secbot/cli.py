"""The ``secbot`` command line: serve, shell, ask, import, ingest, sync, digest, db upgrade.

Every subcommand accepts ``--today YYYY-MM-DD`` (or ``SECBOT_TODAY``) to answer as the register
stood on that day.

Start-up cost matters here (``secbot ask`` is run by hand and from scripts; ``bench/cli_start.py``
measures it): the module imports only the standard library, and each subcommand imports what it
uses, so that ``--help`` touches no database library and ``ask`` no chat SDK.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from secbot import __version__

if TYPE_CHECKING:
    from secbot.settings import Settings

log = logging.getLogger("secbot")


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from error


def _parser(*, digest_kinds: bool = True) -> argparse.ArgumentParser:
    """The command line. ``digest_kinds=False`` leaves out the ``digest`` subcommand's kinds, whose help
    comes from the digest builders (the whole query layer): only ``secbot digest …`` needs them."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--today",
        type=_day,
        metavar="YYYY-MM-DD",
        help="answer as the register stood on this day (default: today in Europe/London)",
    )
    common.add_argument("--database-url", metavar="URL", help="override SECBOT_DATABASE_URL")
    parser = argparse.ArgumentParser(
        prog="secbot", description="The SEC Modifications Register in chat.", parents=[common]
    )
    parser.add_argument("--version", action="version", version=f"secbot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "serve",
        parents=[common],
        help="run the service (the shell door when no chat credentials are set; SECBOT_PORT also serves HTTP)",
    )
    sub.add_parser("shell", parents=[common], help="interactive shell with history")
    ask = sub.add_parser("ask", parents=[common], help='answer one question, e.g. secbot ask "MP161"')
    ask.add_argument("text", nargs="+", help="what you would type after /sec")
    ask.add_argument("--format", choices=("text", "json"), default="text")
    imp = sub.add_parser("import", parents=[common], help="import register files (YAML, CSV, XLSX) all or nothing")
    imp.add_argument("paths", nargs="*", type=Path, help="files or directories")
    imp.add_argument("--sample", action="store_true", help="import the bundled sample register")
    ingest = sub.add_parser(
        "ingest",
        parents=[common],
        help="read a SECAS Change Status Report (PDF or text) into import-format YAML; --apply imports it",
    )
    ingest.add_argument("report", type=Path, help="the report: a .pdf or .txt file")
    ingest.add_argument(
        "--output", type=Path, metavar="FILE.yaml", help="write the YAML here instead of standard output"
    )
    ingest.add_argument("--apply", action="store_true", help="import it into the register, all or nothing")
    sync = sub.add_parser(
        "sync", parents=[common], help="download the register from SECBOT_SYNC_URL and import it, all or nothing"
    )
    sync.add_argument("--url", metavar="URL", help="download from this HTTPS address instead of SECBOT_SYNC_URL")
    sync.add_argument("--force", action="store_true", help="download and import even if the file has not changed")
    digest = sub.add_parser("digest", parents=[common], help="build a digest of the register")
    digest_sub = digest.add_subparsers(dest="digest_command", required=True)
    if digest_kinds:
        _add_digest_kinds(digest_sub, common)
    db = sub.add_parser("db", parents=[common], help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", parents=[common], help="apply schema migrations")
    db_sub.add_parser("current", parents=[common], help="show the schema revision")
    return parser


def _add_digest_kinds(digest_sub, common: argparse.ArgumentParser) -> None:
    from secbot import platforms
    from secbot.digests.kinds import KINDS

    chat = [name for name in platforms.available() if name != "shell"]  # the shell's text is the Markdown
    for kind in KINDS.values():
        kind_parser = digest_sub.add_parser(kind.name, parents=[common], help=kind.about)
        kind_parser.add_argument(
            "--as-of", type=_day, metavar="YYYY-MM-DD", help="build it as of this day (like --today)"
        )
        kind_parser.add_argument(
            "--format",
            choices=("md", "html", *chat),
            default="md",
            help="Markdown, an HTML page, or a platform's chat messages as JSON (Block Kit, Adaptive Cards)",
        )
        kind_parser.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of standard output")


def _settings(args: argparse.Namespace) -> Settings:
    from secbot.settings import Settings

    overrides = {}
    if args.today:
        overrides["today"] = args.today
    if getattr(args, "as_of", None):  # `digest <kind> --as-of` sets the same clock
        overrides["today"] = args.as_of
    if args.database_url:
        overrides["database_url"] = args.database_url
    return Settings(**overrides)


def _settings_problems(error: ValueError) -> str:
    """What is wrong with the settings, one line each, naming the ``SECBOT_*`` variable: never the values
    given (pydantic's own message repeats every input, tokens and passwords included)."""
    lines = ["secbot: the settings are not usable (environment, or the .env file):"]
    for problem in getattr(error, "errors", lambda **_kw: [])(include_input=False, include_url=False):
        message = str(problem.get("msg", "")).removeprefix("Value error, ")
        where = f"SECBOT_{problem['loc'][0]}".upper() + ": " if problem.get("loc") else ""
        lines.append(f"  {where}{message}")
    return "\n".join(lines) if len(lines) > 1 else f"secbot: the settings are not usable: {error}"


def _audited_import(args: argparse.Namespace):
    """The audit row for a `secbot import` from the command line, written in the import's transaction."""
    from secbot.platforms.shell.door import SHELL_USER
    from secbot.roles import identity
    from secbot.store import audit

    def record(session, result) -> None:
        command = "secbot import " + " ".join(str(p) for p in args.paths)
        who = audit.Who(identity(SHELL_USER), "shell")
        audit.record(session, who, command, "import", audit.DONE, detail=result.summary_text())

    return record


def main(argv: list[str] | None = None) -> int:
    """The ``secbot`` command. It ends quietly, with status 1, when the reader of its output has gone."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # here, where a reader that has gone can be caught, rather than at exit
    except BrokenPipeError:  # `secbot ask … | head -1`: the reader had all it wanted
        return _stdout_gone()


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Subcommands are never abbreviated, so `digest` is in argv whenever it is the command.
    args = _parser(digest_kinds="digest" in argv).parse_args(argv)
    # Per-step and per-request chatter is not news to an operator (and costs time on every Teams reply).
    for chatty in ("alembic", "apscheduler", "microsoft_agents", "msal"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    logging.basicConfig(
        level=logging.INFO if args.command == "serve" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = _settings(args)
    except ValueError as error:  # pydantic's ValidationError: the settings are wrong
        print(_settings_problems(error), file=sys.stderr)
        return 2
    try:
        return _run(args, settings)
    except BrokenPipeError:
        raise  # standard output's reader has gone (see ``main``): not a database outage
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        from secbot import outages

        if not outages.is_outage(error):
            raise
        print(
            f"secbot: the register database cannot be reached just now ({outages.describe(error)}). "
            "Please try again in a minute.",
            file=sys.stderr,
        )
        return 1


def _stdout_gone() -> int:
    """End quietly once standard output's reader has closed it, as the Python docs' "Note on SIGPIPE"
    does: point stdout at /dev/null so that the interpreter's last flush does not fail again, exit 1.
    (Not SIGPIPE's default action, which would also end ``serve`` whenever a client hung up.)"""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a file descriptor (tests capture it): nothing to flush
        pass
    return 1


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    """``secbot ingest REPORT``: the YAML to standard output or ``--output``, warnings to standard error,
    and with ``--apply`` the import and what it changed."""
    from secbot.ingest.document import IngestError
    from secbot.ingest.report import ingest, to_yaml

    try:
        ingested = ingest(args.report)
    except IngestError as error:
        print(f"secbot ingest: {error}", file=sys.stderr)
        return 2
    text = to_yaml(ingested)
    for warning in ingested.warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    if args.output:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as error:
            print(f"secbot ingest: cannot write {args.output} ({error.strerror or error})", file=sys.stderr)
            return 2
        counts = ", ".join(f"{n} {table}" for table, n in ingested.count().items() if n)
        print(f"Wrote {args.output} from {args.report.name}: {counts or 'nothing'}.", file=sys.stderr)
    elif not args.apply:
        sys.stdout.write(text)
    if not args.apply:
        return 0
    import tempfile

    from secbot.app import build
    from secbot.store.importer.loader import ImportFailed, import_paths
    from secbot.store.importer.preview import preview

    with tempfile.TemporaryDirectory() as folder:
        written = args.output or Path(folder) / f"{args.report.stem}.yaml"
        if not args.output:
            written.write_text(text, encoding="utf-8")
        app = build(settings, load_sample=False)
        try:
            changes = preview(app.store, [written], max_mb=settings.import_max_mb)
            result = import_paths(app.store, [written], max_mb=settings.import_max_mb, relative_to=Path(folder))
        except ImportFailed as error:
            print(f"Import failed; the register is unchanged.\n{error}", file=sys.stderr)
            return 1
    if result.changed:
        print(f"What changed in the register: {changes.summary()}")
        for line in changes.lines():
            print(f"  {line}")
    print(result.summary_text())
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "ingest":  # reading a report needs no database: none is opened unless --apply
        return _ingest(args, settings)
    from secbot.app import build

    if args.command == "db":
        from secbot.store.db import current_revision, head_revision, make_engine, upgrade

        engine = make_engine(settings.resolved_database_url)
        if args.db_command == "upgrade":
            applied = upgrade(engine)
            print(f"Schema {'upgraded to' if applied else 'already at'} revision {current_revision(engine)}.")
        else:
            print(f"Schema revision {current_revision(engine)} (newest: {head_revision(engine)}).")
        return 0
    if args.command == "import":
        from secbot.store.importer.loader import ImportFailed, import_paths, import_sample

        if not args.paths and not args.sample:
            print("secbot import: give one or more files or directories, or --sample.", file=sys.stderr)
            return 2
        app = build(settings, load_sample=False)
        try:
            if args.sample:
                print(import_sample(app.store).summary_text())
            if args.paths:
                result = import_paths(
                    app.store, list(args.paths), before_commit=_audited_import(args), max_mb=settings.import_max_mb
                )
                print(result.summary_text())
        except ImportFailed as error:
            print(f"Import failed; the register is unchanged.\n{error}", file=sys.stderr)
            return 1
        return 0
    if args.command == "sync":
        from secbot.store.sync import sync_register

        if args.url:
            settings = settings.model_copy(update={"sync_url": args.url})
        if not settings.sync_url:
            print(
                "secbot sync: no register address is set. Set SECBOT_SYNC_URL to the HTTPS address of the "
                "register workbook (or CSV file), or give --url.",
                file=sys.stderr,
            )
            return 2
        result = sync_register(build(settings, load_sample=False).store, settings, force=args.force)
        print(result.message, file=sys.stdout if result.ok else sys.stderr)
        return 0 if result.ok else 1
    from secbot import platforms

    app = build(settings, platforms=platforms.words())
    if args.command == "ask":
        from secbot.platforms.shell.door import ask

        text, _reply = ask(app, " ".join(args.text), args.format)
        print(text)
        return 0
    if args.command == "digest":
        from secbot.digests import kinds

        document = kinds.build(args.digest_command, app.register, register_url=settings.register_url)
        if document is None:
            print(kinds.nothing_to_send(args.digest_command, app.register))
            return 0
        if args.format not in ("md", "html"):
            import json

            from secbot.digests.messages import document_replies

            platform = platforms.package(args.format)
            messages = platform.render_digest(document_replies(document), None)
            text = json.dumps(platform.to_json(messages), ensure_ascii=False, indent=2) + "\n"
        else:
            from secbot.digests.render import render

            text = render(document, args.format)
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0
    if args.command == "serve" and settings.serves_http:
        return _serve_http(app, settings)
    if args.command in ("shell", "serve"):
        from secbot.platforms.shell.door import run_shell

        if args.command == "serve":
            log.info(
                "no chat credentials are set: serving the local shell door (database %s); "
                "set SECBOT_PORT to serve /healthz and /calendar.ics too",
                settings.resolved_database_url.split("@")[-1],
            )
        return run_shell(app, history_file=settings.data_dir / "shell_history")
    raise AssertionError(args.command)


def _serve_http(app, settings: Settings) -> int:
    """``secbot serve`` with HTTP: in the foreground, or, with no chat platform on and a person at the
    terminal, beside the shell door (leaving the shell stops the service)."""
    import asyncio

    from secbot import platforms
    from secbot.server import CannotListen, serve, serving_beside

    try:
        if platforms.enabled(settings) or sys.stdin is None or not sys.stdin.isatty():
            asyncio.run(serve(app))
            return 0
        from secbot.platforms.shell.door import run_shell

        log.info(
            "no chat credentials are set: serving HTTP and the local shell door (database %s)",
            settings.resolved_database_url.split("@")[-1],
        )
        with serving_beside(app):
            return run_shell(app, history_file=settings.data_dir / "shell_history")
    except CannotListen as error:
        print(f"secbot serve: {error}", file=sys.stderr)
        return 1
