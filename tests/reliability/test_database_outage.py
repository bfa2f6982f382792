"""PostgreSQL drops every connection, or restarts, under load: the portal recovers by itself.

The portal runs as in production, under gunicorn with two sync workers that keep their database connection between
requests (CONN_MAX_AGE) and check it before use (CONN_HEALTH_CHECKS). Three clients call it in a loop: /health/
(a query) and /api/me/ (token, user and student looked up). Nothing is restarted by the test except PostgreSQL.

The machine's PostgreSQL is shared with other engineers, so it is never restarted: the first test makes it drop
every connection to this test run's own database (pg_terminate_backend), the second restarts a private PostgreSQL
cluster that it creates in a temporary folder (initdb, as user postgres when run as root).
"""

import glob
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.reliability.conftest import database_url, free_port, portal_environment, record_figure, wait_until

pytestmark = pytest.mark.worker

CLIENTS = 3
PAUSE = 0.03  # between one client's requests: stays well below the API's 600 requests a minute per user
LOAD_LIMIT = 60  # seconds: a client stops by itself after this, whatever happens to the test
GUNICORN_WORKERS = 2


def _get(url: str, headers: dict | None = None, timeout: float = 5) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def start_gunicorn(processes, env: dict[str, str]):
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "portal.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={GUNICORN_WORKERS}",
        "--timeout=30",
        "--graceful-timeout=2",
        "--access-logfile=-",
    ]
    web = processes.spawn("gunicorn", argv, env=env)
    base = f"http://127.0.0.1:{port}"

    def healthy():
        try:
            return _get(f"{base}/health/", timeout=2)[0] == 200
        except OSError:
            return False

    assert wait_until(healthy, timeout=20, interval=0.2), f"gunicorn did not become healthy:\n{web.log()[-3000:]}"
    return web, base


class RequestLoad:
    """Clients calling the portal in a loop; every answer is recorded with the moments its request started and ended."""

    def __init__(self, base: str, *, token: str, student_id: str):
        self.base, self.token, self.student_id = base, token, student_id
        self.results: list[tuple[float, float, bool, str]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(CLIENTS)]

    def _call(self, path: str) -> tuple[bool, str]:
        try:
            status, body = _get(f"{self.base}{path}", {"Authorization": f"Token {self.token}"})
        except Exception as exc:
            return False, f"{path} {type(exc).__name__}"
        if status != 200:
            return False, f"{path} {status}"
        if path == "/api/me/" and json.loads(body).get("student_id") != self.student_id:
            return False, f"{path} wrong answer"
        return True, f"{path} 200"

    def _client(self, index: int) -> None:
        paths = ("/health/", "/api/me/")
        deadline = time.monotonic() + LOAD_LIMIT
        while not self._stop.is_set() and time.monotonic() < deadline:
            path = paths[index % 2]
            index += 1
            started = time.monotonic()
            ok, detail = self._call(path)
            with self._lock:
                self.results.append((started, time.monotonic(), ok, detail))
            time.sleep(PAUSE)

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def failed(self, since: float = 0.0, until: float = float("inf")) -> list[str]:
        """The failed requests that were under way at some moment between `since` and `until`."""
        return [detail for ok, detail in self._between(since, until) if not ok]

    def failed_before(self, moment: float) -> list[str]:
        """The failed requests that were over before `moment`."""
        with self._lock:
            return [detail for _, ended, ok, detail in self.results if not ok and ended < moment]

    def count(self, since: float = 0.0, until: float = float("inf")) -> int:
        return len(self._between(since, until))

    def _between(self, since: float, until: float) -> list[tuple[bool, str]]:
        with self._lock:
            return [(ok, detail) for started, ended, ok, detail in self.results if ended >= since and started <= until]


@pytest.fixture
def api_student(transactional_db, student):
    """Amina with an API token, committed so that the gunicorn processes see her."""
    return student, Token.objects.create(user=student.user).key


def _drop_every_connection(*, keep_pid: int) -> int:
    """Terminate every session on this test run's database, as a PostgreSQL restart would (but the test's own)."""
    db = settings.DATABASES["default"]
    admin = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db.get("PASSWORD") or None, host=db["HOST"], port=db["PORT"]
    )
    with closing(admin):
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid() AND pid <> %s",
                [db["NAME"], keep_pid],
            )
            return cursor.fetchone()[0]


