"""Events and consumers are durable: they survive a killed server."""

from __future__ import annotations

import time
from pathlib import Path

from aos_fs.client import AOSClient
from tests.conftest import ADMIN_TOKEN
from tests.procs import ServeProcess


def test_events_and_consumers_survive_a_killed_server(tmp_path: Path) -> None:
    server = ServeProcess(tmp_path / "data", env={"AOS_WRITE_PROFILE": "false"}).start()
    with AOSClient(server.url, ADMIN_TOKEN) as admin:
        project = admin.create_project("survivor")
        consumer = admin.events.create_consumer(within=project.id, ack_wait=1)
        for i in range(4):
            admin.create_collection(project.id, f"c{i}")
        first = admin.events.fetch(consumer.id, max=2, wait=5)
        admin.events.ack(consumer.id, [first[0].seq])  # the second stays unacked
    server.kill()

    restarted = ServeProcess(tmp_path / "data", port=server.port).start()
    try:
        with AOSClient(restarted.url, ADMIN_TOKEN) as admin:
            state = admin.events.consumer(consumer.id)
            assert state.pending == 1
            time.sleep(1.1)
            got = admin.events.fetch(consumer.id, max=10, wait=5)
            assert [(e.data["name"], e.attempt) for e in got] == [
                ("c1", 2),
                ("c2", 1),
                ("c3", 1),
            ]
            admin.events.ack(consumer.id, [e.seq for e in got])
            admin.create_collection(project.id, "after")
            assert [e.data["name"] for e in admin.events.fetch(consumer.id, wait=5)] == ["after"]
            page = admin.events.log(within=project.id, types=["resource.created"])
            names = [e.data["name"] for e in page.events]
            assert names == ["survivor", "c0", "c1", "c2", "c3", "after"]
    finally:
        restarted.stop()
