"""A real Kannel (bearerbox + smsbox + fakesmsc) on loopback, for tests. No Django here.

    with KannelHarness(tmp_path, incoming_url="http://127.0.0.1:8123/incoming?secret=s") as k:
        k.send_sms("6281234567890", "Halo", dlr_mask=27, dlr_url="http://127.0.0.1:8123/dlr?ref=1&status=%d")
        msg = k.wait_for_received(lambda m: m.receiver == "6281234567890")
        k.inject_incoming("6281234567890", "1234", "CEK ABC123")

What the harness starts, each as a foreground child in its own process group, with its own
config file and free 127.0.0.1 ports (it never touches a system-wide Kannel):

* ``bearerbox`` with one ``smsc = fake`` connection (the simulated operator SMSC);
* ``smsbox`` with a ``sendsms-user`` (HTTP sendsms for Warga) and a catch-all ``sms-service``
  whose ``get-url`` forwards every incoming SMS to ``incoming_url``;
* Kannel's ``fakesmsc`` test client (``/usr/lib/kannel/test/fakesmsc`` on Debian, package
  ``kannel-extras``) in interactive mode, standing in for the handsets.

Facts about Kannel 1.4.5 this relies on (checked against the running binaries):

* fakesmsc has no option to read messages later than start-up other than *interactive mode*:
  started with no message arguments it reads one MO line per ``fgets`` from stdin
  (``"sender receiver text the words"`` or ``"sender receiver ucs2 <url-encoded UTF-16BE>"``;
  lines are limited to 255 bytes) and logs ``fakesmsc: sent message N`` once written.
  A line shorter than two characters only makes it check its bearerbox socket. Because it
  mixes ``select()`` with stdio buffering, the harness writes one MO line at a time and waits
  for that acknowledgement before the next.
* Everything fakesmsc prints goes to **stderr** through Kannel's logger; a message from
  bearerbox (an MT, i.e. what the phone receives) is logged at debug level as
  ``Got message N: <sender receiver TYPE payload>`` with TYPE ``text`` (payload raw, Kannel's
  internal UTF-8), ``ucs-2`` (url-encoded UTF-16BE), ``data`` (url-encoded 8-bit) or
  ``udh <url-encoded UDH> data <url-encoded payload>`` for each part of a concatenated message.
  fakesmsc only polls its socket between 1 s waits on stdin; the harness writes an empty
  line every ``poll_interval`` (0.1 s) so that an MT shows up within about that time.
* smsc_fake in bearerbox fakes delivery reports: after writing an MT to fakesmsc it reports
  type 8 (delivered to SMSC, ``%A`` = ``ACK/``) if the dlr-mask has 8, and then type 1
  (delivered to phone, ``%A`` empty) if the mask has 1 or 2. It never produces 2, 4 or 16.
  In a DLR callback ``%p`` is the handset (the MT's receiver) and ``%P`` the MT's sender.
* ``mo-recode = true`` in smsbox turns UCS-2 MO messages into UTF-8 before ``get-url``,
  so ``%b`` is UTF-8 text with ``%c`` = 0 and ``%C`` = ``UTF-8``.
* smsbox's ``global-sender`` must stay unset: when it is set, ``%P`` in the get-url of an
  incoming SMS is replaced by it instead of the number the phone sent to. Warga always passes
  ``from`` to sendsms instead. The 1.4.5 ``sendsms-user`` group knows ``dlr-url`` but not
  ``dlr-mask``.
* A concatenated MT gets one type 8 and one type 1 report in all, type 1 first.
* Shutting down bearerbox or smsbox with SIGTERM takes up to about 2 s (done in parallel).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

__all__ = [
    "DLR_URL_PARAMS",
    "INCOMING_URL_PARAMS",
    "KannelBinaries",
    "KannelError",
    "KannelHarness",
    "ReceivedSMS",
    "find_kannel",
    "kannel_escape",
]

# Query parameters smsbox appends to the incoming URL (get-url). Same names as in
# deploy/kannel/kannel.conf: %p sender, %P receiver (our number), %b exact text (URL-encoded),
# %c coding, %C charset, %T Unix time, %i smsc-id, %I Kannel's message id.
INCOMING_URL_PARAMS = "from=%p&to=%P&text=%b&coding=%c&charset=%C&ts=%T&smsc=%i&id=%I"

# Query parameters for a dlr-url: %d DLR type, %A SMSC reply, %p handset, %P sender,
# %T time, %i smsc-id, %F SMSC's message id.
DLR_URL_PARAMS = "status=%d&smsc_reply=%A&to=%p&from=%P&ts=%T&smsc=%i&fid=%F"

# As in deploy/kannel/kannel.conf: no numbers, no text, no dlr-url (it holds the callback secret).
ACCESS_LOG_FORMAT = "%l [SMSC:%i] [SVC:%n] [ID:%I] [FID:%F] [DLR:%d] [coding:%c] [len:%L]"
_DEBIAN_FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
_FAKESMSC_LINE_MAX = 254  # fakesmsc reads stdin with fgets() into a 256-byte buffer
_MT_TYPES = {b"text", b"data", b"ucs-2", b"ucs2", b"udh"}
_GOT_RE = re.compile(rb"Got message (\d+): <(.*)>\s*$")
_SENT_RE = re.compile(rb"fakesmsc: sent message (\d+)")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class KannelError(RuntimeError):
    """Kannel could not be started or did not behave."""


@dataclasses.dataclass(frozen=True)
class KannelBinaries:
    bearerbox: str
    smsbox: str
    fakesmsc: str


def find_kannel() -> KannelBinaries | None:
    """Locate bearerbox, smsbox and fakesmsc (env KANNEL_BEARERBOX/KANNEL_SMSBOX/KANNEL_FAKESMSC win)."""

    def locate(env: str, name: str, *extra: str) -> str | None:
        candidates = [os.environ.get(env, ""), shutil.which(name) or "", f"/usr/sbin/{name}", *extra]
        for candidate in candidates:
            if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
        return None

    bearerbox = locate("KANNEL_BEARERBOX", "bearerbox")
    smsbox = locate("KANNEL_SMSBOX", "smsbox")
    fakesmsc = locate("KANNEL_FAKESMSC", "fakesmsc", _DEBIAN_FAKESMSC)
    if bearerbox and smsbox and fakesmsc:
        return KannelBinaries(bearerbox, smsbox, fakesmsc)
    return None


def kannel_escape(url: str) -> str:
    """Make a literal URL safe inside a Kannel URL pattern (get-url, dlr-url): '%' becomes '%%'.

    Kannel expands %a, %b, %C, %d, %F ... in those patterns, so an already percent-encoded
    sequence such as %C3 would otherwise be replaced.
    """
    return url.replace("%", "%%")


def _with_query(url: str, query: str) -> str:
    if not query:
        return url
    if url.endswith(("?", "&")):
        return url + query
    return url + ("&" if "?" in url else "?") + query


@dataclasses.dataclass(frozen=True)
class ReceivedSMS:
    """An MT message as the simulated phone (fakesmsc) received it.

    ``coding`` is 0 (7-bit; Kannel hands the text over as UTF-8), 1 (8-bit data) or 2 (UCS-2).
    For a concatenated message the parts are joined; fakesmsc does not print the coding of a
    part with a UDH, so for those the coding is inferred from the bytes (``coding_inferred``).
    """

    sender: str
    receiver: str
    text: str
    coding: int
    payload: bytes
    udh: bytes = b""
    parts: int = 1
    coding_inferred: bool = False
    raw: tuple[str, ...] = ()
    received_at: float = 0.0

    @property
    def from_(self) -> str:
        return self.sender

    @property
    def to(self) -> str:
        return self.receiver


@dataclasses.dataclass
class _Pending:
    total: int
    parts: dict[int, tuple[bytes, bytes, str]]  # seq -> (udh, payload, raw line)


def _url_decode(value: bytes) -> bytes:
    # Kannel's octstr_url_encode writes ' ' as '+' and a literal '+' as %2B.
    return urllib.parse.unquote_to_bytes(value.replace(b"+", b" "))


def _decode_7bit(payload: bytes) -> str:
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("latin-1")


def _concat_info(udh: bytes) -> tuple[int, int, int] | None:
    """(reference, total, sequence) from a UDH's concatenation element, if there is one."""
    if not udh:
        return None
    end = min(len(udh), 1 + udh[0])
    i = 1
    while i + 1 < end:
        iei, length = udh[i], udh[i + 1]
        data = udh[i + 2 : i + 2 + length]
        if iei == 0x00 and length == 3 and len(data) == 3:
            return data[0], data[1], data[2]
        if iei == 0x08 and length == 4 and len(data) == 4:
            return (data[0] << 8) | data[1], data[2], data[3]
        i += 2 + length
    return None


