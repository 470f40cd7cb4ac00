"""A database that a test can take away and give back, the way an outage takes it.

``outage_database(tmp_path)`` yields an ``OutageDatabase``: the URL to build the app on, ``cut(store)``
and ``restore()``.

* SQLite: the file lives in a directory of its own. ``cut`` renames the directory, so no new
  connection can open the file, and closes the engine's pooled connections (open file handles
  would go on reading the renamed file, as they would on a disk that is still mounted);
  ``restore`` renames it back.
* PostgreSQL (``SECBOT_TEST_DATABASE_URL``): the service connects through ``CuttableProxy``, a local
  TCP proxy. ``cut`` stops it listening and drops every connection through it, as a failed database
  host or network does; ``restore`` listens again on the same port.

Nothing in secbot is replaced: its engine meets the outage where it would in production.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

from secbot.store.db import Store
from tests.servers import free_port
from tests.support.databases import is_postgres, leased


class CuttableProxy:
    """Forwards 127.0.0.1:<port> to ``target`` until cut; each connection is two pumping threads."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR: the port again after a cut
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True, name="db-proxy").start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
        with self._lock:
            dropped, self._open = self._open, set()
        for sock in dropped:
            _close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # cut
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True, name="db-proxy-pump").start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open -= {source, sink}
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in accept() or recv() on it
    sock.close()


class OutageDatabase:
    def __init__(self, url: str, *, directory: Path | None = None, proxy: CuttableProxy | None = None) -> None:
        self.url, self._directory, self._proxy = url, directory, proxy

    def cut(self, store: Store) -> None:
        if self._proxy is not None:
            self._proxy.cut()
            return
        self._directory.rename(self._directory.with_name(self._directory.name + "-away"))
        store.engine.dispose()

    def restore(self) -> None:
        if self._proxy is not None:
            self._proxy.start()
            return
        self._directory.with_name(self._directory.name + "-away").rename(self._directory)

    @contextlib.contextmanager
    def down(self, store: Store) -> Iterator[None]:
        """The database out of reach until the block ends."""
        self.cut(store)
        try:
            yield
        finally:
            self.restore()


@contextlib.contextmanager
def outage_database(tmp_path: Path, kind: str = "fresh") -> Iterator[OutageDatabase]:
    """A database that can be cut and restored: fresh and empty (not yet migrated), or of another ``kind``
    of tests/support/databases.py ("sample": the sample register as a first start leaves it)."""
    if not is_postgres():
        directory = tmp_path / "database"
        directory.mkdir()
        with leased(kind, directory) as url:
            yield OutageDatabase(url, directory=directory)
        return
    with leased(kind, tmp_path) as url, _proxied(url) as database:
        yield database


@contextlib.contextmanager
def _proxied(url: str) -> Iterator[OutageDatabase]:
    parsed = make_url(url)
    proxy = CuttableProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
    proxy.start()
    try:
        yield OutageDatabase(
            parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), proxy=proxy
        )
    finally:
        proxy.cut()
