"""What a deliverables render is asked to make: one field per ``combine`` command-line option.

    combine ID -o OUT                  → the ``output`` argument of ``render_deliverables``
    --transition NAME[,NAME...]        → transition (one for all joins, or one per join)
    --aspect A                         → aspect          --fit crop|pad       → fit
    --formats A,B,...                  → formats (OUT is then a folder)
    --end-card / --end-card-seconds S  → end_card / end_card_seconds   --cta TEXT → cta
    --supers auto|none|FILE.srt        → supers          --captions           → captions
    --logo-bug                         → logo_bug        --music FILE         → music
    --loudness -14|-23|-24|off         → loudness        --draft              → draft
    --skip-failed                      → skip_failed     (--length 6|15|30|free → length)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.core.media.captions import Cue
from app.core.media.end_card import DEFAULT_SECONDS
from app.core.media.formats import FITS, FORMAT_CHOICES, parse_formats, parse_length
from app.core.media.logo_bug import CORNERS
from app.core.media.loudness import parse_loudness
from app.core.media.supers import parse_supers
from app.core.media.transitions import parse_transitions

CLIP_AUDIO = ("keep", "mix", "drop")
MAX_END_CARD_S = 15.0


class DeliverError(Exception):
    """The deliverables cannot be made as asked; the message says which clip, file or option and why."""


@dataclass(frozen=True)
class DeliverOptions:
    """How to turn the clips into finished deliverables. Text values are parsed and checked on creation."""

    transition: tuple[str, ...] | str = ("cut",)
    transition_s: float = 0.5  # a crossfade's overlap; the whole length of a fade through black
    aspect: str = "source"  # the one format made when ``formats`` is empty
    fit: str = "pad"  # "crop" (around each clip's focus point) | "pad" (letterbox in the brand colour)
    formats: tuple[str, ...] | str = ()  # several formats from one decode, one file each
    end_card: bool = False
    end_card_seconds: float = DEFAULT_SECONDS
    cta: str | None = None  # None: the brand kit's call to action
    supers: str | Path | tuple[Cue, ...] = "auto"  # key messages one per clip | "none" | an .srt | explicit cues
    captions: bool = False  # draw the supers' cues as captions (white on dark, bottom of the safe area)
    logo_bug: bool = False
    logo_bug_corner: str = "top-right"
    logo_bug_opacity: float = 0.8
    logo_bug_margin: float = 0.0  # extra inset from the safe area's corner, as a fraction of the short side
    music: Path | None = None
    music_volume: float = 0.8
    music_fade_s: float = 1.5
    clip_audio: str = "keep"  # "keep" | "mix" (under the music) | "drop"
    loudness: float | str | None = -14.0  # -14, -23, -24, or None / "off"
    length: str = "free"  # "6" (bumper), "15", "30", "free": a warning when the ad's length is off
    draft: bool = False  # reduced size, fastest encode, cached by the options that shape it
    skip_failed: bool = False  # leave out clips that cannot be read instead of failing
    height: int | None = None  # the outputs' short side; None: the clips'
    fps: int | None = None  # None: the clips' common rate, else 30
    extra: dict[str, object] = field(default_factory=dict, compare=False)  # copied into every manifest

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "transition", parse_transitions(self.transition))
            formats = parse_formats(self.formats) if self.formats else ()
            object.__setattr__(self, "formats", formats)
            object.__setattr__(self, "loudness", parse_loudness(self.loudness))
            object.__setattr__(self, "length", parse_length(self.length))
            if isinstance(self.supers, str | Path):
                object.__setattr__(self, "supers", parse_supers(self.supers))
            else:
                object.__setattr__(self, "supers", tuple(self.supers))
        except ValueError as exc:
            raise DeliverError(str(exc)) from None
        if self.music is not None:
            object.__setattr__(self, "music", Path(self.music).expanduser())
        self._check()

    @property
    def outputs(self) -> tuple[str, ...]:
        """The aspects to make, in order."""
        return self.formats or (self.aspect,)  # type: ignore[return-value]

    def _check(self) -> None:
        if self.aspect not in FORMAT_CHOICES:
            raise DeliverError(f"aspect must be one of {', '.join(FORMAT_CHOICES)} (got {self.aspect!r})")
        if self.fit not in FITS:
            raise DeliverError(f"fit must be crop or pad (got {self.fit!r})")
        if not 0 < self.transition_s <= 10:
            raise DeliverError(f"the transition length must be above 0 and at most 10 s (got {self.transition_s})")
        if self.end_card and not 0.5 <= self.end_card_seconds <= MAX_END_CARD_S:
            raise DeliverError(f"the end card must last between 0.5 and {MAX_END_CARD_S:g} s "
                               f"(got {self.end_card_seconds})")
        if self.logo_bug_corner not in CORNERS:
            raise DeliverError(f"the logo bug's corner must be one of {', '.join(CORNERS)}")
        if not 0 < self.logo_bug_opacity <= 1:
            raise DeliverError(f"the logo bug's opacity must be above 0 and at most 1 (got {self.logo_bug_opacity})")
        if not 0 <= self.logo_bug_margin <= 0.2:
            raise DeliverError(f"the logo bug's margin must be between 0 and 0.2 (got {self.logo_bug_margin})")
        if not 0 <= self.music_volume <= 2:
            raise DeliverError(f"the music volume must be between 0 and 2 (got {self.music_volume})")
        if not 0 <= self.music_fade_s <= 10:
            raise DeliverError(f"the music fade must be between 0 and 10 s (got {self.music_fade_s})")
        if self.clip_audio not in CLIP_AUDIO:
            raise DeliverError(f"clip audio must be keep, mix or drop (got {self.clip_audio!r})")
        if self.height is not None and not 64 <= self.height <= 4320:
            raise DeliverError(f"the output resolution must be between 64 and 4320 pixels (got {self.height})")
        if self.fps is not None and not 1 <= self.fps <= 120:
            raise DeliverError(f"the frame rate must be between 1 and 120 (got {self.fps})")
