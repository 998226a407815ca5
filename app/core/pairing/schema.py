"""The strict JSON schemas Grok must answer with (``response_format`` of type ``json_schema``), and the names
of the two reply formats (a server that refuses strict schemas is asked for a ``json_object``)."""

from __future__ import annotations

from typing import Any

JSON_SCHEMA = "json_schema"
JSON_OBJECT = "json_object"
PAIRS_SCHEMA_NAME = "pair_suggestions"
REWRITE_SCHEMA_NAME = "motion_prompt"

_PAIR: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["first_asset_id", "last_asset_id", "score", "reasoning", "prompt"],
    "properties": {
        "first_asset_id": {"type": "integer", "description": "asset id of the clip's first frame"},
        "last_asset_id": {"type": "integer", "description": "asset id of the clip's last frame"},
        "score": {"type": "number", "description": "0 to 1: how seamless and on-brand the transition is"},
        "reasoning": {"type": "string", "description": "one or two sentences: why these two frames"},
        "prompt": {"type": "string", "description": "motion prompt: what the camera and subject do"},
    },
}

PAIRS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["pairs"],
    "properties": {"pairs": {"type": "array", "items": _PAIR}},
}

REWRITE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["prompt"],
    "properties": {"prompt": {"type": "string", "description": "the new motion prompt"}},
}


def response_format(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The Chat Completions ``response_format`` asking for a strict ``schema`` reply."""
    return {"type": JSON_SCHEMA, "json_schema": {"name": name, "strict": True, "schema": schema}}
