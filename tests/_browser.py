"""Where the browser tests find Chromium: Debian's, since Playwright's own download
is not reachable here (CI installs the package)."""

from __future__ import annotations

__all__ = ["CHROMIUM"]

CHROMIUM = "/usr/bin/chromium"
