"""aos_widgets: Jupyter panels (ipywidgets 8) for AOS, and the explorer app that composes them.

>>> import aos_widgets
>>> aos_widgets.explore()          # doctest: +SKIP
"""

from __future__ import annotations

from ._frontend import BrowserUploader, CopyButton, SecretBox
from ._session import Session
from ._tasks import StatusLine, describe
from .accounts import AccessPanel, AnnouncementsBar
from .browser import BrowserPanel
from .connect import ConnectPanel
from .details import DetailsPanel, code_for
from .download import DownloadPanel
from .explorer import Explorer, explore
from .governance import GovernancePanel
from .metadata import MetadataPanel
from .notifications import NotificationsPanel
from .presign import PresignPanel
from .preview import PreviewPanel
from .search import SearchPanel
from .sharing import SharingPanel
from .upload import UploadPanel
from .workspaces import WorkspacePanel

__all__ = [
    "AccessPanel",
    "AnnouncementsBar",
    "BrowserPanel",
    "BrowserUploader",
    "ConnectPanel",
    "CopyButton",
    "DetailsPanel",
    "DownloadPanel",
    "Explorer",
    "GovernancePanel",
    "MetadataPanel",
    "NotificationsPanel",
    "PresignPanel",
    "PreviewPanel",
    "SearchPanel",
    "SecretBox",
    "Session",
    "SharingPanel",
    "StatusLine",
    "UploadPanel",
    "WorkspacePanel",
    "code_for",
    "describe",
    "explore",
]
