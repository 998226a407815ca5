"""The Generate dialog: model, duration, aspect, resolution and pairs → the snapped plan, its estimate against
the campaign's budget, spent, committed by work in flight and left, and Launch (refused over budget until the
budget is raised or the work holding it is canceled).

Non-modal: show it with ``open()``. Every input change re-plans through ``GenerationService.plan`` (the newest
request wins), and so does every change the feed reports to the campaign's budget, spend or pairs (from here,
another window or another process); Launch creates the job and emits ``launched(JobState)`` — whoever opened the
dialog runs it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.changes import Changes, Op
from app.core.domain import CampaignInfo, JobState, PairSuggestion
from app.core.generation.catalog import durations_text
from app.core.generation.presets import PresetEstimate, Suggestion
from app.core.generation.service import AbPlan, GenerationService
from app.core.library.service import LibraryService
from app.core.pairing.service import PairingService
from app.ui.bridge import TaskBridge, describe_error
from app.ui.change_feed import ChangeFeed
from app.ui.jobs.format import price_rule, seconds, usd
from app.ui.jobs.pair_list import PairChecklist
from app.ui.theme import Tone, set_tone
from app.ui.thumbnail_loader import ThumbnailLoader
from app.ui.wording import plural

if TYPE_CHECKING:
    from app.core.generation.catalog import ModelSpec
    from app.core.generation.service import JobPlan

REPLAN_DELAY_MS = 120


class GenerateDialog(QDialog):
    """Plans and launches one job for ``campaign``."""

    launched = Signal(object)  # JobState

    def __init__(self, generation: GenerationService, pairing: PairingService, library: LibraryService,
                 bridge: TaskBridge, campaign: CampaignInfo, thumbnails: ThumbnailLoader, feed: ChangeFeed,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.generation = generation
        self.pairing = pairing
        self.library = library
        self.bridge = bridge
        self.campaign = campaign
        self.thumbnails = thumbnails
        self.plan: JobPlan | None = None
        self.ab_plan: AbPlan | None = None  # the whole comparison when A/B is on (``plan`` is then variant A's)
        self.preset_estimates: list[PresetEstimate] = []
        self.suggestion: Suggestion | None = None
        self.transition = "cut"  # the chosen preset's (the ad's default transition)
        self._applying_preset = False
        self._user_chose = False  # the user chose a model, length, resolution or preset: no suggestion overrides it
        self._suggestion_applied = False
        self.pairs_loaded = False
        self._plan_seq = 0
        self._duration_touched = False
        self._notice = ""  # a failed launch or budget change, shown until the user changes something
        self._has_replicate_key: bool | None = None  # None: not known yet
        self._model_touched = False
        self.models: dict[str, ModelSpec] = {m.id: m for m in generation.models()}
        self.setWindowTitle(f"Generate clips — {campaign.name}")
        self.resize(620, 680)
        self._build()
        self._replan_timer = QTimer(self)
        self._replan_timer.setSingleShot(True)
        self._replan_timer.setInterval(REPLAN_DELAY_MS)
        self._replan_timer.timeout.connect(self.replan)
        self.model_combo.currentIndexChanged.connect(self._model_chosen)
        self.duration_spin.valueChanged.connect(self._duration_changed)
        self.resolution_combo.currentIndexChanged.connect(self._resolution_changed)
        for signal in (self.aspect_combo.currentIndexChanged, self.pair_list.selection_changed):
            signal.connect(self.schedule_replan)
        self.preset_combo.activated.connect(self._preset_picked)
        self.ab_check.toggled.connect(self._ab_toggled)
        for combo in self.ab_combos:
            combo.currentIndexChanged.connect(self.schedule_replan)
        self.bridge.run(f"generate-suggestion-{self.campaign.id}",
                        self.generation.preset_suggestion(campaign.client_id), on_done=self._suggestion_arrived,
                        on_error=lambda _exc: None)
        self._model_changed()
        self._load_pairs()
        self.bridge.run(f"generate-key-{self.campaign.id}", self.generation.has_replicate_key(),
                        on_done=self._key_known, on_error=lambda _exc: self._key_known(False))
        feed.changed.connect(self.apply_changes)

    def apply_changes(self, changes: Changes) -> None:
        """Plan again when the campaign's budget or spend changed; read the pairs again when they changed."""
        campaign_id = self.campaign.id
        if changes.pairs_of(campaign_id):
            self._load_pairs()
        elif changes.spend_of(campaign_id):
            self.schedule_replan()

    # ---- building ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.preset_combo = QComboBox()
        self.preset_combo.addItem("Custom", None)
        self.preset_combo.setToolTip("A preset chooses the model, resolution, clip length and transition; the cost "
                                     "beside each is for the pairs chosen below")
        self.suggestion_label = QLabel()
        self.suggestion_label.setWordWrap(True)
        set_tone(self.suggestion_label, Tone.MUTED)
        self.suggestion_label.hide()
        self.ab_check = QCheckBox("Compare with other models (A/B): the same pairs on each")
        self.ab_combos = [QComboBox(), QComboBox()]
        self.ab_row = QWidget()
        ab_layout = QHBoxLayout(self.ab_row)
        ab_layout.setContentsMargins(0, 0, 0, 0)
        for letter, combo in zip("BC", self.ab_combos, strict=True):
            if letter == "C":
                combo.addItem("(none)", None)
            for spec in self.models.values():
                combo.addItem(f"{letter}: {spec.label}", spec.id)
            ab_layout.addWidget(combo, 1)
        self.ab_combos[0].setCurrentIndex(min(1, self.ab_combos[0].count() - 1))
        self.ab_row.hide()
        self.model_combo = QComboBox()
        for spec in self.models.values():
            self.model_combo.addItem(f"{spec.label} — {price_rule(spec.price_usd, spec.price_unit)}", spec.id)
        self.model_notes = QLabel()
        self.model_notes.setWordWrap(True)
        set_tone(self.model_notes, Tone.MUTED)
        self.duration_spin = QDoubleSpinBox()
        self.duration_spin.setRange(1, 60)
        self.duration_spin.setDecimals(1)
        self.duration_spin.setSingleStep(1)
        self.duration_spin.setSuffix(" s")
        self.duration_hint = QLabel()
        duration_row = QHBoxLayout()
        duration_row.addWidget(self.duration_spin)
        duration_row.addWidget(self.duration_hint, 1)
        self.aspect_combo = QComboBox()
        self.resolution_combo = QComboBox()
        form = QFormLayout()
        form.addRow("Preset:", self.preset_combo)
        form.addRow("", self.suggestion_label)
        form.addRow("Model:", self.model_combo)
        form.addRow("", self.ab_check)
        form.addRow("", self.ab_row)
        form.addRow("", self.model_notes)
        form.addRow("Duration:", duration_row)
        form.addRow("Aspect:", self.aspect_combo)
        form.addRow("Resolution:", self.resolution_combo)

        self.pair_list = PairChecklist(self.thumbnails)
        self.pairs_message = QLabel("Loading the campaign's pairs…")
        self.pairs_message.setWordWrap(True)
        all_button, none_button = QPushButton("All"), QPushButton("None")
        for button, checked in ((all_button, True), (none_button, False)):
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, c=checked: self.pair_list.set_all(c))
        pair_buttons = QHBoxLayout()
        pair_buttons.addWidget(self.pairs_message, 1)
        pair_buttons.addWidget(all_button)
        pair_buttons.addWidget(none_button)
        pairs_box = QGroupBox("Pairs to generate")
        pairs_layout = QVBoxLayout(pairs_box)
        pairs_layout.addWidget(self.pair_list)
        pairs_layout.addLayout(pair_buttons)

        self.plan_label = QLabel()
        self.adjustments_label = QLabel()
        self.adjustments_label.setWordWrap(True)
        set_tone(self.adjustments_label, Tone.WARNING)
        self.estimate_label = QLabel()
        self.estimate_label.setStyleSheet("font-weight: 600")
        self.remaining_label = QLabel()
        self.budget_message = QLabel()
        self.budget_message.setWordWrap(True)
        set_tone(self.budget_message, Tone.ERROR)
        self.raise_button = QPushButton("Raise budget…")
        self.raise_button.setAutoDefault(False)
        self.raise_button.clicked.connect(self._show_raise_row)
        self.budget_spin = QDoubleSpinBox()
        self.budget_spin.setRange(0, 1_000_000)
        self.budget_spin.setDecimals(2)
        self.budget_spin.setPrefix("$")
        self.apply_budget_button = QPushButton("Set budget")
        self.apply_budget_button.setAutoDefault(False)
        self.apply_budget_button.clicked.connect(self._raise_budget)
        self.raise_row = QWidget()
        raise_layout = QHBoxLayout(self.raise_row)
        raise_layout.setContentsMargins(0, 0, 0, 0)
        raise_layout.addWidget(QLabel("New campaign budget:"))
        raise_layout.addWidget(self.budget_spin)
        raise_layout.addWidget(self.apply_budget_button)
        raise_layout.addStretch(1)
        self.raise_row.hide()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        set_tone(self.error_label, Tone.ERROR)
        cost_box = QGroupBox("Cost")
        cost_layout = QVBoxLayout(cost_box)
        for widget in (self.plan_label, self.adjustments_label, self.estimate_label, self.remaining_label):
            cost_layout.addWidget(widget)
        budget_row = QHBoxLayout()
        budget_row.addWidget(self.budget_message, 1)
        budget_row.addWidget(self.raise_button)
        cost_layout.addLayout(budget_row)
        cost_layout.addWidget(self.raise_row)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.launch_button = self.buttons.addButton("Launch", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.launch)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(pairs_box, 1)
        layout.addWidget(cost_box)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._show_plan_state()

    # ---- inputs ------------------------------------------------------------------------------------
    def current_model(self) -> ModelSpec:
        return self.models[self.model_combo.currentData()]

    def select_model(self, model_id: str) -> None:
        """Choose ``model_id`` (as a user would)."""
        self.model_combo.setCurrentIndex(self.model_combo.findData(model_id))

    def _model_chosen(self) -> None:
        self._model_touched = True
        self._user_chose = True
        self._model_changed()
        self._leave_preset()

    # ---- presets -----------------------------------------------------------------------------------
    def select_preset(self, name: str) -> None:
        """Choose the preset ``name`` (as a user would)."""
        index = self.preset_combo.findData(name)
        if index >= 0:
            self.preset_combo.setCurrentIndex(index)
            self._preset_chosen(index)

    def _preset_picked(self, index: int) -> None:
        self._user_chose = True
        self._preset_chosen(index)

    def _preset_chosen(self, index: int) -> None:
        """Fill the model, resolution and clip length in from the preset (its transition goes with the job)."""
        name = self.preset_combo.itemData(index)
        item = next((e for e in self.preset_estimates if e.preset.name == name), None)
        if item is None or item.preset.model_id not in self.models:
            return
        preset = item.preset
        spec = self.models[preset.model_id]
        self._applying_preset = True
        try:
            self._model_touched = True
            self.model_combo.blockSignals(True)
            self.select_model(preset.model_id)
            self.model_combo.blockSignals(False)
            self._duration_touched = False
            self._model_changed()
            if preset.resolution:
                self.resolution_combo.setCurrentIndex(max(0, self.resolution_combo.findText(preset.resolution)))
            self.duration_spin.blockSignals(True)
            self.duration_spin.setValue(preset.duration_s or spec.default_duration)
            self.duration_spin.blockSignals(False)
            self._resolution_changed()
            self.transition = preset.transition
        finally:
            self._applying_preset = False

    def _leave_preset(self) -> None:
        """A value changed by hand: the choice is no longer a preset's."""
        if not self._applying_preset and self.preset_combo.currentIndex() != 0:
            self.preset_combo.setCurrentIndex(0)
            self.transition = "cut"

    def _estimate_presets(self, pair_count: int) -> None:
        self.bridge.run(f"generate-presets-{self.campaign.id}",
                        self.generation.preset_estimates(pair_count, self.aspect_combo.currentText() or "16:9"),
                        on_done=self._presets_arrived, on_error=lambda _exc: None)

    def _presets_arrived(self, estimates: list[PresetEstimate]) -> None:
        """Each preset with its cost for the chosen pairs, before it is chosen."""
        self.preset_estimates = estimates
        current = self.preset_combo.currentData()
        self.preset_combo.blockSignals(True)
        while self.preset_combo.count() > 1:
            self.preset_combo.removeItem(1)
        for item in estimates:
            cost = "unavailable" if item.problem else usd(item.estimate_usd)
            self.preset_combo.addItem(f"{item.preset.name} — {cost} for {plural(item.pair_count, 'pair')}",
                                      item.preset.name)
            if item.problem:
                self.preset_combo.setItemData(self.preset_combo.count() - 1, item.problem,
                                              Qt.ItemDataRole.ToolTipRole)
        self.preset_combo.setCurrentIndex(max(0, self.preset_combo.findData(current)))
        self.preset_combo.blockSignals(False)
        self._show_suggestion()

    def preset_cost(self, name: str) -> float | None:
        """The cost shown beside preset ``name`` (None: not shown or unavailable)."""
        item = next((e for e in self.preset_estimates if e.preset.name == name), None)
        return None if item is None or item.problem else item.estimate_usd

    def _suggestion_arrived(self, suggestion: Suggestion | None) -> None:
        self.suggestion = suggestion
        self._show_suggestion()

    def _show_suggestion(self) -> None:
        suggestion = self.suggestion
        if suggestion is None:
            self.suggestion_label.hide()
            return
        if suggestion.preset is not None:
            text = f"Suggested: {suggestion.preset.name} — {suggestion.reason}."
            if not self._user_chose and not self._suggestion_applied and self.preset_estimates:
                self._suggestion_applied = True  # the default, once: the user's own choice stays
                self.select_preset(suggestion.preset.name)
        else:
            text = f"{suggestion.reason[:1].upper()}{suggestion.reason[1:]} (no preset uses it yet)."
        self.suggestion_label.setText(text)
        self.suggestion_label.show()

    # ---- A/B ---------------------------------------------------------------------------------------
    def _ab_toggled(self, on: bool) -> None:
        self.ab_row.setVisible(on)
        self.schedule_replan()

    def ab_models(self) -> list[str]:
        """The models compared when A/B is on: the main one, then B (and C when chosen)."""
        chosen = [self.model_combo.currentData(), *(c.currentData() for c in self.ab_combos)]
        return [m for m in chosen if m]

    def _key_known(self, present: bool) -> None:
        """Without a Replicate key the local model is the sensible default (unless the user chose already)."""
        self._has_replicate_key = present
        if not self._model_touched:
            wanted = next((m.id for m in self.models.values() if (m.provider == "replicate") == present), None)
            if wanted is not None and wanted != self.model_combo.currentData():
                self.model_combo.blockSignals(True)
                self.select_model(wanted)
                self.model_combo.blockSignals(False)
                self._model_changed()
                return
        self._show_plan_state()

    def _model_changed(self) -> None:
        """Offer the model's aspects and resolutions (keeping the current choice when it still fits)."""
        spec = self.current_model()
        self.model_notes.setText(spec.notes)
        self.model_notes.setVisible(bool(spec.notes))
        if not self._duration_touched:
            self.duration_spin.blockSignals(True)
            self.duration_spin.setValue(spec.default_duration)
            self.duration_spin.blockSignals(False)
        _refill(self.aspect_combo, spec.aspects, self.aspect_combo.currentText() or spec.aspects[0])
        _refill(self.resolution_combo, spec.resolutions, spec.default_resolution)
        self._resolution_changed()

    def _resolution_changed(self) -> None:
        spec = self.current_model()
        allowed = spec.durations_at(self.resolution_combo.currentText())
        self.duration_hint.setText(f"{spec.label} takes {durations_text(allowed)}")
        self._leave_preset()
        self.schedule_replan()

    def _load_pairs(self) -> None:
        self.bridge.run(f"generate-pairs-{self.campaign.id}", self.pairing.list_pairs(self.campaign.id),
                        on_done=self._pairs_arrived, on_error=self._pairs_failed)

    def _pairs_arrived(self, pairs: list[PairSuggestion]) -> None:
        self.pairs_loaded = True
        self.pair_list.set_pairs(pairs)
        if not pairs:
            self.pairs_message.setText("This campaign has no pairs yet: suggest or add them on the Pairs tab.")
            return
        self.pairs_message.setText(plural(len(pairs), "pair"))
        ids = sorted({a for p in pairs for a in (p.first_asset_id, p.last_asset_id)})
        self.bridge.run(f"generate-assets-{self.campaign.id}", self.library.get_assets(ids),
                        on_done=self.pair_list.set_assets, on_error=lambda _exc: None)

    def _pairs_failed(self, exc: BaseException) -> None:
        self.pairs_message.setText(f"The pairs could not be loaded: {describe_error(exc)}")
        set_tone(self.pairs_message, Tone.ERROR)

    # ---- planning ----------------------------------------------------------------------------------
    def _duration_changed(self) -> None:
        self._duration_touched = True  # a model change keeps the user's duration: the plan shows its snap
        self._user_chose = True
        self._leave_preset()
        self.schedule_replan()

    def schedule_replan(self) -> None:
        """Re-plan shortly (several changes in a row make one request)."""
        self._notice = ""
        self.plan = None
        self.ab_plan = None
        self._show_plan_state(busy=True)
        self._replan_timer.start()

    def replan(self) -> None:
        """Ask the service for the plan of the current inputs now."""
        self._replan_timer.stop()
        if not self.pairs_loaded:
            return
        pairs = self.pair_list.checked_pairs()
        if not pairs:
            self._show_plan_state(error="Choose at least one pair.")
            return
        self._plan_seq += 1
        seq = self._plan_seq
        self._estimate_presets(len(pairs))
        values = {"duration_s": self.duration_spin.value(), "aspect": self.aspect_combo.currentText(),
                  "resolution": self.resolution_combo.currentText(), "pairs": pairs}
        coro = self.generation.plan_ab(self.campaign.id, self.ab_models(), **values) if self.ab_check.isChecked() \
            else self.generation.plan(self.campaign.id, self.model_combo.currentData(), **values)
        self.bridge.run(f"generate-plan-{self.campaign.id}", coro,
                        on_done=lambda plan: seq == self._plan_seq and self._plan_arrived(plan),
                        on_error=lambda exc: seq == self._plan_seq and self._show_plan_state(
                            error=describe_error(exc)))

    def _plan_arrived(self, plan: JobPlan | AbPlan) -> None:
        if isinstance(plan, AbPlan):
            self.ab_plan, self.plan = plan, plan.plans[0]
        else:
            self.ab_plan, self.plan = None, plan
        self._show_plan_state()

    def _show_plan_state(self, *, busy: bool = False, error: str = "") -> None:
        plan = self.plan
        if plan is not None and plan.model.provider == "replicate" and self._has_replicate_key is False:
            error = error or (f"{plan.model.label} runs on Replicate and no Replicate API token is set: add one in "
                              "the settings, or choose the local model.")
        shown = "\n".join(m for m in (error, self._notice) if m)
        self.error_label.setText(shown)
        self.error_label.setVisible(bool(shown))
        ab_plan = self.ab_plan
        over = plan is not None and (ab_plan.over_budget if ab_plan is not None else plan.over_budget)
        self.launch_button.setEnabled(plan is not None and not over and not error)
        self.budget_message.setVisible(over)
        self.raise_button.setVisible(over or not self.raise_row.isHidden())
        if plan is None:
            self.plan_label.setText("Working out the cost…" if busy and self.pairs_loaded else "")
            for label in (self.adjustments_label, self.estimate_label, self.remaining_label):
                label.setText("")
            self.adjustments_label.hide()
            return
        plans = ab_plan.plans if ab_plan is not None else (plan,)
        lines = [f"{letter + ': ' if ab_plan else ''}{plural(len(p.pairs), 'clip')} × {seconds(p.duration_s)} with "
                 f"{p.model.label}, {p.resolution}, {p.aspect}" + (f" — {usd(p.estimate_usd)}" if ab_plan else "")
                 for letter, p in zip("ABC", plans, strict=False)]
        self.plan_label.setText("\n".join(lines))
        adjustments = [a for p in plans for a in p.adjustments]
        self.adjustments_label.setText("\n".join(adjustments))
        self.adjustments_label.setVisible(bool(adjustments))
        estimate = ab_plan.estimate_usd if ab_plan is not None else plan.estimate_usd
        self.estimate_label.setText(f"Estimate: {usd(estimate)}" + (" in all" if ab_plan else ""))
        spent = f"spent {usd(plan.spent_usd)}, committed {usd(plan.committed_usd)} by work in flight"
        if plan.budget_usd is None:
            self.remaining_label.setText(f"No budget set for this campaign ({spent}).")
        else:
            self.remaining_label.setText(f"Remaining budget: {usd(plan.remaining_usd)} "
                                         f"(budget {usd(plan.budget_usd)}, {spent})")
        if over:
            held = "".join(f"\n{h.describe()[0].upper()}{h.describe()[1:]}." for h in plan.money.holdings)
            self.budget_message.setText(
                f"The estimate is more than the remaining budget of {usd(plan.remaining_usd)}: raise the budget, "
                f"or choose fewer pairs, a shorter duration or a cheaper model.{held}")
            self.budget_spin.setValue(math.ceil(plan.spent_usd + plan.committed_usd + estimate))

    # ---- budget ------------------------------------------------------------------------------------
    def _show_raise_row(self) -> None:
        self.raise_row.show()
        self.budget_spin.setFocus()

    def _raise_budget(self) -> None:
        self.apply_budget_button.setEnabled(False)
        self.bridge.run(f"generate-budget-{self.campaign.id}",
                        self.library.update_campaign(self.campaign.id, budget_usd=self.budget_spin.value()),
                        on_done=self._budget_raised, on_error=self._budget_failed)

    def _budget_raised(self, op: Op[CampaignInfo]) -> None:
        self.campaign = op.value
        self.apply_budget_button.setEnabled(True)
        self.raise_row.hide()
        self.schedule_replan()

    def _budget_failed(self, exc: BaseException) -> None:
        self.apply_budget_button.setEnabled(True)
        self._notice = f"The budget was not changed: {describe_error(exc)}"
        self._show_plan_state()

    # ---- launch ------------------------------------------------------------------------------------
    def launch(self) -> None:
        """Create the job of the current plan; ``launched`` follows and the dialog closes."""
        if self.plan is None:
            return
        if self.ab_plan is not None:
            if self.ab_plan.over_budget:
                return
            coro = self.generation.create_ab_job(self.ab_plan, transition=self.transition)
        elif self.plan.over_budget:
            return
        else:
            coro = self.generation.create_job(self.plan, transition=self.transition)
        self.launch_button.setEnabled(False)
        self.bridge.run(f"generate-launch-{self.campaign.id}", coro, on_done=self._launched,
                        on_error=self._launch_failed)

    def _launched(self, op: Op[JobState]) -> None:
        self.launched.emit(op.value)
        self.accept()

    def _launch_failed(self, exc: BaseException) -> None:
        self.plan = None
        self._notice = f"The job was not created: {describe_error(exc)}"
        self._show_plan_state(busy=True)
        self.replan()


def _refill(combo: QComboBox, values: tuple[str, ...], preferred: str) -> None:
    """Replace ``combo``'s items with ``values``, selecting ``preferred`` when present (no signals)."""
    combo.blockSignals(True)
    combo.clear()
    combo.addItems(list(values))
    combo.setCurrentIndex(max(0, combo.findText(preferred)))
    combo.blockSignals(False)
