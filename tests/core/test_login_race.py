"""Wrong logins at the same moment each count toward the lockout (issue 21).

Before, the failure count was written in a transaction that began deferred: of
eight parallel wrong logins seven failed with a raw "database is locked" and
only one was counted, so guessing in parallel bypassed the lockout.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from app.services.accounts import MAX_FAILED_ATTEMPTS, AccountService, LoginFailed
from app.storage.models import Role, User

REAL_PASSWORD_HASHING = True  # the production argon2 cost: the check is what makes logins overlap


def _parallel_logins(ctx, login: str, password: str, count: int) -> list[BaseException | None]:
    """``count`` logins started together, each from its own service and database connection."""
    services = [AccountService(ctx.store.sessions, ctx.workstation_id) for _ in range(count)]
    start = threading.Barrier(count)
    outcomes: list[BaseException | None] = [None] * count

    def login_once(n: int) -> None:
        start.wait()
        try:
            services[n].authenticate(login, password)
        except BaseException as exc:  # noqa: BLE001 - the test looks at every outcome
            outcomes[n] = exc

    threads = [threading.Thread(target=login_once, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def _user(ctx, login: str) -> User:
    with ctx.store.session() as s:
        user = s.query(User).filter_by(login=login).one()
        s.expunge(user)
        return user


@pytest.fixture
def victim(ctx, admin) -> str:
    ctx.accounts.add_user(admin, "victim", "Victim", Role.TRAINEE, "right-password")
    return "victim"


def test_eight_parallel_wrong_logins_lock_the_account(ctx, victim):
    outcomes = _parallel_logins(ctx, victim, "wrong-password", 8)

    assert all(isinstance(o, LoginFailed) for o in outcomes), [repr(o) for o in outcomes]
    messages = {str(o) for o in outcomes}
    assert any("locked for 5 min" in m for m in messages), messages
    assert not any("database" in m.lower() for m in messages), messages
    locked = _user(ctx, victim).locked_until
    assert locked is not None
    assert locked.replace(tzinfo=dt.UTC) > dt.datetime.now(dt.UTC)
    with pytest.raises(LoginFailed, match="Too many failed attempts"):
        ctx.accounts.authenticate(victim, "right-password")  # the right password waits out the lock


def test_every_parallel_wrong_login_is_counted(ctx, victim):
    count = MAX_FAILED_ATTEMPTS - 1
    outcomes = _parallel_logins(ctx, victim, "wrong-password", count)

    assert all(isinstance(o, LoginFailed) for o in outcomes), [repr(o) for o in outcomes]
    user = _user(ctx, victim)
    assert user.failed_attempts == count
    assert user.locked_until is None
    assert ctx.accounts.authenticate(victim, "right-password").login == victim
    assert _user(ctx, victim).failed_attempts == 0


def test_parallel_right_logins_all_succeed(ctx, victim):
    outcomes = _parallel_logins(ctx, victim, "right-password", 6)

    assert outcomes == [None] * 6
    assert _user(ctx, victim).last_login_at is not None
