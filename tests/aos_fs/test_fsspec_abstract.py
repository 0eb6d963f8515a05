"""fsspec's own conformance suites (`fsspec.tests.abstract`) against a real server.

`fs_path` is a collection: the suites' `source` and `target` directories become datasets (so
`mkdir` makes a real, empty directory), and everything deeper is a `/`-prefix inside object names.
"""

from __future__ import annotations

import posixpath

import pytest
from fsspec.tests.abstract import AbstractFixtures
from fsspec.tests.abstract.copy import AbstractCopyTests
from fsspec.tests.abstract.get import AbstractGetTests
from fsspec.tests.abstract.open import AbstractOpenTests
from fsspec.tests.abstract.pipe import AbstractPipeTests
from fsspec.tests.abstract.put import AbstractPutTests

from aos_fs import AOSFileSystem
from tests.factories import unique


class AOSFixtures(AbstractFixtures):
    @pytest.fixture
    def fs(self, aosfs: AOSFileSystem) -> AOSFileSystem:
        return aosfs

    @pytest.fixture
    def fs_join(self):  # type: ignore[no-untyped-def]
        return posixpath.join

    @pytest.fixture
    def fs_path(self, aosfs: AOSFileSystem) -> str:
        path = f"{unique('abs')}/coll"
        aosfs.makedirs(path)
        return path

    @pytest.fixture
    def supports_empty_directories(self) -> bool:
        return True


class TestAOSCopy(AbstractCopyTests, AOSFixtures):
    pass


class TestAOSGet(AbstractGetTests, AOSFixtures):
    pass


class TestAOSPut(AbstractPutTests, AOSFixtures):
    pass


class TestAOSPipe(AbstractPipeTests, AOSFixtures):
    pass


class TestAOSOpen(AbstractOpenTests, AOSFixtures):
    pass
