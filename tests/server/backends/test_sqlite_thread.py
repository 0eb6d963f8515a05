"""The SQLite connection thread: quick statements run in place on an idle connection, slow
ones and transaction control always on the thread, and order is kept either way."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aos_server.backends.metadata import sqlite_thread
from aos_server.backends.metadata.sqlite_thread import SqliteThread

# A statement that takes tens of milliseconds whatever the machine: counting to half a million.
SLOW = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500000) "
    "SELECT count(*) FROM n"
)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteThread]:
    conn = SqliteThread(str(tmp_path / "t.db"), ["journal_mode = WAL"])
    await conn.open()
    await conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
    yield conn
    await conn.close()


async def test_a_quick_statement_runs_in_place_after_its_first_run(db: SqliteThread) -> None:
    query = "SELECT v FROM t WHERE k = ?"
    for _ in range(2):  # first sight: on the thread, timed there (the first run is not judged)
        first = db.fetchall(query, [1])
        assert not first.done()
        assert await first == []
    seen: list[str] = []
    db._connection().set_trace_callback(lambda _: seen.append(threading.current_thread().name))
    again = db.fetchall(query, [1])
    assert again.done()  # resolved before any await: no round trip
    assert await again == []
    assert seen == [threading.current_thread().name]


async def test_a_slow_statement_never_runs_in_place(db: SqliteThread) -> None:
    for _ in range(3):
        fut = db.fetchall(SLOW)
        assert not fut.done()
        assert (await fut)[0][0] == 500_000
    assert SLOW in db._slow and SLOW not in db._quick


async def test_a_statement_slow_twice_in_place_goes_back_to_the_thread(
    db: SqliteThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "SELECT count(*) FROM t WHERE v >= ?"
    await db.fetchall(query, [""])
    await db.fetchall(query, [""])
    assert query in db._quick
    monkeypatch.setattr(sqlite_thread, "QUICK", 0.0)  # every run now counts as slow
    assert db.fetchall(query, [""]).done()  # in place; one slow run may be a fluke...
    assert db.fetchall(query, [""]).done()  # ...two are not
    assert not db.fetchall(query, [""]).done()  # on the thread for good
    assert query in db._slow and query not in db._quick


async def test_transaction_control_always_goes_to_the_thread(db: SqliteThread) -> None:
    for _ in range(3):
        begin = db.execute("BEGIN IMMEDIATE")
        assert not begin.done()
        await begin
        commit = db.execute("COMMIT")
        assert not commit.done()
        await commit


async def test_nothing_runs_in_place_while_the_thread_has_work(db: SqliteThread) -> None:
    read = "SELECT v FROM t WHERE k = ?"
    insert = "INSERT INTO t (k, v) VALUES (?, ?)"
    for k in (1, 2):
        await db.fetchall(read, [7])
        await db.execute(insert, [k, "x"])
    assert db.fetchall(read, [7]).done() and read in db._quick
    # Queued behind a slow statement, a quick write and a quick read keep their order.
    slow = db.fetchall(SLOW)
    write = db.execute(insert, [7, "seven"])
    got = db.fetchall(read, [7])
    assert not write.done() and not got.done()
    await slow
    assert await write == 1
    assert [tuple(r) for r in await got] == [("seven",)]


async def test_a_cancelled_waiter_does_not_let_a_statement_run_beside_the_thread(
    db: SqliteThread,
) -> None:
    read = "SELECT v FROM t WHERE k = ?"
    await db.fetchall(read, [1])
    await db.fetchall(read, [1])
    slow = db.fetchall(SLOW)
    slow.cancel()  # the statement runs anyway: the connection is busy until it has
    assert not db.fetchall(read, [1]).done()
    await db.call(lambda: None)  # queued after it: once back, the thread is idle
    assert db.fetchall(read, [1]).done()


async def test_errors_of_in_place_statements_reach_the_caller(db: SqliteThread) -> None:
    insert = "INSERT INTO t (k, v) VALUES (?, ?)"
    for k in (1, 2, 3):
        await db.execute(insert, [k, "x"])
    assert insert in db._quick
    fut = db.execute(insert, [1, "again"])
    assert fut.done()
    with pytest.raises(Exception, match="UNIQUE"):
        await fut


async def test_inline_can_be_turned_off(tmp_path: Path) -> None:
    conn = SqliteThread(str(tmp_path / "off.db"), [], inline=False)
    await conn.open()
    try:
        for _ in range(3):
            fut = conn.fetchall("SELECT 1")
            assert not fut.done()
            await fut
    finally:
        await conn.close()
