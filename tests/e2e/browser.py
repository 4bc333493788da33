"""How the browser tests start Debian's chromium (never a browser downloaded by a test tool)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserType

CHROMIUM = Path("/usr/bin/chromium")
# Offline machine: no background connections, no first-run or update traffic.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def launch_chromium(browser_type: BrowserType, *extra_flags: str, **options: Any) -> Browser:
    """Debian's chromium, headless, with the offline flags and any ``extra_flags``."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    return browser_type.launch(
        executable_path=str(CHROMIUM), headless=True, args=[*FLAGS, *extra_flags], **options
    )
