"""A misbehaving HTTP server of our own: raw asyncio on 127.0.0.1, in a background thread.

It answers every request according to the first segment of its path, so a connection whose ``base_path``
is ``/<behaviour>`` gets that behaviour on every command (``/slow-body/api/job-execution/48/status``).
Each behaviour is what a broken proxy, an overloaded server or an attacker could send: a body dripped one
byte at a time, an endless or huge body, a gzip bomb, a response cut short, a broken chunked encoding, bad
gzip, an endless header block, no answer at all, a status line that is not HTTP, an enormous ``reason``.

Nothing here lasts forever: every answer is given up after :data:`GUARD` seconds (the connection is closed),
so a client that does not bound its own read makes a test fail slowly instead of hanging it. The server is
started and stopped by :class:`HostileServer` (a context manager) and nothing else.
"""

from __future__ import annotations

import asyncio
import json
import struct
import threading
import time
import zlib
from collections.abc import Awaitable, Callable
from functools import cache

#: Seconds after which any answer is abandoned and the connection closed.
GUARD = 20.0
#: Seconds between two bytes of a dripped answer: shorter than any per-read timeout a test configures, so
#: only an overall deadline stops it.
DRIP_INTERVAL = 0.5
#: What "huge" and "bomb" mean: far beyond any response size cap, cheap to produce (zeros) and to refuse.
HUGE_DECLARED = 2 * 1024**3
BOMB_DECOMPRESSED = 1024**3
#: Bytes sent at most by an endless answer before the guard's byte budget closes it (keeps a client that
#: reads everything from eating the machine's memory).
ENDLESS_BUDGET = 256 * 1024**2
#: Size of the reason string of the "long-reason" behaviour (10 MB, as seen in issue #12).
LONG_REASON = 10 * 1024**2

STATUS_BODY = b'{"job-status": "RUNNING", "job-execution-id": 7, "file-id": 48, "status": "success"}'

Writer = asyncio.StreamWriter
Behaviour = Callable[[Writer], Awaitable[None]]


def _head(status: str = "200 OK", **headers: str | int) -> bytes:
    lines = [
        f"HTTP/1.1 {status}",
        "Content-Type: application/json",
        *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _drip(writer: Writer, data: bytes) -> None:
    for i in range(len(data)):
        writer.write(data[i : i + 1])
        await writer.drain()
        await asyncio.sleep(DRIP_INTERVAL)


async def _zeros(writer: Writer, total: int, *, chunked: bool) -> None:
    block = b"0" * (1024 * 1024)
    sent = 0
    while sent < min(total, ENDLESS_BUDGET):
        writer.write(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
        await writer.drain()
        sent += len(block)


@cache
def gzip_bomb(size: int = BOMB_DECOMPRESSED) -> bytes:
    """``size`` bytes of zeros as one gzip member of about ``size / 1000`` bytes; built once, in a second.

    Each MiB is deflated after a full flush, which resets the compressor, so every MiB compresses to the
    same bytes: one is made and repeated, and the gzip header and trailer (CRC, length) are written by hand.
    """
    block = b"0" * (1024 * 1024)
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    unit = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    count = size // len(block)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    trailer = struct.pack("<II", crc, (count * len(block)) & 0xFFFFFFFF)
    return header + unit * count + packer.flush(zlib.Z_FINISH) + trailer


async def ok(writer: Writer) -> None:
    writer.write(_head(Content_Length=len(STATUS_BODY)) + STATUS_BODY)


async def silent(writer: Writer) -> None:
    await asyncio.sleep(GUARD)


async def slow_head(writer: Writer) -> None:
    await _drip(writer, _head(Content_Length=len(STATUS_BODY)) + STATUS_BODY)


async def slow_body(writer: Writer) -> None:
    writer.write(_head(Content_Length=len(STATUS_BODY)))
    await _drip(writer, STATUS_BODY)


async def endless_body(writer: Writer) -> None:
    writer.write(_head(Transfer_Encoding="chunked"))
    await _zeros(writer, ENDLESS_BUDGET, chunked=True)


async def huge_body(writer: Writer) -> None:
    writer.write(_head(Content_Length=HUGE_DECLARED))
    await _zeros(writer, HUGE_DECLARED, chunked=False)


async def huge_undeclared(writer: Writer) -> None:
    """A body without Content-Length that runs until the connection closes (HTTP/1.0 style)."""
    writer.write(_head(Connection="close"))
    await _zeros(writer, HUGE_DECLARED, chunked=False)


async def gzip_bombed(writer: Writer) -> None:
    body = await asyncio.get_running_loop().run_in_executor(None, gzip_bomb)  # built at start, in a thread
    writer.write(_head(Content_Encoding="gzip", Content_Length=len(body)) + body)


async def bad_gzip(writer: Writer) -> None:
    body = b"this is not gzip at all" * 10
    writer.write(_head(Content_Encoding="gzip", Content_Length=len(body)) + body)


async def short_body(writer: Writer) -> None:
    writer.write(_head(Content_Length=len(STATUS_BODY) + 500) + STATUS_BODY)


async def broken_chunks(writer: Writer) -> None:
    writer.write(_head(Transfer_Encoding="chunked") + b"zz\r\n" + STATUS_BODY + b"\r\n0\r\n\r\n")


async def cut_chunks(writer: Writer) -> None:
    writer.write(_head(Transfer_Encoding="chunked") + b"400\r\n" + STATUS_BODY)


async def endless_headers(writer: Writer) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\n")
    for i in range(100_000):
        writer.write(b"X-Flood-%d: %s\r\n" % (i, b"y" * 100))
        await writer.drain()


async def not_http(writer: Writer) -> None:
    writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")


async def long_reason(writer: Writer) -> None:
    body = json.dumps({"status": "failure", "reason": "R" * LONG_REASON}).encode()
    writer.write(_head(Content_Length=len(body)) + body)


BEHAVIOURS: dict[str, Behaviour] = {
    "ok": ok,
    "silent": silent,
    "slow-head": slow_head,
    "slow-body": slow_body,
    "endless-body": endless_body,
    "huge-body": huge_body,
    "huge-undeclared": huge_undeclared,
    "gzip-bomb": gzip_bombed,
    "bad-gzip": bad_gzip,
    "short-body": short_body,
    "broken-chunks": broken_chunks,
    "cut-chunks": cut_chunks,
    "endless-headers": endless_headers,
    "not-http": not_http,
    "long-reason": long_reason,
}


class HostileServer:
    """``with HostileServer() as server:`` serves :data:`BEHAVIOURS` at ``server.url + "/<behaviour>"``.

    ``server.requests`` lists ``(method, path)`` of every request whose head arrived, oldest first.
    """

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="hostile-server", daemon=True)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(asyncio.start_server(self._serve, "127.0.0.1", 0), self._loop)
        self._server = started.result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]
        self._loop.call_soon_threadsafe(self._loop.run_in_executor, None, gzip_bomb)  # ready before it is asked
        return self

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:  # keep-alive: one behaviour per request until the client or the guard closes
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), GUARD)
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
                    return
                method, path = head.split(b" ", 2)[:2]
                self.requests.append((method.decode(), path.decode()))
                behaviour = BEHAVIOURS.get(path.decode().split("/")[1], ok)
                started = time.monotonic()
                try:
                    await asyncio.wait_for(behaviour(writer), GUARD)
                    await writer.drain()
                except (TimeoutError, ConnectionError):
                    return
                if behaviour is not ok or time.monotonic() - started > GUARD:
                    return  # a misbehaving answer ends the connection (the client must not reuse it)
        finally:
            self._tasks.discard(task)
            writer.close()
