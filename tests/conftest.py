"""Fixtures: the app on a real database (SQLite, or PostgreSQL via TEST_DATABASE_URL),
per-test isolation, clients, factories, two ways to log in, a clock, a query counter,
a live server and a real Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from app import create_app
from app.clock import now as clock_now
from app.extensions import db as _db
from app.extensions import limiter
from app.models import Couple, Practice, User
from app.services.accounts import create_practice, create_user
from app.services.couples import PartnerDetails, create_couple
from app.services.invitations import accept

PASSWORD = "a long test passphrase"
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# --- databases -----------------------------------------------------------------------


def _server_url(url: str, database: str) -> str:
    return sa.make_url(url).set(database=database).render_as_string(hide_password=False)


@contextlib.contextmanager
def fresh_database(tmp_dir: Path, label: str) -> Iterator[str]:
    """A new empty database for one test run: a SQLite file, or a uniquely named
    PostgreSQL database on the TEST_DATABASE_URL server, dropped afterwards."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_dir / (label + '.db')}"
        return
    from app.config import normalise_database_url

    base = normalise_database_url(base)
    name = f"rekindle_{label}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        if IN_CI:
            raise
        pytest.skip(f"PostgreSQL unreachable at TEST_DATABASE_URL: {error.orig}")
    try:
        yield _server_url(base, name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_test_app(database_url: str, instance: Path, **overrides) -> object:
    """An app in testing mode on the given database."""
    application = create_app(
        {
            "REKINDLE_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(instance),
            **overrides,
        }
    )
    application.test_client_class = IsolatedClient
    return application


class IsolatedClient(FlaskClient):
    """Sends each request from a fresh thread, so it gets its own app context,
    database session and `g`, exactly as in production, even while the test body
    holds an app context of its own."""

    def open(self, *args, **kwargs):
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(FlaskClient.open, self, *args, **kwargs).result()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The application on a migrated database shared by the whole run."""
    tmp = tmp_path_factory.mktemp("app")
    with fresh_database(tmp, "suite") as url:
        application = make_test_app(url, tmp / "instance")
        application.test_client_class = IsolatedClient
        with application.app_context():
            flask_migrate.upgrade()
        yield application
        with application.app_context():
            _db.engine.dispose()


@pytest.fixture
def empty_app(tmp_path):
    """An app on a database of its own with no schema yet (for migration tests), inside
    its app context."""
    with fresh_database(tmp_path, "empty") as url:
        application = make_test_app(url, tmp_path / "instance")
        with application.app_context():
            yield application
            _db.session.remove()
            _db.engine.dispose()


@contextlib.contextmanager
def audit_guard_lifted(conn: sa.Connection) -> Iterator[None]:
    """Within the connection's transaction, the database lets audit events be changed and
    deleted, as someone who owns it could: a PostgreSQL superuser switches triggers off
    for the transaction; on SQLite the triggers are dropped and made again."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        yield
        conn.execute(sa.text("SET LOCAL session_replication_role = DEFAULT"))
        return
    triggers = conn.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
        "AND tbl_name = 'audit_events'")).all()
    for name, _sql in triggers:
        conn.execute(sa.text(f'DROP TRIGGER "{name}"'))
    yield
    for _name, sql in triggers:
        conn.execute(sa.text(sql))


def _truncate_all(application) -> None:
    with application.app_context():
        tables = [t.name for t in _db.metadata.sorted_tables]
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(
                    sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
                )
            else:
                with audit_guard_lifted(conn):
                    for table in reversed(tables):
                        conn.execute(sa.text(f"DELETE FROM {table}"))
            # As the migrations leave it: the audit chain's head row exists.
            conn.execute(sa.text(
                "INSERT INTO audit_chain_heads (id, last_sequence, last_hmac) "
                "VALUES (1, 0, :genesis)"), {"genesis": "0" * 64})
        _db.session.remove()


@pytest.fixture(autouse=True)
def _isolate(request):
    """Every test that touches the app starts and ends with empty tables and a real clock."""
    yield
    if "app" in request.fixturenames:
        application = request.getfixturevalue("app")
        application.extensions["rekindle.clock"].reset()
        _truncate_all(application)
        limiter.reset()
        checkpoint = Path(application.config["AUDIT_CHECKPOINT_PATH"])
        checkpoint.unlink(missing_ok=True)


@pytest.fixture
def db(app):
    """The database, inside an app context for the test body."""
    with app.app_context():
        yield _db
        _db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def clock(app):
    """The FrozenClock of the test app: clock.set(aware datetime) moves "now"."""
    return app.extensions["rekindle.clock"]


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories -------------------------------------------------------------------------


@pytest.fixture
def make_practice(db) -> Callable[..., Practice]:
    counter = iter(range(1, 10_000))

    def _make(name: str | None = None, **kwargs) -> Practice:
        practice = create_practice(name or f"Practice {next(counter)}", **kwargs)
        db.session.commit()
        return practice

    return _make


@pytest.fixture
def make_user(db, make_practice) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def _make(
        roles=("therapist",), *, practice: Practice | None = None, email=None, name=None, **kw
    ) -> User:
        n = next(counter)
        user = create_user(
            practice or make_practice(),
            email=email or f"user{n}-{uuid.uuid4().hex[:6]}@example.org",
            name=name or f"User {n}",
            roles=set(roles),
            password=kw.pop("password", PASSWORD),
            **kw,
        )
        db.session.commit()
        return user

    return _make


