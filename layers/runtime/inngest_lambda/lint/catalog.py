"""What counts as a blocking wait and what counts as a side effect, by qualified name.

Functions are replayed from the top on every step, so anything here that runs outside a step runs
again on every replay (a new UUID, a second HTTP request, a second file write) and a sleep burns
Lambda time instead of letting the orchestrator schedule a timer. Tables rather than code so a new
entry is one line; keep each category's entries sorted.
"""

from __future__ import annotations

# DUR001: calls that block (or arm a timer) in-process.
BLOCKING_WAITS = frozenset(
    {
        "anyio.sleep",
        "asyncio.sleep",
        "eventlet.sleep",
        "gevent.sleep",
        "sched.scheduler",
        "signal.alarm",
        "signal.pause",
        "signal.setitimer",
        "threading.Timer",
        "time.sleep",
        "trio.sleep",
    }
)
# Event-loop timers, matched by method name because the loop object is rarely imported by name.
BLOCKING_WAIT_METHODS = frozenset({"call_at", "call_later"})

# DUR002 categories: the message shown for each.
NONDETERMINISTIC = "non-deterministic"
NETWORK = "network"
AWS = "AWS"
FILESYSTEM = "file-system"
PROCESS = "process"

CATEGORY_HINTS: dict[str, str] = {
    NONDETERMINISTIC: "returns a different value on every replay; wrap it in step.run",
    NETWORK: "is a network call that repeats on every replay; wrap it in step.run",
    AWS: "is an AWS call that repeats on every replay; wrap it in step.run",
    FILESYSTEM: "writes to the file system on every replay; wrap it in step.run",
    PROCESS: "starts a process on every replay; wrap it in step.run",
}

# Exact qualified names.
SIDE_EFFECTS: dict[str, str] = {
    **dict.fromkeys(
        (
            "datetime.date.today",
            "datetime.datetime.now",
            "datetime.datetime.today",
            "datetime.datetime.utcnow",
            "os.getrandom",
            "os.urandom",
            "time.ctime",
            "time.localtime",
            "time.monotonic",
            "time.monotonic_ns",
            "time.perf_counter",
            "time.perf_counter_ns",
            "time.process_time",
            "time.time",
            "time.time_ns",
            "ulid.ULID",
            "ulid.new",
            "uuid.uuid1",
            "uuid.uuid4",
            "uuid.uuid6",
            "uuid.uuid7",
        ),
        NONDETERMINISTIC,
    ),
    **dict.fromkeys(
        (
            "aiohttp.ClientSession",
            "aiohttp.request",
            "ftplib.FTP",
            "http.client.HTTPConnection",
            "http.client.HTTPSConnection",
            "smtplib.SMTP",
            "smtplib.SMTP_SSL",
            "urllib.request.urlopen",
            "urllib.request.urlretrieve",
            "urllib3.PoolManager",
            "urllib3.request",
        ),
        NETWORK,
    ),
    **dict.fromkeys(
        (
            "boto3.Session",
            "boto3.client",
            "boto3.resource",
            "boto3.session.Session",
            "botocore.session.get_session",
        ),
        AWS,
    ),
    **dict.fromkeys(
        (
            "os.chmod",
            "os.link",
            "os.makedirs",
            "os.mkdir",
            "os.remove",
            "os.removedirs",
            "os.rename",
            "os.renames",
            "os.replace",
            "os.rmdir",
            "os.symlink",
            "os.truncate",
            "os.unlink",
            "os.write",
        ),
        FILESYSTEM,
    ),
    **dict.fromkeys(("os.execv", "os.popen", "os.spawnv", "os.system"), PROCESS),
}

# Whole modules: every call through them counts (`random.choice`, `requests.post`, ...).
SIDE_EFFECT_MODULES: dict[str, str] = {
    "httpx": NETWORK,
    "numpy.random": NONDETERMINISTIC,
    "random": NONDETERMINISTIC,
    "requests": NETWORK,
    "secrets": NONDETERMINISTIC,
    "shutil": FILESYSTEM,
    "socket": NETWORK,
    "subprocess": PROCESS,
    "tempfile": FILESYSTEM,
}
# Calls in those modules that are pure (building a config object, a seeded generator, a lookup).
PURE_EXCEPTIONS = frozenset(
    {
        "httpx.Headers",
        "httpx.Limits",
        "httpx.Timeout",
        "httpx.URL",
        "random.Random",
        "shutil.which",
        "socket.htons",
        "socket.inet_aton",
        "socket.inet_ntoa",
        "subprocess.list2cmdline",
    }
)

# Methods that write wherever the receiver came from (pathlib.Path and friends).
FILE_WRITE_METHODS = frozenset(
    {"hardlink_to", "mkdir", "rmdir", "symlink_to", "touch", "unlink", "write_bytes", "write_text"}
)
# `open` spellings whose second argument (or `mode=`) decides whether it writes.
OPEN_FUNCTIONS = frozenset({"open", "io.open", "codecs.open", "gzip.open", "bz2.open", "lzma.open"})
WRITE_MODE_CHARS = frozenset("wax+")

# Constructors whose result is a client: later `client.method()` calls are network/AWS calls too.
CLIENT_CONSTRUCTORS: dict[str, str] = {
    "aiohttp.ClientSession": NETWORK,
    "boto3.Session": AWS,
    "boto3.client": AWS,
    "boto3.resource": AWS,
    "boto3.session.Session": AWS,
    "httpx.AsyncClient": NETWORK,
    "httpx.Client": NETWORK,
    "requests.Session": NETWORK,
    "requests.session": NETWORK,
    "urllib3.PoolManager": NETWORK,
}
# Inngest client methods that send events: outside a step they send again on every replay.
CLIENT_SEND_METHODS = frozenset({"send", "send_sync"})


def side_effect_category(qualified: str) -> str | None:
    """The DUR002 category of a qualified call name, or None when it is harmless."""
    if qualified in SIDE_EFFECTS:
        return SIDE_EFFECTS[qualified]
    if qualified in PURE_EXCEPTIONS:
        return None
    module = qualified
    while "." in module:
        module = module.rsplit(".", 1)[0]
        if module in SIDE_EFFECT_MODULES:
            return SIDE_EFFECT_MODULES[module]
    return None
