"""Image decoders' chatter goes to the log, not to the terminal.

Pillow warns through Python's ``warnings`` (corrupt EXIF data, huge images, odd palettes) and libtiff prints
its warnings and errors straight to standard error; importing a folder of odd files would flood the terminal
with lines no user can act on (the reason shown for each file is in the report). ``route_decoder_messages``
sends both to the ``app.core.library.decoder`` logger at INFO level, once per process.
"""

from __future__ import annotations

import ctypes
import logging
import threading
import warnings
from typing import Any

from PIL import Image

log = logging.getLogger("app.core.library.decoder")
_lock = threading.Lock()
_routed = False
# Kept alive for as long as libtiff may call them.
_tiff_handlers: list[Any] = []


def route_decoder_messages() -> None:
    """Send Pillow's warnings and libtiff's messages to the log from now on (idempotent, thread-safe)."""
    global _routed
    if _routed:
        return
    with _lock:
        if _routed:
            return
        _route_pillow_warnings()
        _route_libtiff_messages()
        _routed = True


def _route_pillow_warnings() -> None:
    previous = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:
        if _from_pillow(filename) or issubclass(category, Image.DecompressionBombWarning):
            log.info("image decoder: %s", message)
        else:
            previous(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    warnings.filterwarnings("always", module=r"PIL(\.|$)")  # one log line per file, not once per process


def _from_pillow(filename: str) -> bool:
    normalized = filename.replace("\\", "/")
    return "/PIL/" in normalized


def _route_libtiff_messages() -> None:
    """Point libtiff's global warning and error handlers at the log (where Pillow exposes its libtiff)."""
    try:
        from PIL import _imaging

        imaging = ctypes.CDLL(_imaging.__file__)
        set_warning = imaging.TIFFSetWarningHandler
        set_error = imaging.TIFFSetErrorHandler
        libc = ctypes.CDLL(None)
        vsnprintf = libc.vsnprintf
    except (ImportError, OSError, AttributeError, TypeError):  # libtiff linked statically (Windows) or absent
        return
    vsnprintf.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p]
    vsnprintf.restype = ctypes.c_int
    handler_type = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p)

    def make(kind: str) -> Any:
        def handle(module: bytes | None, fmt: bytes | None, args: int | None) -> None:
            try:
                buffer = ctypes.create_string_buffer(512)
                vsnprintf(buffer, len(buffer), fmt or b"", args)
                text = buffer.value.decode("utf-8", "replace")
                where = (module or b"").decode("utf-8", "replace")
                log.info("libtiff %s: %s%s", kind, f"{where}: " if where else "", text)
            except Exception:  # a message lost is better than an exception thrown into C
                pass
        return handler_type(handle)

    for setter, kind in ((set_warning, "warning"), (set_error, "error")):
        setter.argtypes = [handler_type]
        setter.restype = ctypes.c_void_p
        handler = make(kind)
        _tiff_handlers.append(handler)
        setter(handler)

