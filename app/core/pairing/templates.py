"""Motion prompts from templates, filled with the brand's tone and the campaign's key message.

Used by the local pairer, and to fill a prompt Grok left empty.
"""

from __future__ import annotations

from app.core.domain import CampaignInfo, ClientInfo

MOTIONS = (
    "Slow push-in on the opening frame, then a smooth, continuous camera move that settles on the final frame.",
    "Gentle lateral tracking shot carrying the eye from the first frame to the last as light and colour shift "
    "naturally.",
    "Smooth crane move rising from the opening frame and easing down onto the final frame.",
    "Slow orbit around the subject while the first scene transforms seamlessly into the last.",
    "Steady dolly-out from the first frame that reveals the final frame, with soft, natural motion.",
    "Graceful match-cut feel: the camera glides forward and the shapes of the first frame flow into the last.",
)


def motion_prompt(campaign: CampaignInfo, client: ClientInfo | None, index: int) -> str:
    """A motion prompt for the pair at ``index``: a camera move (varied by index) in the brand's tone."""
    parts = [MOTIONS[index % len(MOTIONS)]]
    tone = (client.tone if client else "").strip().rstrip(".")
    if tone:
        parts.append(f"Mood: {tone}.")
    message = next((m.strip().rstrip(".") for m in campaign.key_messages if m.strip()), "")
    if message:
        parts.append(f"The clip should convey: {message}.")
    parts.append("Photorealistic, no text or logos added.")
    return " ".join(parts)
