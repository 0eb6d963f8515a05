"""Stateful fuzzing of the HTTP API: a Hypothesis state machine against a live server.

Rules create collections, datasets and objects through the JSON API (names drawn from small
pools, so they clash on purpose), write object bytes through S3 (new objects and new revisions),
add and remove key-values, rename and soft-delete. A plain model predicts each answer (201 or
409, 200 or 404 …); after every step the touched container's children agree with the model, and
at the end of a run every resource, every listing and every object's bytes do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import boto3
import httpx
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import LiveServer
from tests.factories import unique
from tests.fuzz.conftest import FUZZ_DERANDOMIZE, FUZZ_EXAMPLES

NAMES = {"COLLECTION": ["c1", "c2"], "DATASET": ["d1", "d2"], "OBJECT": ["x", "y", "z"]}
KEYS = ["k1", "k2", "k3"]


@dataclass
class Node:
    id: str
    kind: str
    name: str
    parent: str | None
    deleted: bool = False
    kvs: set[str] = field(default_factory=set)
    md5: str | None = None  # objects written through S3


class ApiMachine(RuleBasedStateMachine):
    """One project per run; the model is a tree (every resource has one parent)."""

    url: str = ""
    access_key: str = ""
    secret_key: str = ""
    token: str = ""

    containers = Bundle("containers")
    resources = Bundle("resources")

    def __init__(self) -> None:
        super().__init__()
        self.api = httpx.Client(
            base_url=f"{self.url}/api/v2",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )
        self.s3: BaseClient = boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(retries={"max_attempts": 1}),
        )
        self.nodes: dict[str, Node] = {}
        self.project = ""

    def teardown(self) -> None:
        try:
            if self.project:
                self.check_everything()
        finally:
            self.api.close()

    # -- model helpers --------------------------------------------------------------------------
    def live(self, node_id: str) -> bool:
        node = self.nodes[node_id]
        while node.parent is not None:
            if node.deleted:
                return False
            node = self.nodes[node.parent]
        return not node.deleted

    def live_children(self, parent: str) -> dict[str, Node]:
        return {n.name: n for n in self.nodes.values() if n.parent == parent and self.live(n.id)}

    def key_of(self, node_id: str) -> str:
        parts = []
        node = self.nodes[node_id]
        while node.parent is not None:
            parts.append(node.name)
            node = self.nodes[node.parent]
        return "/".join(reversed(parts))

    def expect(self, response: httpx.Response, status: int) -> dict:  # type: ignore[type-arg]
        assert response.status_code == status, (
            f"{response.request.method} {response.request.url}: expected {status}, "
            f"got {response.status_code}: {response.text}"
        )
        if status >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["detail"]
        return response.json() if response.content else {}

    def children_agree(self, parent: str) -> None:
        response = self.api.get(f"/resources/{parent}/children", params={"limit": 1000})
        items = self.expect(response, 200)["items"]
        assert {i["name"]: i["id"] for i in items} == {
            name: n.id for name, n in self.live_children(parent).items()
        }

    # -- rules ----------------------------------------------------------------------------------
    @initialize(target=containers)
    def make_project(self) -> str:
        self.project = unique("sm")
        body = self.expect(self.api.post("/projects", json={"name": self.project}), 201)
        self.nodes[body["id"]] = Node(body["id"], "PROJECT", self.project, None)
        self.s3.head_bucket(Bucket=self.project)
        return body["id"]

    @rule(target=containers, parent=containers, kind=st.sampled_from(["COLLECTION", "DATASET"]),
          data=st.data())  # fmt: skip
    def create_container(self, parent: str, kind: str, data: st.DataObject) -> object:
        name = data.draw(st.sampled_from(NAMES[kind]))
        p = self.nodes[parent]
        allowed = p.kind == "PROJECT" or (p.kind == "COLLECTION" and kind == "DATASET")
        route = "/collections" if kind == "COLLECTION" else "/datasets"
        response = self.api.post(route, json={"name": name, "parent_id": parent})
        if not self.live(parent):
            assert response.status_code in (404, 409), response.text
            return multiple()
        if not allowed:
            assert response.status_code in (400, 409, 422), response.text
            return multiple()
        if name in self.live_children(parent):
            self.expect(response, 409)
            return multiple()
        body = self.expect(response, 201)
        self.nodes[body["id"]] = Node(body["id"], kind, name, parent)
        self.children_agree(parent)
        return body["id"]

    @rule(target=resources, parent=containers, name=st.sampled_from(NAMES["OBJECT"]))
    def create_object(self, parent: str, name: str) -> object:
        response = self.api.post("/objects", json={"name": name, "parent_id": parent})
        if not self.live(parent):
            assert response.status_code in (404, 409), response.text
            return multiple()
        if name in self.live_children(parent):
            self.expect(response, 409)
            return multiple()
        body = self.expect(response, 201)
        self.nodes[body["id"]] = Node(body["id"], "OBJECT", name, parent)
        self.children_agree(parent)
        return body["id"]

    @rule(target=resources, parent=containers, name=st.sampled_from(NAMES["OBJECT"]),
          data=st.binary(max_size=64))  # fmt: skip
    def put_through_s3(self, parent: str, name: str, data: bytes) -> object:
        if not self.live(parent):
            return multiple()  # the key would create containers the model does not follow
        key = "/".join(filter(None, [self.key_of(parent), name]))
        self.s3.put_object(Bucket=self.project, Key=key, Body=data)
        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        existing = self.live_children(parent).get(name)
        if existing is not None:
            assert existing.kind == "OBJECT"
            existing.md5 = digest
            return existing.id
        found = self.expect(self.api.get("/resolve", params={"path": f"{self.project}/{key}"}), 200)
        node = Node(found[-1]["id"], "OBJECT", name, parent, md5=digest)
        self.nodes[node.id] = node
        self.children_agree(parent)
        return node.id

    @rule(target_id=st.one_of(resources, containers), key=st.sampled_from(KEYS))
    def toggle_key_value(self, target_id: str, key: str) -> None:
        node = self.nodes[target_id]
        change = "remove" if key in node.kvs else "add"
        response = self.api.patch(
            f"/resources/{target_id}/key-values", json={change: [{"key": key, "value": "v"}]}
        )
        if not self.live(target_id):
            assert response.status_code in (404, 409), response.text
            return
        body = self.expect(response, 200)
        (node.kvs.remove if change == "remove" else node.kvs.add)(key)
        assert {kv["key"] for kv in body["key_values"]} == node.kvs

    @rule(target_id=st.one_of(resources, containers), data=st.data())
    def rename(self, target_id: str, data: st.DataObject) -> None:
        node = self.nodes[target_id]
        if node.kind == "PROJECT":
            return
        name = data.draw(st.sampled_from(NAMES[node.kind]))
        response = self.api.patch(f"/resources/{target_id}", json={"name": name})
        if not self.live(target_id):
            assert response.status_code in (404, 409), response.text
            return
        clash = self.live_children(node.parent or "").get(name)
        if clash is not None and clash.id != target_id:
            self.expect(response, 409)
            return
        assert self.expect(response, 200)["name"] == name
        node.name = name
        self.children_agree(node.parent or "")

    @rule(target_id=consumes(resources))
    def delete_object(self, target_id: str) -> None:
        self._delete(target_id)

    @rule(target_id=containers)
    def delete_container(self, target_id: str) -> None:
        if self.nodes[target_id].kind != "PROJECT":
            self._delete(target_id)

    def _delete(self, target_id: str) -> None:
        node = self.nodes[target_id]
        assert node.kind != "PROJECT"
        response = self.api.delete(f"/resources/{target_id}")
        if not self.live(target_id):
            assert response.status_code in (404, 409), response.text
            return
        self.expect(response, 200)
        node.deleted = True
        self.children_agree(node.parent or "")

    @invariant()
    def project_listing_agrees(self) -> None:
        if self.project:
            self.children_agree(next(n.id for n in self.nodes.values() if n.kind == "PROJECT"))

    # -- the end of a run -------------------------------------------------------------------------
    def check_everything(self) -> None:
        for node in self.nodes.values():
            response = self.api.get(f"/resources/{node.id}")
            if not self.live(node.id):
                if response.status_code == 200:
                    assert response.json()["status"] == "DELETED" or node.parent is not None
                continue
            body = self.expect(response, 200)
            assert body["name"] == node.name
            assert {kv["key"] for kv in body["key_values"]} == node.kvs
            if node.kind != "OBJECT":
                self.children_agree(node.id)
            elif node.md5 is not None:
                key = self.key_of(node.id)
                got = self.s3.get_object(Bucket=self.project, Key=key)["Body"].read()
                assert hashlib.md5(got, usedforsecurity=False).hexdigest() == node.md5, key
        listed = set()
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.project):
            listed.update(o["Key"] for o in page.get("Contents", []))
        expected = {
            self.key_of(n.id)
            for n in self.nodes.values()
            if n.kind == "OBJECT" and n.md5 is not None and self.live(n.id)
        }
        assert expected <= listed, (expected, listed)
        for key in listed - expected:  # objects created through the API hold no bytes yet
            with pytest.raises(ClientError):
                self.s3.get_object(Bucket=self.project, Key=key)


RUNS = max(20, 2 * FUZZ_EXAMPLES)


@pytest.mark.timeout(60 + 3 * RUNS)
def test_api_state_machine(fuzz_server: LiveServer) -> None:
    ApiMachine.url = fuzz_server.url
    ApiMachine.token = fuzz_server.admin_token
    ApiMachine.access_key = fuzz_server.access_key
    ApiMachine.secret_key = fuzz_server.secret_key
    run_state_machine_as_test(
        ApiMachine,
        settings=settings(
            max_examples=RUNS,
            stateful_step_count=20,
            derandomize=FUZZ_DERANDOMIZE,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
