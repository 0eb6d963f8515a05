"""`Session`: the connection and the current location that every panel observes."""

from __future__ import annotations

import asyncio
from typing import Any

from traitlets import Any as AnyTrait
from traitlets import Bool, HasTraits, Int, Unicode

from aos_fs import AOSFileSystem, AsyncAOSClient, Resource
from aos_fs.config import load_profile

from ._s3 import Transfers


class Session(HasTraits):
    """Who is connected to which server, where the browser is, and what is selected.

    The token lives only in this object (never in a trait, a widget or the notebook).
    """

    url = Unicode("", help="Server URL, empty until connected")
    user = Unicode("", help="Name of the connected user")
    user_id = Unicode("", help="Id of the connected user")
    is_admin = Bool(False, help="Whether the connected user is a global admin")
    connected = Bool(False, help="True after a successful connect()")
    path = Unicode("", help="The browser's location: '', 'project', 'project/collection', ...")
    container = AnyTrait(None, allow_none=True, help="The Resource at `path` (None at the root)")
    selection = AnyTrait(None, allow_none=True, help="The selected Resource, or None")
    selected_path = Unicode("", help="Path of the selected resource ('project/.../name')")
    changed = Int(0, help="Bumped after writes, so listings refresh")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._token: str | None = None
        self._clients: dict[asyncio.AbstractEventLoop, AsyncAOSClient] = {}
        self._fs: dict[asyncio.AbstractEventLoop, AOSFileSystem] = {}
        self._transfers: dict[asyncio.AbstractEventLoop, Transfers] = {}

    def __repr__(self) -> str:  # never show the token
        return f"Session(url={self.url!r}, user={self.user!r})"

    async def connect(
        self, url: str | None = None, token: str | None = None, *, profile: str | None = None
    ) -> str:
        """Check the credentials with `whoami` and switch to them; returns the user's name."""
        resolved = load_profile(profile or None, url=url or None, token=token or None)
        client = AsyncAOSClient(resolved.url, resolved.token)
        try:
            me = await client.whoami()
        except BaseException:
            await client.aclose()
            raise
        if me.user is None:
            await client.aclose()
            raise PermissionError("The server did not accept this token: paste a valid one")
        await self.close()
        self._token = resolved.token
        self._clients[asyncio.get_running_loop()] = client
        self.url = resolved.url
        self.user = me.user.display_name or me.user.name
        self.user_id = me.user.id
        self.is_admin = me.user.is_admin
        self.connected = True
        self.go("")
        return self.user

    @property
    def client(self) -> AsyncAOSClient:
        """The API client for the running loop."""
        if not self.connected:
            raise RuntimeError("Not connected: enter the server URL and a token, then Connect")
        loop = asyncio.get_running_loop()
        if loop not in self._clients:
            self._clients[loop] = AsyncAOSClient(self.url, self._token)
        return self._clients[loop]

    @property
    def fs(self) -> AOSFileSystem:
        """An asynchronous `aos://` filesystem for the running loop."""
        if not self.connected:
            raise RuntimeError("Not connected: enter the server URL and a token, then Connect")
        loop = asyncio.get_running_loop()
        if loop not in self._fs:
            self._fs[loop] = AOSFileSystem(
                endpoint_url=self.url,
                token=self._token,
                asynchronous=True,
                loop=loop,
                skip_instance_cache=True,
            )
        return self._fs[loop]

    @property
    def transfers(self) -> Transfers:
        """S3 transfers (multipart, presigned parts, CORS) for the running loop."""
        loop = asyncio.get_running_loop()
        if loop not in self._transfers:
            self._transfers[loop] = Transfers(self.client)
        return self._transfers[loop]

    def sync_fs(self) -> AOSFileSystem:
        """A blocking `aos://` filesystem (for pyarrow, in a worker thread)."""
        return AOSFileSystem(endpoint_url=self.url, token=self._token, skip_instance_cache=True)

    def storage_options(self) -> dict[str, str]:
        """What to pass as `storage_options` to reach this server (includes the token)."""
        return {"endpoint_url": self.url, "token": self._token or ""}

    def go(self, path: str, container: Resource | None = None) -> None:
        """Move the browser's location (panels listening to `path` follow)."""
        self.container = container
        self.path = path.strip("/")
        self.select(None)

    def select(self, resource: Resource | None, path: str = "") -> None:
        self.selected_path = path if resource is not None else ""
        self.selection = resource

    def touch(self) -> None:
        self.changed += 1

    async def close(self) -> None:
        """Forget the credentials and close the clients of this loop."""
        loop = asyncio.get_running_loop()
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.aclose()
        transfers = self._transfers.pop(loop, None)
        if transfers is not None:
            await transfers.close()
        self._clients.clear()
        self._fs.clear()
        self._transfers.clear()
        self._token = None
        self.connected = False
        self.user = self.user_id = self.url = ""
        self.is_admin = False
