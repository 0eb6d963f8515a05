"""`Explorer`: every panel in one app; `explore()` shows it in one cell."""

from __future__ import annotations

import os

import ipywidgets as W

from ._session import Session
from .accounts import AccessPanel, AnnouncementsBar
from .browser import BrowserPanel
from .connect import ConnectPanel
from .details import DetailsPanel
from .download import DownloadPanel
from .governance import GovernancePanel
from .metadata import MetadataPanel
from .notifications import NotificationsPanel
from .presign import PresignPanel
from .preview import PreviewPanel
from .search import SearchPanel
from .sharing import SharingPanel
from .upload import UploadPanel
from .workspaces import WorkspacePanel

TABS = [
    "Details",
    "Search",
    "Upload",
    "Download",
    "Metadata",
    "Sharing",
    "Presigned URL",
    "Notifications",
    "Access",
    "Workspaces",
    "Governance",
]


class Explorer(W.AppLayout):
    """Connect on top, the browser on the left, the other panels in tabs."""

    def __init__(self, session: Session | None = None, *, page_size: int = 100) -> None:
        self.session = session or Session()
        s = self.session
        self.connect = ConnectPanel(s)
        self.browser = BrowserPanel(s, page_size=page_size)
        self.details = DetailsPanel(s)
        self.preview = PreviewPanel(s)
        self.upload = UploadPanel(s)
        self.download = DownloadPanel(s)
        self.metadata = MetadataPanel(s)
        self.sharing = SharingPanel(s)
        self.presign = PresignPanel(s)
        self.notifications = NotificationsPanel(s)
        self.search = SearchPanel(s)
        self.access = AccessPanel(s)
        self.announcements = AnnouncementsBar(s)
        self.workspaces = WorkspacePanel(s)
        self.governance = GovernancePanel(s)
        self.tabs = W.Tab(
            children=[
                W.VBox([self.details, self.preview]),
                self.search,
                self.upload,
                self.download,
                self.metadata,
                self.sharing,
                self.presign,
                self.notifications,
                self.access,
                self.workspaces,
                self.governance,
            ]
        )
        self.tabs.titles = tuple(TABS)
        super().__init__(
            header=self.connect,
            left_sidebar=self.browser,
            center=W.VBox([self.announcements, self.tabs]),
            pane_widths=["380px", 1, 0],
            pane_heights=["90px", 1, 0],
            grid_gap="0.5em",
        )
        self.add_class("aos-explorer")

    def show_tab(self, title: str) -> None:
        self.tabs.selected_index = TABS.index(title)

    async def join(self) -> None:
        """Wait until every panel's running actions finished (tests, notebooks)."""
        for panel in (
            self.connect,
            self.browser,
            self.details,
            self.preview,
            self.upload,
            self.download,
            self.metadata,
            self.sharing,
            self.presign,
            self.search,
            self.access,
            self.announcements,
            self.workspaces,
            self.governance,
        ):
            await panel.tasks.join()


def explore(
    url: str | None = None,
    token: str | None = None,
    *,
    profile: str | None = None,
    page_size: int = 100,
) -> Explorer:
    """The explorer app; connects at once when a token is known (argument, env or profile).

    Without one it waits for the user to log in through the Connect panel.
    """
    app = Explorer(page_size=page_size)
    if url:
        app.connect.url.value = url
    if token or os.environ.get("AOS_TOKEN") or profile or _profile_has_token():
        app.connect.tasks.spawn(app.connect.connect(url, token, profile))
    return app


def _profile_has_token() -> bool:
    from aos_fs.config import load_profile

    try:
        return load_profile().token is not None
    except LookupError:
        return False
