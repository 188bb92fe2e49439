"""The chat page in real headless Chromium: streams a reply, shows the reading and the mix, overrides it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from emotive_agents.server.runner import ServerThread

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Debian chromium is not installed (apt-get install -y chromium)", allow_module_level=True)

LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def page(server: ServerThread):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 760})
            page.goto(server.url + "/")
            page.wait_for_selector("#sliders input[data-emotion=joy]")
            yield page
        finally:
            browser.close()


def _send(page, text: str) -> None:
    before = page.locator(".msg.assistant.done, .msg.error").count()
    page.fill("#input", text)
    page.press("#input", "Enter")
    page.wait_for_function(
        f"document.querySelectorAll('.msg.assistant.done, .msg.error').length > {before}", timeout=60_000
    )


def test_auto_turn_shows_reading_and_mix(page) -> None:
    pytest.importorskip("emotive_agents.router")
    assert page.locator("#model").inner_text() == "tiny-llama"
    _send(page, "I am so angry, my order is late again!")
    turn = page.locator(".turn").last
    assert turn.locator(".msg.user").inner_text() == "I am so angry, my order is late again!"
    assert turn.locator(".msg.assistant").inner_text().strip(), "the streamed reply is empty"
    assert turn.locator(".reading .bar").count() >= 1, "no affect reading bars"
    assert "auto" in turn.locator(".chip.source").inner_text()
    assert turn.locator(".chip").count() >= 2
    assert turn.locator(".chip.reply-reading").inner_text().startswith("reply reads ")


def test_manual_override_applies_the_slider_mix(page, tmp_path: Path) -> None:
    page.check("#mode-manual")
    slider = page.locator("#sliders input[data-emotion=joy]")
    slider.evaluate("(el) => { el.value = '0.75'; el.dispatchEvent(new Event('input')); }")
    _send(page, "Tell me about Mondays.")
    turn = page.locator(".turn").last
    assert turn.locator(".chip.source").inner_text() == "manual"
    chips = turn.locator(".mix-chip").all_inner_texts()
    assert chips == ["joy +0.75"]
    assert turn.locator(".msg.assistant").inner_text().strip()

    shot = tmp_path / "chat.png"  # also kept by --basetemp for a look
    page.screenshot(path=str(shot), full_page=True)
    _check_screenshot(shot)


def _check_screenshot(path: Path) -> None:
    """The PNG is a real, non-blank rendering: right size, many distinct colours, the chips' green."""
    image_module = pytest.importorskip("PIL.Image")
    image = image_module.open(path).convert("RGB")
    assert image.size[0] >= 1000 and image.size[1] >= 700
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50, "the page rendered (almost) blank"
    most = max(count for count, _ in colours)
    assert most < 0.9 * image.size[0] * image.size[1]
    pixels = {colour for _, colour in colours}
    assert (0x2F, 0x6F, 0xDB) in pixels, "the blue user bubble is not visible"
    assert (0xD9, 0xF2, 0xE3) in pixels, "the green mix chip is not visible"