def test_the_portal_recovers_by_itself_when_postgresql_drops_every_connection(processes, api_student):
    student, token = api_student
    web, base = start_gunicorn(processes, portal_environment())
    # The test's own connection survives: pytest-django needs it to empty the tables afterwards.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]

    dropped = []
    with RequestLoad(base, token=token, student_id=student.student_id) as load:
        time.sleep(1)
        dropped.append(_drop_every_connection(keep_pid=own_pid))
        time.sleep(1)
        dropped.append(_drop_every_connection(keep_pid=own_pid))
        last_drop = time.monotonic()
        time.sleep(1.5)

    failed = load.failed()
    record_figure("connections dropped by PostgreSQL (2 rounds)", sum(dropped))
    record_figure("requests failed after PostgreSQL dropped every connection", f"{len(failed)} of {load.count()}")
    record_figure("portal processes restarted to recover", web.log().count("Booting worker") - GUNICORN_WORKERS)
    assert all(count >= 1 for count in dropped), "the load should have kept connections open to drop"
    # Each dropped connection may cost at most the one request that was using it at that moment.
    assert len(failed) <= sum(dropped), failed
    assert load.count(since=last_drop + 0.5) >= 10 and not load.failed(since=last_drop + 0.5)
    assert web.alive() and web.log().count("Booting worker") == GUNICORN_WORKERS


# --- A private PostgreSQL cluster, restarted for real ------------------------------------------------------------


def _postgres_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        pytest.fail("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    return Path(found[-1]).parent


class PrivatePostgres:
    """A PostgreSQL cluster of this test alone, in a temporary folder, on a free port."""

    def __init__(self, processes, root: Path):
        self.processes, self.root = processes, root
        self.bindir = _postgres_bindir()
        self.port = free_port()
        self.data = root / "data"
        # initdb and postgres refuse to run as root; as root, run them as the postgres user.
        self.as_user = {"user": "postgres", "group": "postgres", "extra_groups": []} if os.geteuid() == 0 else {}
        if self.as_user:
            account = pwd.getpwnam("postgres")
            os.chown(root, account.pw_uid, account.pw_gid)
        self.process = None

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def init(self) -> None:
        initdb = [str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
        options = ["--no-sync", "--encoding=UTF8", "--locale=C.UTF-8"]
        subprocess.run([*initdb, *options], check=True, capture_output=True, timeout=60, cwd=self.root, **self.as_user)

    def ready(self) -> bool:
        try:
            with closing(psycopg2.connect(self.url(), connect_timeout=1)):
                return True
        except psycopg2.OperationalError:
            return False

    def start(self) -> None:
        argv = [str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port), "-k", str(self.root)]
        for option in ("listen_addresses=127.0.0.1", "fsync=off", "full_page_writes=off"):
            argv += ["-c", option]
        # SIGINT: PostgreSQL's fast shutdown (sessions are ended, not waited for).
        self.process = self.processes.spawn("postgres", argv, cwd=self.root, stop_signal=signal.SIGINT, **self.as_user)
        assert wait_until(self.ready, timeout=20, interval=0.1), self.process.log()[-3000:]

    def stop_fast(self) -> None:
        """`pg_ctl stop -m fast`: end every session, write a checkpoint, exit."""
        os.kill(self.process.pid, signal.SIGINT)
        self.process.popen.wait(timeout=20)


@pytest.fixture
def private_postgres(processes):
    root = Path(tempfile.mkdtemp(prefix="isa-pg-"))
    try:
        cluster = PrivatePostgres(processes, root)
        cluster.init()
        cluster.start()
        yield cluster
        # This fixture ends before the processes fixture: stop the server before its files are removed.
        if cluster.process is not None:
            cluster.process.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_the_portal_recovers_by_itself_when_postgresql_restarts(processes, api_student, private_postgres, tmp_path):
    student, token = api_student
    # The private cluster gets a copy of this test's database, Amina and her token included.
    dump = tmp_path / "portal.dump"
    bindir = private_postgres.bindir
    subprocess.run([bindir / "pg_dump", "-Fc", "-f", dump, database_url()], check=True, timeout=60)
    with closing(psycopg2.connect(private_postgres.url())) as admin:
        admin.autocommit = True
        admin.cursor().execute("CREATE DATABASE portal")
    restore = [bindir / "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
    subprocess.run([*restore, "-d", private_postgres.url("portal"), dump], check=True, timeout=60)
    web, base = start_gunicorn(processes, portal_environment(DATABASE_URL=private_postgres.url("portal")))

    with RequestLoad(base, token=token, student_id=student.student_id) as load:
        time.sleep(1)
        down = time.monotonic()
        private_postgres.stop_fast()
        private_postgres.start()
        up = time.monotonic()
        time.sleep(2)

    # A request counts for every period it overlapped.
    during, after = load.failed(down, up), load.failed(since=up)
    record_figure("PostgreSQL restart (fast stop + start) took (s)", f"{up - down:.1f}")
    record_figure("requests failed while PostgreSQL restarted", f"{len(during)} of {load.count(down, up)}")
    record_figure("requests failed after PostgreSQL was back", f"{len(after)} of {load.count(since=up)}")
    record_figure("portal processes restarted to recover", web.log().count("Booting worker") - GUNICORN_WORKERS)
    assert load.failed_before(down) == []
    # At most the request each gunicorn worker had under way as PostgreSQL came back; none after that.
    assert len(after) <= GUNICORN_WORKERS, after
    assert load.count(since=up + 0.5) >= 10 and not load.failed(since=up + 0.5)
    assert web.alive() and web.log().count("Booting worker") == GUNICORN_WORKERS
