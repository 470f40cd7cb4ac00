"""`secbot serve` without chat credentials, over real sockets: HTTP (`/healthz`, `/calendar.ics`,
`/charts/…`) whenever SECBOT_PORT is set, in the foreground or beside the shell door in a terminal."""

from __future__ import annotations

import os
import pty
import selectors
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

DEADLINE_SECONDS = 60  # a cold start migrates the database and loads the sample register first


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(db_url: str, tmp_path, port: int, stdin) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECBOT_")}
    env |= {
        "SECBOT_DATABASE_URL": db_url,
        "SECBOT_DATA_DIR": str(tmp_path),
        "SECBOT_HOST": "127.0.0.1",
        "SECBOT_PORT": str(port),
        "SECBOT_TODAY": "2021-06-11",
    }
    command = [sys.executable, "-m", "secbot", "serve"]
    return subprocess.Popen(command, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def _wait_until_healthy(base: str, child: subprocess.Popen) -> requests.Response:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        assert child.poll() is None, child.stderr.read().decode()
        try:
            return requests.get(f"{base}/healthz", timeout=5)
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("secbot serve did not answer /healthz in time")


def _read_until(child: subprocess.Popen, text: bytes) -> bytes:
    seen = b""
    deadline = time.monotonic() + DEADLINE_SECONDS
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        while text not in seen and time.monotonic() < deadline:
            if selector.select(timeout=1):
                seen += os.read(child.stdout.fileno(), 65536)
    assert text in seen, seen.decode(errors="replace")
    return seen


@pytest.fixture
def stop():
    children: list[subprocess.Popen] = []
    yield children.append
    for child in children:
        if child.poll() is None:
            child.kill()
            child.wait(10)


def test_with_a_port_and_no_chat_credentials_serve_answers_http_until_stopped(sample_db_url, tmp_path, stop):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    child = _start(
        sample_db_url, tmp_path, port, subprocess.DEVNULL
    )  # no terminal: no shell, so end of input ends nothing
    stop(child)

    health = _wait_until_healthy(base, child)
    calendar = requests.get(f"{base}/calendar.ics", params={"ref": "MP161"}, timeout=30)
    chart = requests.get(f"{base}/charts/weekly-2021-06.png", timeout=30)

    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert calendar.status_code == 200 and calendar.headers["Content-Type"].startswith("text/calendar")
    assert calendar.text.startswith("BEGIN:VCALENDAR") and "MP161" in calendar.text
    assert chart.status_code == 404 and "No digest called weekly" in chart.text  # the charts route is there
    child.send_signal(signal.SIGINT)
    assert child.wait(30) == 130
    assert b"Traceback" not in child.stderr.read()


def test_in_a_terminal_serve_gives_the_shell_beside_http_and_quitting_stops_both(sample_db_url, tmp_path, stop):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    terminal, child_side = pty.openpty()
    try:
        child = _start(sample_db_url, tmp_path, port, child_side)
    finally:
        os.close(child_side)
    stop(child)
    try:
        assert _wait_until_healthy(base, child).status_code == 200
        calendar = requests.get(f"{base}/calendar.ics", timeout=30)
        assert calendar.status_code == 200 and calendar.text.startswith("BEGIN:VCALENDAR")

        os.write(terminal, b"DP162\n")
        assert b"DP162: SEC changes required to deliver MHHS" in _read_until(child, b"Proposer")
        os.write(terminal, b"quit\n")
        assert child.wait(30) == 0  # leaving the shell stops the HTTP service with it
    finally:
        os.close(terminal)
    assert b"Traceback" not in child.stderr.read()