def _infer_coding(payload: bytes) -> int:
    """Guess 0 (UTF-8 text) or 2 (UTF-16BE) for a payload fakesmsc printed as ``udh ... data``."""
    if len(payload) % 2 == 0 and payload:
        try:
            payload.decode("utf-16-be")
        except UnicodeDecodeError:
            return 0
        if b"\x00" in payload[0::2]:
            return 2
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError:
            return 2
    return 0


def _text_for(payload: bytes, coding: int) -> str:
    if coding == 2:
        return payload.decode("utf-16-be", errors="replace")
    if coding == 1:
        return payload.decode("utf-8", errors="replace")
    return _decode_7bit(payload)


class _Process:
    def __init__(self, name: str, popen: subprocess.Popen[Any], log_path: Path) -> None:
        self.name = name
        self.popen = popen
        self.log_path = log_path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()  # resolved in the parent: the forked child must not import anything
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: get SIGKILL when the thread that started it goes away."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


def _free_ports(count: int) -> list[int]:
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _check_config_value(name: str, value: str) -> str:
    if any(ch in value for ch in '"\\\r\n'):
        raise ValueError(f"{name} must not contain quotes, backslashes or line breaks: {value!r}")
    return value


_CONFIG_TEMPLATE = """\
# Generated by warga.messaging.testing.kannel for one test run. Loopback only.
group = core
admin-port = {admin_port}
admin-interface = 127.0.0.1
admin-password = "{admin_password}"
status-password = "{admin_password}"
admin-deny-ip = "*.*.*.*"
admin-allow-ip = "127.0.0.1"
smsbox-port = {smsbox_port}
smsbox-interface = 127.0.0.1
box-deny-ip = "*.*.*.*"
box-allow-ip = "127.0.0.1"
log-file = "{workdir}/bearerbox.log"
log-level = {log_level}
access-log = "{workdir}/bearerbox-access.log"
access-log-format = "{access_log_format}"
dlr-storage = internal
{store}
group = smsc
smsc = fake
smsc-id = {smsc_id}
port = {fake_port}
our-host = 127.0.0.1
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox_port}
sendsms-port = {sendsms_port}
sendsms-interface = 127.0.0.1
mo-recode = true
log-file = "{workdir}/smsbox.log"
log-level = {log_level}
http-request-retry = 30
http-queue-delay = 1
{max_pending}
group = sendsms-user
username = "{username}"
password = "{password}"
max-messages = {max_messages}
concatenation = true
user-deny-ip = "*.*.*.*"
user-allow-ip = "127.0.0.1"
{sendsms_dlr}
group = sms-service
keyword = default
catch-all = true
max-messages = 0
omit-empty = true
get-url = "{get_url}"
"""


