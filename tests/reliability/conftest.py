"""Machinery of the reliability tests: private Redis servers, an SMTP sink, and real portal processes.

Everything these tests break is their own: a redis-server on a free port (never the machine's shared Redis on 6379),
an SMTP server in a thread (so emails can be counted, and held in the middle of a delivery), and Celery, beat and
gunicorn processes that use this test run's own database. Each process gets a session of its own, and its whole
process group is killed at teardown, before the database is emptied.

Each test records the figure it proves with `record_figure`; they are printed at the end of the run under
"reliability figures", so they can be quoted.
"""

import email
import json
import os
import select
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

FIGURES: list[tuple[str, str]] = []

# Upper bounds of every wait, in seconds: a broken machine fails the test instead of hanging it.
START_TIMEOUT = 20
HOLD_LIMIT = 30


def record_figure(label: str, value) -> None:
    """Print a figure the test proves ("duplicate sends under worker kill: 0") and keep it for the run's summary."""
    FIGURES.append((label, str(value)))
    print(f"FIGURE {label}: {value}")


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("reliability figures")
        for label, value in FIGURES:
            terminalreporter.write_line(f"{label}: {value}")


def wait_until(predicate, *, timeout: float, interval: float = 0.05) -> bool:
    """Poll `predicate` until it is true (returns True) or `timeout` seconds have passed (returns False)."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(name: str | None = None) -> str:
    """The URL of this test run's database (pytest-django's test_<name>), as the portal's processes read it."""
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name or db['NAME']}"


