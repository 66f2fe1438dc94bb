"""Headless Chromium from Debian, installed on demand: screenshots and rendered DOMs of Airflow's UI."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


def ensure_chromium() -> Path:
    """``/usr/bin/chromium``, installed with apt-get when missing (as root; does nothing when present)."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise RuntimeError("chromium is missing and cannot be installed here: run `apt-get install -y chromium`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr}")
    return CHROMIUM


def screenshot(url: str, out: Path, *, budget_ms: int = 8000, size: str = "1400,900") -> Path:
    """Render ``url`` for ``budget_ms`` of virtual time and save a PNG at ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    done = _chromium(url, f"--screenshot={out}", budget_ms=budget_ms, size=size)
    if not out.exists():
        raise RuntimeError(f"chromium wrote no screenshot of {url} (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return out


def rendered_dom(url: str, *, budget_ms: int = 8000) -> str:
    """The page's DOM after ``budget_ms`` of virtual time (what the UI's JavaScript rendered)."""
    done = _chromium(url, "--dump-dom", budget_ms=budget_ms)
    if done.returncode != 0 or not done.stdout:
        raise RuntimeError(f"chromium --dump-dom {url} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return done.stdout


def _chromium(url: str, action: str, *, budget_ms: int, size: str = "1400,900") -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        command = [
            str(ensure_chromium()),
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={budget_ms}",
            f"--window-size={size}",
            action,
            url,
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