class KannelHarness:
    """Start bearerbox, smsbox and fakesmsc on loopback; stop them all on exit."""

    def __init__(
        self,
        workdir: Path,
        incoming_url: str,
        dlr_base_url: str | None = None,
        *,
        username: str = "warga",
        password: str = "warga-test-password",  # noqa: S107 - a throwaway test Kannel
        default_sender: str = "WARGA",
        max_messages: int = 5,
        log_level: int = 0,
        start_timeout: float = 15.0,
        stop_timeout: float = 5.0,
        poll_interval: float = 0.1,
        binaries: KannelBinaries | None = None,
        store: bool = False,
        max_pending_requests: int | None = 16,
    ) -> None:
        self.workdir = Path(workdir)
        # Calls to Warga (DLRs, incoming) at most this many at once: a test's live server opens
        # one database connection per request thread. None: Kannel's default, as deploy/kannel.
        self.max_pending_requests = max_pending_requests
        # store: bearerbox keeps accepted messages in a store file, so a restart loses none.
        self.store = store
        self.incoming_url = _check_config_value("incoming_url", incoming_url)
        self.dlr_base_url = _check_config_value("dlr_base_url", dlr_base_url) if dlr_base_url else None
        self.username = _check_config_value("username", username)
        self.password = _check_config_value("password", password)
        self.default_sender = default_sender
        self.max_messages = max_messages
        self.log_level = log_level
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.poll_interval = poll_interval
        self.smsc_id = "fake"
        self.admin_password = "warga-admin-" + os.urandom(6).hex()
        self._binaries = binaries
        self.admin_port = self.smsbox_port = self.sendsms_port = self.fake_port = 0
        self.config_path = self.workdir / "kannel.conf"

        self._processes: list[_Process] = []
        self._fakesmsc: _Process | None = None
        self._reader: threading.Thread | None = None
        self._cond = threading.Condition()
        self._parts: list[ReceivedSMS] = []
        self._messages: list[ReceivedSMS] = []
        self._pending: dict[tuple[str, str, int, int], _Pending] = {}
        self._unparsed: list[str] = []
        self._mo_sent = 0
        self._inject_lock = threading.Lock()  # one MO at a time
        self._write_lock = threading.Lock()  # fakesmsc's stdin
        self._poker: threading.Thread | None = None
        self._poke_stop = threading.Event()
        self._started = False

    # ------------------------------------------------------------------ URLs

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    @property
    def status_url(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}/status.txt?password={self.admin_password}"

    def dlr_url(self, ref: str, base_url: str | None = None) -> str:
        """A dlr-url for one MT: ``base?ref=<ref>&status=%d&...`` (base defaults to dlr_base_url)."""
        base = base_url or self.dlr_base_url
        if not base:
            raise ValueError("no dlr_base_url given")
        query = "ref=" + urllib.parse.quote(ref, safe="") + "&" + DLR_URL_PARAMS
        return _with_query(kannel_escape(base), query)

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> KannelHarness:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        if self._started:
            raise KannelError("harness already started")
        binaries = self._binaries or find_kannel()
        if binaries is None:
            raise KannelError("Kannel not found: install the Debian packages kannel and kannel-extras")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._started = True
        try:
            last_error: KannelError | None = None
            for _attempt in range(3):  # a freshly picked free port can be taken in between
                try:
                    self._start_bearerbox(binaries)
                    break
                except _PortClash as error:
                    last_error = error
                    self._stop_processes()
            else:
                raise last_error or KannelError("bearerbox did not start")
            self._start_smsbox(binaries)
            self._start_fakesmsc(binaries)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop fakesmsc, smsbox and bearerbox: SIGTERM, then SIGKILL after stop_timeout."""
        self._poke_stop.set()
        if self._poker is not None:
            self._poker.join(timeout=2)
            self._poker = None
        fake = self._fakesmsc
        if fake is not None and fake.popen.stdin is not None:
            with self._write_lock, contextlib.suppress(OSError):
                fake.popen.stdin.close()
        self._stop_processes()
        if self._reader is not None:
            self._reader.join(timeout=2)
            self._reader = None
        self._fakesmsc = None
        self._started = False

    def _stop_processes(self) -> None:
        processes, self._processes = self._processes, []
        for proc in processes:
            if proc.alive():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for proc in processes:
            remaining = max(0.0, deadline - time.monotonic())
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.popen.wait(timeout=remaining)
            # The group may still hold helpers even when the leader is gone.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.popen.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.popen.wait(timeout=2)
            for stream in (proc.popen.stdout, proc.popen.stderr):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()

    # -------------------------------------------------------- the three boxes

    def _spawn(self, name: str, argv: Sequence[str], **kwargs: Any) -> _Process:
        log_path = self.workdir / f"{name}.console.log"
        if "stdout" not in kwargs:
            out: IO[bytes] = open(log_path, "ab")  # noqa: SIM115 - handed to the child
            kwargs["stdout"] = out
            kwargs["stderr"] = subprocess.STDOUT
        else:
            out = None  # type: ignore[assignment]
        try:
            popen = subprocess.Popen(
                list(argv),
                cwd=self.workdir,
                start_new_session=True,
                preexec_fn=_die_with_parent,
                **kwargs,
            )
        finally:
            if out is not None:
                out.close()
        proc = _Process(name, popen, log_path)
        self._processes.append(proc)
        return proc

    def _write_config(self) -> None:
        get_url = _with_query(kannel_escape(self.incoming_url), INCOMING_URL_PARAMS)
        sendsms_dlr = ""
        if self.dlr_base_url:
            default_dlr = _with_query(kannel_escape(self.dlr_base_url), DLR_URL_PARAMS)
            sendsms_dlr = f'dlr-url = "{default_dlr}"\n'
        self.config_path.write_text(
            _CONFIG_TEMPLATE.format(
                admin_port=self.admin_port,
                admin_password=self.admin_password,
                smsbox_port=self.smsbox_port,
                sendsms_port=self.sendsms_port,
                fake_port=self.fake_port,
                smsc_id=self.smsc_id,
                workdir=self.workdir.resolve(),
                log_level=self.log_level,
                username=self.username,
                password=self.password,
                max_messages=self.max_messages,
                sendsms_dlr=sendsms_dlr,
                get_url=get_url,
                max_pending=(
                    f"max-pending-requests = {int(self.max_pending_requests)}\n"
                    if self.max_pending_requests
                    else ""
                ),
                access_log_format=ACCESS_LOG_FORMAT,
                store=(
                    f'store-type = file\nstore-location = "{self.workdir.resolve()}/kannel.store"\n'
                    if self.store
                    else ""
                ),
            )
        )

    def restart(self, pause: float = 1.0) -> None:
        """Stop every box (bearerbox's SIGTERM also ends smsbox, as on a real restart), wait
        `pause` seconds, start them again on the same ports. What fakesmsc received stays."""
        binaries = self._binaries or find_kannel()
        assert binaries is not None
        self.stop()
        time.sleep(pause)
        self._started = True
        self._poke_stop = threading.Event()
        try:
            self._start_bearerbox(binaries, keep_ports=True)
            # smsbox 1.4.5 opens its sendsms port before it is connected to bearerbox, and a
            # request in that moment makes it panic (gwlib/conn.c lock_out: conn != NULL). A
            # supervisor (systemd Restart=always) starts it again; so does this.
            for attempt in range(5):
                try:
                    self._start_smsbox(binaries)
                    break
                except KannelError:
                    self._processes = [p for p in self._processes if p.name != "smsbox" or p.alive()]
                    if attempt == 4:
                        raise
            self._start_fakesmsc(binaries)
        except BaseException:
            self.stop()
            raise

    def _start_bearerbox(self, binaries: KannelBinaries, keep_ports: bool = False) -> None:
        if not keep_ports:
            self.admin_port, self.smsbox_port, self.sendsms_port, self.fake_port = _free_ports(4)
        self._write_config()
        proc = self._spawn("bearerbox", [binaries.bearerbox, "-v", "1", str(self.config_path)])
        fake_marker = f"FAKE:{self.fake_port}"

        def ready() -> bool:
            status = self.status()
            return status is not None and fake_marker in status

        try:
            self._wait(proc, ready, "bearerbox admin status")
        except KannelError as error:
            log = proc.tail(200)
            if "could not create listening socket" in log or "Could not open" in log or "bind" in log:
                raise _PortClash(str(error)) from error
            raise

    def _start_smsbox(self, binaries: KannelBinaries) -> None:
        def ready() -> bool:
            status = self.status()
            if status is None or "smsbox:" not in status:
                return False
            return self._http_answers(self.sendsms_url)

        for attempt in range(3):
            proc = self._spawn("smsbox", [binaries.smsbox, "-v", "1", str(self.config_path)])
            try:
                self._wait(proc, ready, "smsbox sendsms port and bearerbox connection")
                return
            except KannelError:
                # bearerbox answers on its admin port a moment before it listens for smsbox, and
                # smsbox gives up at once when refused: started again, as systemd would.
                if attempt == 2 or "Couldn't connect to the bearerbox" not in proc.tail(50):
                    raise
                time.sleep(0.5)

    def _start_fakesmsc(self, binaries: KannelBinaries) -> None:
        argv = [binaries.fakesmsc, "-H", "127.0.0.1", "-r", str(self.fake_port), "-i", "0", "-v", "0"]
        proc = self._spawn(
            "fakesmsc",
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._fakesmsc = proc
        self._reader = threading.Thread(target=self._read_fakesmsc, args=(proc,), daemon=True)
        self._reader.start()
        self._poke_stop.clear()
        self._poker = threading.Thread(target=self._poke_fakesmsc, daemon=True)
        self._poker.start()
        online = re.compile(rf"FAKE:{self.fake_port}\s*\(online")

        def ready() -> bool:
            status = self.status()
            return status is not None and online.search(status) is not None

        self._wait(proc, ready, "fakesmsc connected to bearerbox")

    def _wait(self, proc: _Process, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if not proc.alive():
                raise KannelError(
                    f"{proc.name} exited with {proc.popen.returncode} while waiting for {what}:\n"
                    + proc.tail()
                )
            if ready():
                return
            time.sleep(0.05)
        raise KannelError(f"timed out after {self.start_timeout}s waiting for {what}:\n" + proc.tail())

    def status(self) -> str | None:
        """bearerbox's status.txt, or None when the admin port does not answer."""
        try:
            with _NO_PROXY.open(self.status_url, timeout=2) as response:
                return str(response.read().decode("utf-8", errors="replace"))
        except (OSError, urllib.error.URLError):
            return None

    @staticmethod
    def _http_answers(url: str) -> bool:
        try:
            with _NO_PROXY.open(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # e.g. 403 Authorization failed: the port answers
        except (OSError, urllib.error.URLError):
            return False

    # ------------------------------------------------------------ fakesmsc IO

    def _read_fakesmsc(self, proc: _Process) -> None:
        stdout = proc.popen.stdout
        assert stdout is not None
        with open(proc.log_path, "ab") as log:
            for line in iter(stdout.readline, b""):
                log.write(line)
                log.flush()
                self._handle_line(line)
        with self._cond:
            self._cond.notify_all()

    def _write_fakesmsc(self, data: bytes) -> bool:
        proc = self._fakesmsc
        if proc is None or proc.popen.stdin is None:
            return False
        with self._write_lock:
            try:
                proc.popen.stdin.write(data)
                proc.popen.stdin.flush()
            except (OSError, ValueError):  # closed pipe or closed file
                return False
        return True

    def _poke_fakesmsc(self) -> None:
        """Write an empty line every poll_interval.

        In interactive mode fakesmsc waits up to 1 s on stdin before it looks at its bearerbox
        socket; a line shorter than two characters makes it look at once without sending
        anything. That cuts the delay of an MT to about poll_interval, and also releases an MO
        line that stdio buffering left unread behind an earlier one.
        """
        while not self._poke_stop.wait(self.poll_interval):
            if not self._write_fakesmsc(b"\n"):
                return

    def _handle_line(self, line: bytes) -> None:
        sent = _SENT_RE.search(line)
        if sent:
            with self._cond:
                self._mo_sent = max(self._mo_sent, int(sent.group(1)))
                self._cond.notify_all()
            return
        got = _GOT_RE.search(line)
        if not got:
            return
        body = got.group(2)
        raw = body.decode("utf-8", errors="replace")
        now = time.time()
        fields = body.split(b" ", 3)
        with self._cond:
            if len(fields) < 4 or fields[2] not in _MT_TYPES:
                self._continuation(raw)
                self._cond.notify_all()
                return
            sender = fields[0].decode("utf-8", errors="replace")
            receiver = fields[1].decode("utf-8", errors="replace")
            kind, rest = fields[2], fields[3]
            if kind == b"udh":
                udh_enc, _, tail = rest.partition(b" ")
                if tail.startswith(b"data "):  # Kannel 1.4.5: "udh <udh> data <payload>"
                    tail = tail[len(b"data ") :]
                udh, payload = _url_decode(udh_enc), _url_decode(tail)
                coding = _infer_coding(payload)
                part = ReceivedSMS(
                    sender, receiver, _text_for(payload, coding), coding, payload, udh, 1, True, (raw,), now
                )
                self._parts.append(part)
                self._add_part(part)
            else:
                if kind == b"text":
                    payload, coding = rest, 0
                elif kind == b"data":
                    payload, coding = _url_decode(rest), 1
                else:  # ucs-2
                    payload, coding = _url_decode(rest), 2
                msg = ReceivedSMS(
                    sender, receiver, _text_for(payload, coding), coding, payload, b"", 1, False, (raw,), now
                )
                self._parts.append(msg)
                self._messages.append(msg)
            self._cond.notify_all()

    def _continuation(self, raw: str) -> None:
        """fakesmsc splits a ``text`` MT containing a line break into several log entries."""
        if self._messages and self._messages[-1].coding == 0 and not self._messages[-1].udh:
            last = self._messages[-1]
            payload = last.payload + b"\n" + raw.encode("utf-8")
            self._messages[-1] = dataclasses.replace(
                last, payload=payload, text=_decode_7bit(payload), raw=(*last.raw, raw)
            )
        else:
            self._unparsed.append(raw)

    def _add_part(self, part: ReceivedSMS) -> None:
        info = _concat_info(part.udh)
        if info is None:
            self._messages.append(part)
            return
        ref, total, seq = info
        key = (part.sender, part.receiver, ref, total)
        pending = self._pending.setdefault(key, _Pending(total, {}))
        pending.parts[seq] = (part.udh, part.payload, part.raw[0])
        if len(pending.parts) < total:
            return
        del self._pending[key]
        ordered = [pending.parts[i] for i in sorted(pending.parts)]
        payload = b"".join(p[1] for p in ordered)
        coding = _infer_coding(payload)
        self._messages.append(
            ReceivedSMS(
                part.sender,
                part.receiver,
                _text_for(payload, coding),
                coding,
                payload,
                ordered[0][0],
                total,
                True,
                tuple(p[2] for p in ordered),
                part.received_at,
            )
        )

    # --------------------------------------------------------------- public

    def received_by_phone(self) -> list[ReceivedSMS]:
        """MT messages fakesmsc has received so far (concatenated parts joined)."""
        with self._cond:
            return list(self._messages)

    def received_parts(self) -> list[ReceivedSMS]:
        """Every single SMS fakesmsc has received, concatenated parts one by one."""
        with self._cond:
            return list(self._parts)

    def wait_for_received(
        self, predicate: Callable[[ReceivedSMS], bool] = lambda _m: True, timeout: float = 10.0
    ) -> ReceivedSMS:
        """Wait until a received MT matches ``predicate``; return it (TimeoutError if none)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for msg in self._messages:
                    if predicate(msg):
                        return msg
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(timeout=min(remaining, 0.5))
            seen = [(m.sender, m.receiver, m.text) for m in self._messages]
        raise TimeoutError(f"no matching SMS reached fakesmsc within {timeout}s; received: {seen!r}")

    def inject_incoming(
        self, sender: str, receiver: str, text: str, *, coding: int | None = None, timeout: float = 5.0
    ) -> None:
        """Make fakesmsc send an MO SMS (phone -> Kannel -> incoming_url).

        ``coding=None`` sends the text as fakesmsc type ``text`` (coding 0, UTF-8 as Kannel holds
        GSM text internally) unless it has a line break; ``coding=2`` sends it as UCS-2
        (type ``ucs2``), which smsbox recodes to UTF-8 (``mo-recode``). Returns once fakesmsc
        has written the message to bearerbox; the HTTP call to incoming_url follows shortly.
        """
        for name, number in (("sender", sender), ("receiver", receiver)):
            if not number or any(ch.isspace() for ch in number):
                raise ValueError(f"{name} must be a non-empty string without spaces: {number!r}")
        if coding is None:
            coding = 2 if ("\n" in text or "\r" in text or not text) else 0
        if coding == 0:
            body = b"text " + text.encode("utf-8")
        elif coding == 2:
            body = b"ucs2 " + urllib.parse.quote_from_bytes(text.encode("utf-16-be"), safe="").encode()
        else:
            raise ValueError("coding must be None, 0 or 2")
        line = sender.encode() + b" " + receiver.encode() + b" " + body
        if len(line) > _FAKESMSC_LINE_MAX:
            raise ValueError(
                f"fakesmsc takes at most {_FAKESMSC_LINE_MAX} bytes per MO line; this one is {len(line)}"
            )
        proc = self._fakesmsc
        if proc is None or proc.popen.stdin is None or not proc.alive():
            raise KannelError("fakesmsc is not running")
        with self._inject_lock:
            with self._cond:
                target = self._mo_sent + 1
            if not self._write_fakesmsc(line + b"\n"):
                raise KannelError("could not write to fakesmsc:\n" + proc.tail())
            deadline = time.monotonic() + timeout
            with self._cond:
                while self._mo_sent < target:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not proc.alive():
                        raise KannelError("fakesmsc did not confirm the MO message:\n" + proc.tail())
                    self._cond.wait(timeout=min(remaining, 0.5))

    def send_sms(
        self,
        to: str,
        text: str,
        *,
        sender: str | None = None,
        coding: int | None = None,
        charset: str = "UTF-8",
        dlr_mask: int | None = None,
        dlr_url: str | None = None,
        extra: dict[str, str] | None = None,
        timeout: float = 5.0,
    ) -> tuple[int, str]:
        """Submit an MT through smsbox's sendsms (HTTP GET), as Warga does. Returns (status, body)."""
        params: dict[str, str] = {
            "username": self.username,
            "password": self.password,
            "to": to,
            "text": text,
            "charset": charset,
        }
        params["from"] = self.default_sender if sender is None else sender
        if coding is not None:
            params["coding"] = str(coding)
        if dlr_mask is not None:
            params["dlr-mask"] = str(dlr_mask)
        if dlr_url is not None:
            params["dlr-url"] = dlr_url
        params.update(extra or {})
        url = self.sendsms_url + "?" + urllib.parse.urlencode(params)
        try:
            with _NO_PROXY.open(url, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", errors="replace")

    def logs(self) -> dict[str, str]:
        """Console output of each box (for assertion messages)."""
        return {p.name: p.tail(200) for p in self._processes}

    def iter_log_files(self) -> Iterator[Path]:
        yield from sorted(self.workdir.glob("*.log"))


class _PortClash(KannelError):
    pass
