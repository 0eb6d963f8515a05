"""pandas, pyarrow, xarray/zarr and dask read and write `aos://` paths on a real server."""

from __future__ import annotations

import os
import subprocess
import sys

import dask.dataframe as dd
import fsspec
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from aos_fs import AOSFileSystem
from tests.conftest import LiveServer


@pytest.fixture
def env(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Configure `aos://` the way a notebook user does: through the environment."""
    monkeypatch.setenv("AOS_URL", live_server.url)
    monkeypatch.setenv("AOS_TOKEN", live_server.admin_token)
    monkeypatch.setenv("AOS_CONFIG", os.devnull)
    return {"endpoint_url": live_server.url, "token": live_server.admin_token}


def frame(n: int = 50) -> pd.DataFrame:
    return pd.DataFrame(
        {"i": np.arange(n), "x": np.linspace(0, 1, n), "s": [f"row{i}" for i in range(n)]}
    )


def test_pandas_with_nothing_but_the_url(project: str, env: dict[str, str]) -> None:
    # A fresh interpreter, no import of aos_fs: the fsspec entry point finds the filesystem.
    code = (
        "import pandas as pd\n"
        f"pd.DataFrame({{'a': [1, 2]}}).to_csv('aos://{project}/raw/run/t.csv', index=False)\n"
        f"print(pd.read_csv('aos://{project}/raw/run/t.csv')['a'].sum())\n"
    )
    done = subprocess.run(  # noqa: S603 - our interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3"


def test_pandas_csv_and_parquet(project: str, env: dict[str, str]) -> None:
    df = frame()
    df.to_csv(f"aos://{project}/tables/ds/t.csv", index=False)
    pd.testing.assert_frame_equal(pd.read_csv(f"aos://{project}/tables/ds/t.csv"), df)
    df.to_parquet(f"aos://{project}/tables/ds/t.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(f"aos://{project}/tables/ds/t.parquet"), df)
    # with explicit storage_options (pandas then skips pyarrow's own filesystems)
    got = pd.read_parquet(f"aos://{project}/tables/ds/t.parquet", storage_options=env)
    pd.testing.assert_frame_equal(got, df)
    got = pd.read_parquet(
        f"aos://{project}/tables/ds/t.parquet", columns=["x"], storage_options=env
    )
    pd.testing.assert_frame_equal(got, df[["x"]])
    df.iloc[:3].to_csv(f"aos://{project}/tables/ds/t.csv", index=False)  # a new revision
    assert len(pd.read_csv(f"aos://{project}/tables/ds/t.csv")) == 3
    assert len(pd.read_csv(f"aos://{project}/tables/ds/t.csv@1")) == len(df)


def test_gzip_through_fsspec_open(project: str, env: dict[str, str]) -> None:
    text = "line\n" * 1000
    with fsspec.open(f"aos://{project}/c/d/log.txt.gz", "wt", compression="gzip") as f:
        f.write(text)
    fs = fsspec.filesystem("aos")
    raw = fs.cat(f"{project}/c/d/log.txt.gz")
    assert raw[:2] == b"\x1f\x8b" and len(raw) < len(text)
    with fsspec.open(f"aos://{project}/c/d/log.txt.gz", "rt", compression="infer") as f:
        assert f.read() == text


def test_xarray_zarr_round_trip(project: str, env: dict[str, str]) -> None:
    ds = xr.Dataset(
        {"t": (("y", "x"), np.arange(20.0).reshape(4, 5))},
        coords={"y": np.arange(4), "x": np.arange(5)},
        attrs={"source": "test"},
    )
    url = f"aos://{project}/climate/run1/store.zarr"
    # Zarr v3 stores without consolidated metadata (which is outside the v3 spec and warns).
    ds.to_zarr(url, mode="w", storage_options=env, consolidated=False)
    back = xr.open_zarr(url, storage_options=env, consolidated=False)
    xr.testing.assert_identical(back.load(), ds)
    assert fsspec.filesystem("aos").isfile(f"{project}/climate/run1/store.zarr/zarr.json")
    ds.isel(y=slice(0, 2)).to_zarr(url, mode="w", storage_options=env, consolidated=False)
    assert xr.open_zarr(url, storage_options=env, consolidated=False).sizes["y"] == 2


def test_dask_read_csv_glob(project: str, env: dict[str, str]) -> None:
    fs = fsspec.filesystem("aos")
    for i in range(3):
        frame(10).assign(part=i).to_csv(f"aos://{project}/parts/ds/p{i}.csv", index=False)
    fs.pipe(f"{project}/parts/ds/notes.txt", b"not a csv")
    df = dd.read_csv(f"aos://{project}/parts/ds/*.csv", storage_options=env)
    assert df.npartitions == 3
    assert int(df["part"].sum().compute()) == 10 * (0 + 1 + 2)
    assert len(df.compute()) == 30


def test_storage_options_are_portable(project: str, env: dict[str, str]) -> None:
    import json
    import pickle

    fs = AOSFileSystem(**env, listings_expiry_time=5, skip_instance_cache=True)
    fs.pipe(f"{project}/c/d/p.txt", b"p")
    clone = pickle.loads(pickle.dumps(fs))  # noqa: S301 - our own object
    assert clone.cat(f"{project}/c/d/p.txt") == b"p"
    assert json.loads(json.dumps(fs.storage_options))
    again = fsspec.AbstractFileSystem.from_json(fs.to_json())
    assert again.cat(f"{project}/c/d/p.txt") == b"p"
    assert again.url == fs.url
