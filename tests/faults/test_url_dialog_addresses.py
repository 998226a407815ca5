"""The URL dialog refuses a malformed address inline, with the reason, and keeps what was typed."""

from __future__ import annotations

from app.ui.assets.url_dialog import UrlDialog, line_problems, parse_urls


def test_malformed_addresses_are_refused_with_their_reasons() -> None:
    text = "http://127.0.0.1:99999/x.jpg\nhttps://ok.example/a.jpg\nhttp://[::1\nhttp://]x/\nwww.example.com/b.jpg"
    urls, bad = parse_urls(text)
    assert urls == ["https://ok.example/a.jpg"]
    assert bad == ["http://127.0.0.1:99999/x.jpg", "http://[::1", "http://]x/", "www.example.com/b.jpg"]
    assert [problem for _, problem in line_problems(text)] == [
        "not a valid web address: the port 99999 is not a number from 1 to 65535",
        "not a valid web address: the host name is malformed (check the [ ] around an IPv6 address)",
        "not a valid web address: the host name is malformed (check the [ ] around an IPv6 address)",
        "not a web address: it must start with http:// or https://"]


def test_the_dialog_shows_the_reason_inline_and_stays_open(qtbot) -> None:
    dialog = UrlDialog()
    qtbot.addWidget(dialog)
    chosen: list[list[str]] = []
    dialog.urls_chosen.connect(chosen.append)
    dialog.show()
    typed = "https://ok.example/a.jpg\nhttp://127.0.0.1:99999/x.jpg\nhttp://bad\x1bname.example/c.jpg"
    dialog.editor.setPlainText(typed)
    dialog.import_button.click()
    assert dialog.isVisible() and chosen == []
    message = dialog.message.text()
    assert "http://127.0.0.1:99999/x.jpg — not a valid web address: the port 99999 is not a number from 1 to 65535" \
        in message
    assert "http://bad\\x1bname.example/c.jpg — not a valid web address: it contains spaces or control characters" \
        in message and "\x1b" not in message
    assert dialog.editor.toPlainText() == typed  # nothing the user typed is lost
    dialog.editor.setPlainText("https://ok.example/a.jpg\nhttp://127.0.0.1:8080/x.jpg")
    dialog.import_button.click()
    assert chosen == [["https://ok.example/a.jpg", "http://127.0.0.1:8080/x.jpg"]]