def portal_environment(*, broker_url: str = "", smtp_port: int | None = None, **extra: str) -> dict[str, str]:
    """The environment of a portal process (worker, beat, web) that shares this test's database and files.

    PORTAL_ENV is "development", not "test": test mode forces the in-memory email backend, and these processes
    must deliver to the SMTP sink, where the test can count (and hold) what they send.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "DJANGO_"))}
    env.update(
        PORTAL_ENV="development",
        DEBUG="false",
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=broker_url,
        REDIS_URL="",
        PRIVATE_STORAGE_ROOT=str(settings.PRIVATE_STORAGE_ROOT),
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}" if smtp_port else "consolemail://",
        # Django's system checks at start-up cost time and are not what these tests are about.
        CELERY_SKIP_CHECKS="1",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


# --- Processes ------------------------------------------------------------------------------------------------


class Process:
    """A process started in its own session, with its output in a log file."""

    def __init__(self, name: str, popen: subprocess.Popen, log_path: Path, stop_signal: int):
        self.name, self.popen, self.log_path, self.stop_signal = name, popen, log_path, stop_signal

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_for_log(self, text: str, *, timeout: float = START_TIMEOUT, count: int = 1) -> None:
        if not wait_until(lambda: self.log().count(text) >= count or not self.alive(), timeout=timeout, interval=0.1):
            raise AssertionError(f"{self.name} did not log {text!r} within {timeout}s:\n{self.log()[-3000:]}")
        if self.log().count(text) < count:
            raise AssertionError(f"{self.name} exited ({self.popen.returncode}) before {text!r}:\n{self.log()[-3000:]}")

    def signal_group(self, signum: int) -> None:
        try:
            os.killpg(self.popen.pid, signum)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """SIGKILL the whole process group (a worker's pool children too), as the OOM killer or a power cut would."""
        self.signal_group(signal.SIGKILL)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def stop(self, timeout: float = 5) -> None:
        """Send the stop signal (SIGKILL unless the process has state worth a clean stop), then kill whatever is
        left of its group."""
        if self.alive():
            self.signal_group(self.stop_signal)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of the group (a pool child, a grandchild) goes too.
        self.kill()


class Processes:
    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.started: list[Process] = []

    def spawn(
        self,
        name: str,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        cwd=None,
        stop_signal: int = signal.SIGKILL,
        **popen_options,
    ) -> Process:
        log_path = self.log_dir / f"{name}-{len(self.started)}.log"
        with open(log_path, "wb") as log:
            popen = subprocess.Popen(
                argv,
                env=env,
                cwd=cwd or settings.BASE_DIR,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **popen_options,
            )
        process = Process(name, popen, log_path, stop_signal)
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            process.stop()


@pytest.fixture
def processes(transactional_db, tmp_path):
    """Start processes that are all stopped at teardown (before transactional_db empties the tables they use)."""
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    started = Processes(log_dir)
    try:
        yield started
    finally:
        started.stop_all()


def celery_argv(*arguments: str) -> list[str]:
    """The `celery -A portal ...` command line, with this virtualenv's Python."""
    return [sys.executable, "-m", "celery", "-A", "portal", *arguments]


# Starts a worker with extra broker transport options (JSON in RELIABILITY_TRANSPORT_OPTIONS) merged into the
# portal's own, since settings.py has no environment variable for them.
WORKER_WITH_TRANSPORT_OPTIONS = """
import json, os, sys
from portal.celery import app
extra = json.loads(os.environ["RELIABILITY_TRANSPORT_OPTIONS"])
app.conf.broker_transport_options = {**app.conf.broker_transport_options, **extra}
app.worker_main(["worker", *sys.argv[1:]])
"""


def start_worker_process(
    processes: Processes, env: dict[str, str], *, pool: str = "solo", concurrency: int = 1, transport_options=None
) -> Process:
    arguments = [
        f"--pool={pool}",
        f"--concurrency={concurrency}",
        "--loglevel=INFO",
        f"--hostname=reliability-{uuid.uuid4().hex[:8]}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if transport_options:
        env = {**env, "RELIABILITY_TRANSPORT_OPTIONS": json.dumps(transport_options)}
        argv = [sys.executable, "-c", WORKER_WITH_TRANSPORT_OPTIONS, *arguments]
    else:
        argv = celery_argv("worker", *arguments)
    worker = processes.spawn("worker", argv, env=env)
    worker.wait_for_log(" ready.")
    return worker


# --- A private Redis --------------------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of this test alone, on a free port, that the test may kill and start again."""

    def __init__(self, processes: Processes):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            pytest.fail("redis-server is not installed (scripts/test.sh installs it): these tests need their own Redis")
        self.processes = processes
        self.port = free_port()
        self.process: Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1, socket_timeout=5)

    def ping(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:
            return False

    def start(self) -> "RedisServer":
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = self.processes.spawn("redis", [*argv, "--daemonize", "no"])
        if not wait_until(self.ping, timeout=10):
            raise AssertionError(f"redis-server did not answer on port {self.port}:\n{self.process.log()}")
        return self

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
        assert not self.ping()


@pytest.fixture
def redis_server(processes):
    return RedisServer(processes).start()


# --- In-process Celery on the private Redis ------------------------------------------------------------------------


def _drop_connection_pools(app) -> None:
    # The app caches broker connections per URL; forget them (without closing, see tests/portal/test_queue.py)
    # so the next send uses the current broker_url.
    app._pool = None
    if "amqp" in app.__dict__:
        app.__dict__["amqp"]._producer_pool = None


@contextmanager
def celery_app_on(broker_url: str):
    """Make this process queue tasks on `broker_url` as the web process does in production (not in-process)."""
    from portal.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = broker_url, False
    _drop_connection_pools(app)
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        _drop_connection_pools(app)


# --- An SMTP sink ------------------------------------------------------------------------------------------------


class _ThreadingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    """A minimal SMTP server in a thread that records every message it acknowledges.

    Like a real mail server, a message counts as delivered only once the server has answered "250" after its
    last line; a sender that hangs up before that has delivered nothing. `hold(n)` makes the server keep the
    next n messages waiting for that answer (as a slow server would) until `release` is set or the sender dies.
    """

    def __init__(self):
        self.delivered: list[email.message.Message] = []
        self.dropped = 0
        self.holding = threading.Event()
        self.release = threading.Event()
        self._to_hold = 0
        self._lock = threading.Lock()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = HOLD_LIMIT

            def handle(self):
                try:
                    sink._converse(self)
                except (ConnectionError, TimeoutError, OSError):
                    pass

        self._server = _ThreadingServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    def hold(self, count: int = 1) -> None:
        with self._lock:
            self._to_hold = count
        self.holding.clear()
        self.release.clear()

    def subjects(self) -> list[str]:
        with self._lock:
            return [" ".join(str(message["Subject"]).split()) for message in self.delivered]

    def recipients(self) -> list[str]:
        with self._lock:
            return [str(message["To"]) for message in self.delivered]

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def _converse(self, handler) -> None:
        def reply(line: str) -> None:
            handler.wfile.write(line.encode() + b"\r\n")

        reply("220 sink.test ESMTP")
        while True:
            line = handler.rfile.readline(65536)
            if not line:
                return
            command = line.decode("ascii", "replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                reply("250 sink.test")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                reply("250 OK")
            elif command == "DATA":
                reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    data = handler.rfile.readline(65536)
                    if not data:
                        return  # the sender hung up in the middle of the message
                    if data in (b".\r\n", b".\n"):
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                if self._take_hold() and not self._held_until_released(handler.connection):
                    with self._lock:
                        self.dropped += 1
                    return
                with self._lock:
                    self.delivered.append(email.message_from_bytes(b"".join(lines)))
                reply("250 OK queued")
            elif command == "QUIT":
                reply("221 Bye")
                return
            else:
                reply("502 Not implemented")

    def _take_hold(self) -> bool:
        with self._lock:
            if self._to_hold <= 0:
                return False
            self._to_hold -= 1
            return True

    def _held_until_released(self, connection: socket.socket) -> bool:
        """Wait before answering; False when the sender hung up meanwhile (it was killed)."""
        self.holding.set()
        deadline = time.monotonic() + HOLD_LIMIT
        while not self.release.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([connection], [], [], 0.05)
            if readable:
                try:
                    if not connection.recv(1, socket.MSG_PEEK):
                        return False
                except ConnectionError:
                    return False
        return True


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    try:
        yield sink
    finally:
        sink.close()