@pytest.fixture
def make_therapist(make_user) -> Callable[..., User]:
    return lambda **kw: make_user(("therapist",), **kw)


@pytest.fixture
def make_couple(db, make_therapist) -> Callable[..., Couple]:
    """A couple whose two partners accepted their invitations with PASSWORD."""

    def _make(
        therapist: User | None = None, *, policy="limited", timezone="UTC", joined=True
    ) -> Couple:
        therapist = therapist or make_therapist()
        tag = uuid.uuid4().hex[:6]
        created = create_couple(
            therapist,
            name=f"Couple {tag}",
            partners=[
                PartnerDetails(f"Partner A {tag}", f"a-{tag}@example.org"),
                PartnerDetails(f"Partner B {tag}", f"b-{tag}@example.org"),
            ],
            timezone=timezone,
            policy=policy,
        )
        if joined:
            for outgoing in created.outgoing:
                accept(outgoing.invitation, password=PASSWORD, timezone=timezone,
                       accepts_policy=True)
        db.session.commit()
        return created.couple

    return _make


def send_together(app, client, url: str, data: dict, *, headers: dict | None = None,
                  copies: int = 2, follow: bool = False) -> list[object]:
    """POST the same form from `copies` threads at the same moment, with the session of
    `client` (a double tap, a double click): each answer as (status, Location), or the
    repr of what a copy raised. With `follow`, (status, Location, the text of the page
    it leads to, as that copy sees it, with its messages)."""
    cookie = client.get_cookie("rekindle_session").value
    barrier = threading.Barrier(copies)
    answers: list[object] = []

    def send() -> None:
        copy = app.test_client()
        copy.set_cookie("rekindle_session", cookie)
        barrier.wait()
        try:
            answer = copy.post(url, data=data, headers=headers or {})
            location = answer.headers.get("Location")
            if follow:
                followed = copy.get(location).text if location else answer.text
                answers.append((answer.status_code, location, followed))
            else:
                answers.append((answer.status_code, location))
        except Exception as error:  # a crash is the failure to show
            answers.append(repr(error))

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


# --- signing in ------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                   r'name="csrf_token" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


@pytest.fixture
def sign_in_by_form(client) -> Callable[..., object]:
    """Sign in through the real form, as a person would; returns the response."""

    def _sign_in(email: str, password: str = PASSWORD, *, next_url: str | None = None):
        client.delete_cookie("rekindle_session")  # start as a new visitor
        page = client.get("/sign-in")
        target = "/sign-in" + (f"?next={next_url}" if next_url else "")
        return client.post(
            target,
            data={"email": email, "password": password, "csrf_token": csrf_token_from(page.text)},
        )

    return _sign_in


@pytest.fixture
def sign_in_as(app, client) -> Callable[[User], None]:
    """The shortcut: mark the test client's session as signed in as this user."""

    def _sign_in_as(user: User) -> None:
        stamp = clock_now().timestamp()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["_auth_at"] = stamp
            session["_seen_at"] = stamp

    return _sign_in_as


# --- counting queries ------------------------------------------------------------------


@pytest.fixture
def count_queries(app) -> Callable[[], contextlib.AbstractContextManager[list[str]]]:
    """with count_queries() as statements: ... ; len(statements) is the SQL count."""

    @contextlib.contextmanager
    def _count() -> Iterator[list[str]]:
        statements: list[str] = []

        def _record(conn, cursor, statement, *args):
            statements.append(statement)

        with app.app_context():
            engine = _db.engine
        sa.event.listen(engine, "before_cursor_execute", _record)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", _record)

    return _count


# --- a live server and a real browser --------------------------------------------------


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The app served by a real threaded WSGI server on 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright; missing Chromium fails in CI, skips elsewhere."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if IN_CI:
            pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run installs it with apt-get")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (cookies and all) per test; CSP bypassed so axe can run."""
    context = browser.new_context(base_url=live_server, bypass_csp=True)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized context (360 x 740, touch)."""
    context = browser.new_context(
        base_url=live_server,
        bypass_csp=True,
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
    )
    tab = context.new_page()
    yield tab
    context.close()


# --- mail ------------------------------------------------------------------------------


class Mailbox:
    """Messages received by the loopback SMTP server, as email.message objects."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        from email import message_from_bytes
        from email.policy import default

        message = message_from_bytes(envelope.content, policy=default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address.lower() in m["To"].lower()]

    def body(self, message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    def link_to(self, address: str, marker: str) -> str:
        """The last link containing `marker` sent to this address, as a path."""
        for message in reversed(self.to(address)):
            for match in re.finditer(r"https?://[^\s]+", self.body(message)):
                if marker in match.group(0):
                    return "/" + match.group(0).split("/", 3)[3]
        raise AssertionError(f"no {marker} link sent to {address}")


@pytest.fixture
def mailbox(app):
    """A real SMTP server on 127.0.0.1 for this test; the app sends to it."""
    from aiosmtpd.controller import Controller

    box = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {key: app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TO_LOG")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TO_LOG=False)
    yield box
    app.config.update(saved)
    controller.stop()


# --- the task queue --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def private_redis(tmp_path) -> Iterator[str]:
    """A redis-server of this test's own on a free port (nothing saved); yields its URL.
    Missing redis-server fails in CI (.ci/system-packages installs it), skips elsewhere."""
    import subprocess
    import time

    import redis

    binary = shutil.which("redis-server")
    if binary is None:
        if IN_CI:
            raise RuntimeError("redis-server is missing (see .ci/system-packages)")
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url, socket_connect_timeout=0.2).ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
