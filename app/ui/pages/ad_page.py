"""Combine, preview and export the ad: pick a job, watch its clips, join them, play the result, export it.

The page is made of parts beside it in ``app.ui.ad``: ``page_jobs`` (the job box and the shown job),
``page_clips`` (the clip list), ``page_focus`` (focus points), ``page_render`` (combine, draft preview and export
of formats) and ``page_export`` (play, export and reveal the ad).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.config import LibraryPaths, SettingsStore
from app.core.domain import AssetInfo, CampaignInfo, JobState
from app.core.generation.combining import MissingClips
from app.core.generation.service import GenerationService
from app.core.library.service import LibraryService
from app.ui.ad.deliver_form import DeliverablesForm
from app.ui.ad.options_form import CombineOptionsForm
from app.ui.ad.page_clips import ICON_SIZE, ClipListMixin
from app.ui.ad.page_export import AdExportMixin
from app.ui.ad.page_focus import FocusPointMixin
from app.ui.ad.page_jobs import JobListMixin
from app.ui.ad.page_render import RenderMixin
from app.ui.bridge import TaskBridge, describe_error
from app.ui.change_feed import ChangeFeed
from app.ui.notices import Notices
from app.ui.player import VideoPlayer
from app.ui.preferences import Preferences
from app.ui.thumbnail_loader import ThumbnailLoader

RELOAD_DELAY_MS = 200
OPTIONS_KEY = "ad/combine_options"
DELIVER_KEY = "ad/deliver_options"
SPLITTER_KEY = "ad/splitter"


class AdPage(JobListMixin, ClipListMixin, FocusPointMixin, RenderMixin, AdExportMixin, QWidget):
    """The campaign's jobs with clips, their clips in order, the combine options, the player and export."""

    combine_progress = Signal(float)
    job_loaded = Signal(int)
    combined = Signal(object)  # CombineResult
    exported = Signal(str)  # the manifest's path
    draft_ready = Signal(object)  # DeliverableResult of the draft preview
    delivered = Signal(object)  # list[DeliverableResult] of an export of formats
    focus_saved = Signal(int, object)  # clip id, (x, y)
    error_shown = Signal(str)

    def __init__(self, generation: GenerationService, library: LibraryService, thumbnails: ThumbnailLoader,
                 settings: SettingsStore, paths: LibraryPaths, bridge: TaskBridge, feed: ChangeFeed,
                 notices: Notices, parent: QWidget | None = None, *, preferences: Preferences | None = None) -> None:
        super().__init__(parent)
        self.preferences = preferences if preferences is not None else Preferences()
        self.generation = generation
        self.library = library
        self.thumbnails = thumbnails
        self.paths = paths
        self.bridge = bridge
        self.notices = notices
        self.campaign: CampaignInfo | None = None
        self.job: JobState | None = None
        self.assets: dict[int, AssetInfo] = {}
        self.last_export: Path | None = None
        self.export_dialog: QFileDialog | None = None
        self._wanted_job: int | None = None
        self._play_on_load: int | None = None
        self._proxies_job: int | None = None
        self._proxies_again = False
        self.qc_question: QMessageBox | None = None  # "clips failed QC: combine anyway?"

        self.job_combo = QComboBox()
        self.job_combo.setMinimumContentsLength(30)
        self.clip_list = QListWidget()
        self.clip_list.setIconSize(ICON_SIZE)
        self.clip_list.setMinimumWidth(220)
        self.player = VideoPlayer()
        self.options_form = CombineOptionsForm(settings.current)
        self.options_form.restore(self.preferences.document(OPTIONS_KEY))
        self.options_form.changed.connect(
            lambda: self.preferences.set_document(OPTIONS_KEY, self.options_form.state()))
        self.deliver_form = DeliverablesForm()
        self.deliver_form.restore(self.preferences.document(DELIVER_KEY))
        self.deliver_form.changed.connect(
            lambda: self.preferences.set_document(DELIVER_KEY, self.deliver_form.state()))
        self.options_form.changed.connect(lambda: self.deliver_form.set_base(self.options_form.options()))
        self.deliver_form.set_base(self.options_form.options())
        self.focus_label = QLabel()
        self.focus_label.setWordWrap(True)
        self.reset_focus_button = QPushButton("Centre the focus")
        self.reset_focus_button.setToolTip("Crops of this clip keep its centre in view")
        self.draft_button = QPushButton("Draft preview")
        self.draft_button.setToolTip("A fast low-resolution render of the deliverable with every option, to play here")
        self.deliver_button = QPushButton("Export formats…")
        self.deliver_button.setToolTip("Render every ticked format (or the aspect) into a folder: a video, its "
                                       "manifest and its subtitles each")
        self.deliver_dialog: QFileDialog | None = None
        # Mnemonics leave alone the tabs' (A, P, G, D) and the menus' (F, E, V, C, H) letters.
        self.combine_button = QPushButton("Com&bine")
        self.combine_button.setDefault(True)
        self.combine_button.setToolTip("Join the clips with the combine options into the job's ad (the deliverables "
                                       "options apply to Draft preview and Export formats)")
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.play_ad_button = QPushButton("Pla&y ad")
        self.export_button = QPushButton("E&xport…")
        self.reveal_button = QPushButton("Reveal in folder")
        self.status_label = QLabel()
        self.status_note: tuple[int, str] | None = None
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._build_layout()

        self.job_combo.currentIndexChanged.connect(self._on_job_chosen)
        self._reload_timer = QTimer(self, singleShot=True, interval=RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload)
        feed.changed.connect(self.apply_changes)
        self.thumbnails.loaded.connect(self._thumbnail_loaded)
        self.clip_list.currentItemChanged.connect(self._on_clip_chosen)
        self.combine_button.clicked.connect(self.start_combine)
        self.cancel_button.clicked.connect(self.cancel_combine)
        self.play_ad_button.clicked.connect(self.play_ad)
        self.export_button.clicked.connect(self.open_export_dialog)
        self.reveal_button.clicked.connect(self.reveal_in_folder)
        self.draft_button.clicked.connect(self.start_draft)
        self.deliver_button.clicked.connect(self.open_deliver_dialog)
        self.reset_focus_button.clicked.connect(lambda: self.set_focus(None))
        self.player.video.installEventFilter(self)
        self.combine_progress.connect(lambda f: self.progress.setValue(round(f * 1000)))
        self.player.error_occurred.connect(self._show_error)
        self._update_buttons()

    def _build_layout(self) -> None:
        job_label = QLabel("&Job")
        job_label.setBuddy(self.job_combo)
        top = QHBoxLayout()
        top.addWidget(job_label)
        top.addWidget(self.job_combo, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("Clips in order (select one to play it)"))
        left_layout.addWidget(self.clip_list, 1)
        focus_row = QHBoxLayout()
        focus_row.addWidget(self.focus_label, 1)
        focus_row.addWidget(self.reset_focus_button)
        left_layout.addLayout(focus_row)
        options = QWidget()
        options_layout = QVBoxLayout(options)
        options_layout.setContentsMargins(0, 0, 0, 0)
        options_layout.addWidget(self.options_form)
        options_layout.addWidget(self.deliver_form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(options)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the form fits its width
        scroll.setMinimumWidth(options.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
        left_layout.addWidget(scroll, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.player)
        splitter.setStretchFactor(1, 1)
        if (state := self.preferences.state(SPLITTER_KEY)) is not None:
            splitter.restoreState(state)
        splitter.splitterMoved.connect(lambda *_: self.preferences.set_value(SPLITTER_KEY, splitter.saveState()))
        actions = QHBoxLayout()
        for widget in (self.combine_button, self.draft_button, self.deliver_button, self.cancel_button):
            actions.addWidget(widget)
        actions.addWidget(self.progress, 1)
        for widget in (self.play_ad_button, self.export_button, self.reveal_button):
            actions.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status_label)

    # -- focus clicks on the player -------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A click on the picture of the selected clip sets the point its crops keep in view."""
        if (watched is self.player.video and event.type() == QEvent.Type.MouseButtonPress
                and isinstance(event, QMouseEvent) and event.button() == Qt.MouseButton.LeftButton):
            point = self.focus_at(event.position())
            if point is not None and self.selected_clip() is not None:
                self.set_focus(point)
                return True
        return super().eventFilter(watched, event)

    # -- state ----------------------------------------------------------------------------------------------

    def _update_buttons(self) -> None:
        name = self._combine_name()
        running = bool(name and self.bridge.is_running(name))
        has_clips = bool(self.job and self.job.succeeded_clips())
        output = self.output_path
        has_ad = output is not None and output.is_file()
        self.combine_button.setEnabled(has_clips and not running)
        self.draft_button.setEnabled(has_clips and not running)
        self.deliver_button.setEnabled(has_clips and not running)
        self.cancel_button.setEnabled(running)
        self.options_form.setEnabled(not running)
        self.deliver_form.setEnabled(not running)
        self.play_ad_button.setEnabled(has_ad and not running)
        self.export_button.setEnabled(has_ad and not running)
        self.reveal_button.setEnabled(has_ad or self.last_export is not None)

    def _on_task_error(self, exc: BaseException) -> None:
        message = describe_error(exc)
        if isinstance(exc, MissingClips):
            message += f": tick “{self.options_form.skip_failed.text().replace('&', '')}” to combine the others"
        self._show_error(message)
        self._update_buttons()

    def _notice_key(self) -> str:
        return f"ad-{self.campaign.id if self.campaign else 0}"

    def _show_error(self, message: str) -> None:
        self.notices.error(message, key=self._notice_key())
        self.error_shown.emit(message)

    def _clear_error(self) -> None:
        self.notices.clear(self._notice_key())
