"""The report in a real browser: headless Chromium loads it without console errors and plays
the overlay video (duration > 0).

Talks the DevTools protocol over a minimal standard-library WebSocket client, so the test
needs nothing beyond the Debian `chromium` package.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from pipeline_support import by_name, shared_run  # noqa: F401  (shared_run is a fixture)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]


class DevTools:
    """Just enough of a WebSocket client (RFC 6455) to drive one DevTools page session."""

    def __init__(self, url: str) -> None:
        host_port, path = url.removeprefix("ws://").split("/", 1)
        host, port = host_port.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.sock.recv(4096)
        assert b" 101 " in response.split(b"\r\n", 1)[0], response
        self.buffer = response.split(b"\r\n\r\n", 1)[1]
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _receive(self) -> dict[str, Any]:
        message = b""
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            message += self._read(length)
            if first & 0x80:
                return json.loads(message)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        payload = json.dumps({"id": self.next_id, "method": method, "params": params}).encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(payload))
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)
        while True:
            message = self._receive()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while time.monotonic() < deadline:
            event = self._receive()
            self.events.append(event)
            if event.get("method") == method:
                return event
        raise TimeoutError(method)

    def errors(self) -> list[str]:
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(json.dumps(params.get("exceptionDetails", {}))[:300])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error",
                                                                                 "assert"):
                found.append(json.dumps(params.get("args", []))[:300])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append(params["entry"].get("text", "")[:300])
        return found


def _start_chromium(profile: Path) -> tuple[subprocess.Popen, str]:
    assert CHROMIUM is not None
    proc = subprocess.Popen(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not port_file.is_file():
        time.sleep(0.1)
    port = port_file.read_text().splitlines()[0]
    for _ in range(50):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
            pages = [t for t in json.load(r) if t.get("type") == "page"]
        if pages:
            return proc, pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.1)
    raise RuntimeError("Chromium opened no page")


def open_report(page: Path, profile: Path) -> tuple[list[str], Any, str]:
    """Load `page`; return (console errors, video duration, page title)."""
    proc, ws = _start_chromium(profile)
    try:
        tools = DevTools(ws)
        tools.send("Runtime.enable")
        tools.send("Log.enable")
        tools.send("Page.enable")
        tools.send("Page.navigate", url=page.resolve().as_uri())
        tools.wait_for("Page.loadEventFired")
        duration = tools.send(
            "Runtime.evaluate",
            expression="""new Promise(function (resolve) {
                var v = document.querySelector('video');
                if (!v) { resolve('no video element'); return; }
                if (v.readyState >= 1) { resolve(v.duration); return; }
                v.addEventListener('loadedmetadata', function () { resolve(v.duration); });
                v.addEventListener('error', function () {
                    resolve('media error ' + (v.error && v.error.code)); });
                setTimeout(function () { resolve('timeout, readyState ' + v.readyState); },
                           15000);
            })""",
            awaitPromise=True,
            returnByValue=True,
        )["result"].get("value")
        title = tools.send("Runtime.evaluate", expression="document.title",
                           returnByValue=True)["result"].get("value")
        time.sleep(0.5)  # let late console messages arrive
        tools.send("Runtime.evaluate", expression="1")
        return tools.errors(), duration, title
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.skipif(CHROMIUM is None, reason="the chromium binary is not installed "
                    "(apt-get install -y chromium)")
def test_report_loads_and_plays_in_chromium(shared_run, tmp_path: Path) -> None:  # noqa: F811
    summary, out, _ = shared_run
    good = by_name(summary)["good.mp4"]
    errors, duration, title = open_report(out / good["video_id"] / "report.html",
                                          tmp_path / "profile")
    assert errors == []
    assert isinstance(duration, (int, float)) and duration > 0, duration
    assert "good.mp4" in title
    # the run index and a failed input's page load cleanly too
    run_errors, run_duration, _ = open_report(out / "report.html", tmp_path / "profile2")
    assert run_errors == [] and run_duration == "no video element"
