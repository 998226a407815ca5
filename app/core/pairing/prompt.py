"""The Chat Completions messages sent to Grok: instructions, campaign and brand context, labelled images."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.core.domain import AssetInfo, CampaignInfo, ClientInfo
from app.core.pairing.previews import data_uri

MAX_PAIRS = 12
IMAGE_DETAIL = "high"

SYSTEM_PAIRING = """You are a senior video editor at an advertising agency. You choose pairs of campaign images
to become the FIRST and LAST frame of short AI-generated video clips; the clips are then cut together into one ad.

Choose pairs by:
- visual continuity: palette, light, composition and subject position close enough for a smooth transition;
- thematic coherence with the campaign's goal, audience and key messages;
- brand consistency: the brand colours, tone and restrictions;
- transition potential: a plausible camera or subject movement that leads from the first frame to the last.

Rules:
- Use only the asset ids given next to the images. Never pair an image with itself. No duplicate pairs.
- score is a number from 0 to 1 (1 = a seamless, on-brand transition).
- reasoning: one or two sentences on why the two frames work together.
- prompt: a motion prompt of one to three sentences for a video model: what the camera and the subject do between
  the first and the last frame, in the brand's tone, respecting its restrictions. Do not ask for text or logos.
- List the pairs in the order the clips should play in the ad."""

SYSTEM_REWRITE = """You are a senior video editor at an advertising agency. You rewrite the motion prompt of one
AI-generated video clip that starts on the first image and ends on the second. The prompt is one to three sentences
for a video model: what the camera and the subject do between the two frames, in the brand's tone, respecting its
restrictions, following the user's feedback. Do not ask for text or logos."""


def _line(label: str, value: str) -> str | None:
    value = value.strip()
    return f"{label}: {value}" if value else None


def context_text(campaign: CampaignInfo, client: ClientInfo | None) -> str:
    """The campaign and its brand guidelines as a text block."""
    lines = [f"Campaign: {campaign.name}", _line("Client", client.name if client else campaign.client_name),
             _line("Goal", campaign.goal), _line("Audience", campaign.audience)]
    messages = [m.strip() for m in campaign.key_messages if m.strip()]
    if messages:
        lines.append("Key messages:\n" + "\n".join(f"- {m}" for m in messages))
    lines.append(_line("Product URL", campaign.product_url))
    if client:
        lines.append("Brand guidelines:")
        lines.append(_line("Brand colours", ", ".join(client.brand_colors)))
        lines.append(_line("Tone", client.tone))
        lines.append(_line("Restrictions", client.restrictions))
        lines.append(_line("Homepage", client.homepage))
    return "\n".join(line for line in lines if line)


def image_label(asset: AssetInfo) -> str:
    """The text part placed right before an image: its asset id first, then what helps (name, size, stars, tags)."""
    details = [asset.original_name, f"{asset.width}×{asset.height}"]
    if asset.rating:
        details.append(f"{asset.rating}★")
    if asset.flag.value == "pick":
        details.append("picked")
    if asset.tags:
        details.append("tags: " + ", ".join(asset.tags))
    return f"Asset id {asset.id} — " + " · ".join(details)


def _image_parts(images: Sequence[tuple[AssetInfo, bytes]]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for asset, jpeg in images:
        parts.append({"type": "text", "text": image_label(asset)})
        parts.append({"type": "image_url", "image_url": {"url": data_uri(jpeg), "detail": IMAGE_DETAIL}})
    return parts


def task_text(count: int | None, chain: bool, image_count: int) -> str:
    """What to return: how many pairs, chained or not."""
    if count is not None:
        amount = f"Return exactly {count} pair{'s' if count != 1 else ''}."
    else:
        most = min(MAX_PAIRS, image_count - 1 if chain else MAX_PAIRS)
        amount = (f"Return an appropriate number of pairs for a short ad: at least 1 and at most {most}; "
                  "fewer strong pairs are better than many weak ones.")
    if chain:
        shape = ("Make a storyline chain: the last image of each pair is the first image of the next pair "
                 "(A→B, B→C, C→D, …), so every clip ends on the frame the next one starts with. "
                 "No image appears twice in the chain.")
    else:
        shape = "Each pair is its own clip; prefer pairs that do not reuse an image."
    return f"{amount} {shape}"


def build_pairing_messages(campaign: CampaignInfo, client: ClientInfo | None,
                           images: Sequence[tuple[AssetInfo, bytes]], count: int | None,
                           chain: bool) -> list[dict[str, Any]]:
    """System instructions, then one user message: context, task, and every image after its labelled id."""
    intro = (f"{context_text(campaign, client)}\n\nTask: {task_text(count, chain, len(images))}\n\n"
             f"The {len(images)} candidate images follow, each right after its asset id.")
    return [
        {"role": "system", "content": SYSTEM_PAIRING},
        {"role": "user", "content": [{"type": "text", "text": intro}, *_image_parts(images)]},
    ]


def build_rewrite_messages(campaign: CampaignInfo, client: ClientInfo | None, first: tuple[AssetInfo, bytes],
                           last: tuple[AssetInfo, bytes], current_prompt: str,
                           feedback: str) -> list[dict[str, Any]]:
    """Ask for a new motion prompt for one pair, with both frames, the current prompt and the user's feedback."""
    request = (f"{context_text(campaign, client)}\n\nCurrent prompt: {current_prompt.strip() or '(none)'}\n"
               f"Feedback: {feedback.strip() or 'write a better prompt'}\n\n"
               "The first frame, then the last frame, follow.")
    return [
        {"role": "system", "content": SYSTEM_REWRITE},
        {"role": "user", "content": [{"type": "text", "text": request}, *_image_parts([first, last])]},
    ]
