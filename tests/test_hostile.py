"""Bad input (issue 6, SPEC §5 "Clear errors", "Safe input"): hypothesis feeds random and
hostile values to the commands' options, and hostile record files to the reading and
writing commands.

For every command run: never a traceback and never an internal error (exit code in the
documented set of errors.Exit, not INTERNAL), never a write on refusal (HEAD, the commit count
and `git status` unchanged when the exit code is not 0), never a hang (each command under a
budget of this process's CPU time, `cpu_budget()`: a loop that never ends fails the test once it
has used CPU_SECONDS of CPU, however busy or idle the machine; wall-clock time is never
measured), and no object is ever constructed from a YAML tag (a canary file a
`!!python/object/apply:os.system` tag would create never appears). Commands run in-process
(the `cli` fixture: the same `main()` and exit codes as the shell), so hundreds of them fit in
seconds.
"""
from __future__ import annotations

import contextlib
import signal
import subprocess
import time
import traceback

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import UNIT, ticket_path

from wuyectl.errors import Exit

# Messages are asserted in English here (the default is Chinese: tests/test_messages.py).
pytestmark = pytest.mark.lang("en")

TID = "T-20261122-A001"
DOCUMENTED = {int(e) for e in Exit} - {int(Exit.INTERNAL)}
SETTINGS = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                      HealthCheck.data_too_large])


# CPU seconds one command may use. The heaviest commands here (reading the most hostile
# records) use up to about 6 s of CPU; the bound is ten times that, so that no machine, however
# slow, reaches it by honest work, and a loop that never ends still fails after a minute of CPU
# time. CPU time, unlike wall-clock time, does not grow when other processes hog the machine.
CPU_SECONDS = 60.0


class CpuBudgetExceeded(AssertionError):
    """A command used more CPU time than its budget: reported as an ordinary test failure
    (hypothesis shrinks it and prints the falsifying example like any other)."""


class _OutOfCpu(BaseException):
    """Raised inside the command by the SIGPROF handler: a BaseException so that no
    `except Exception` in the command can swallow it. Never leaves `cpu_budget()`."""


@contextlib.contextmanager
def cpu_budget(seconds: float, what: object = None):
    """Fail (CpuBudgetExceeded) if the block uses more than `seconds` of this process's CPU time.

    ITIMER_PROF counts the CPU time (user + system, all threads) of this process only, so it
    is blind to other processes on the machine and to time spent waiting. When the budget is
    spent, SIGPROF interrupts the block (again every further CPU second, should the block
    swallow it); the block's CPU time is also measured with time.process_time(), so a budget
    overrun is reported even if the interruption itself was lost (e.g. a handler call refused
    by a RecursionError deep in a recursion). The timer is always disarmed and the previous
    SIGPROF handler restored before this returns or raises."""
    fired: list[str] = []

    def on_sigprof(signum, frame):
        fired.append("")                  # first: recorded even if the rest fails
        with contextlib.suppress(BaseException):
            fired[-1] = "".join(traceback.format_list(traceback.extract_stack(frame)[-4:]))
        raise _OutOfCpu

    previous = signal.signal(signal.SIGPROF, on_sigprof)
    started = time.process_time()
    try:
        try:
            signal.setitimer(signal.ITIMER_PROF, seconds, 1.0)
            yield
        finally:
            while True:                   # a SIGPROF still pending may interrupt the clean-up
                try:
                    signal.setitimer(signal.ITIMER_PROF, 0)
                    signal.signal(signal.SIGPROF, previous)
                    break
                except _OutOfCpu:
                    continue
    except (_OutOfCpu, Exception):        # the interruption, or whatever the block made of it
        if not fired and time.process_time() - started < seconds:
            raise
    used = time.process_time() - started
    if fired or used >= seconds:          # reported without the (maybe very deep) stack it came from
        where = next((f for f in reversed(fired) if f), "")
        raise CpuBudgetExceeded(f"{repr(what)[:300]}: no answer within {seconds} s of CPU time ({used:.1f} s "
                                f"used)" + (f"; it was busy in:\n{where}" if where else "")) from None


def state(office) -> tuple[str, str, str]:
    g = lambda *a: subprocess.run(["git", *a], cwd=office, capture_output=True, check=True).stdout.decode()  # noqa: E731
    return g("rev-parse", "HEAD"), g("rev-list", "--count", "HEAD"), g("status", "--porcelain", "--untracked-files=all")


def check(cli, office, args, *, input=None, cpu_seconds: float = CPU_SECONDS):
    """Run one command; assert the invariants; return the result."""
    before = state(office)
    with cpu_budget(cpu_seconds, args):
        result = cli(*args, input=input)
    text = result.out + result.err
    assert "Traceback" not in text, (args, text[-2000:])
    assert "internal error" not in result.err, (args, result.err[-2000:])
    assert result.code in DOCUMENTED, (args, result.code, result.err[-2000:])
    if result.code != 0:
        assert state(office) == before, (args, result.err)
        # a refusal always says why, in one line: control characters typed or found in a file
        # are shown escaped (no newline, no terminal escape sequence gets through)
        assert result.err.endswith("\n") and result.err.count("\n") == 1, (args, result.err)
        assert all(c.isprintable() or c in " \n" for c in result.err), (args, result.err)
    return result


# -- hostile values -----------------------------------------------------------------------
HOSTILE = [
    "", " ", "\x00", "a\x00b", "\r\n", "x\r\ny", "\n", "\t", "\ufeff", f"\ufeff{TID}", f"{TID}\r\n", f" {TID} ",
    "../../etc/passwd", "/etc/passwd", "..", ".", "~", "~root", f"{TID}/../../../wuye", "tickets/../wuye.yaml",
    "T-20261122-A001/../../../../etc/passwd", "\\..\\..\\windows", "file:///etc/passwd", "C:\\Windows",
    "x" * 100_000, "中" * 20_000, "\x1b[31mred\x1b[0m", "\u202eevil", "\x7f", "\x85", "\u2028",
    "'; rm -rf / #", "$(touch pwned)", "`id`", "%s%n%x", "{0}", "{{7*7}}", "<script>",
    "!!python/object/apply:os.system ['touch pwned']", "*alias", "&anchor x", "- a\n- b", "a: b", "{a: 1}",
    "null", "~", "true", "no", "1e309", "-1", "0", "1" * 400, "NaN", "0x1f", "3.14",
    "2026-13-45", "2026-11-22T25:61:00+08:00", "9999-12-31", "0001-01-01", "2026-11-22 09:14",
    "T-99999999-Z999", "T-20261122-A000", "A-2026-A001", "W-20261122-A001", "3-2-1201", "0-0-0", "-",
    "--help", "-o", "--as", "status=", "=", "status=closed", "x=y=z", "promised_at=2026-11-23 10:00",
    "signed_by=\x00", "fee=-5", "fee=1e309",
]
text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40), st.text(alphabet=st.characters(
    min_codepoint=0, max_codepoint=0x7f), max_size=20))

# command templates: V is the hostile value, V2 a second one
TEMPLATES = [
    ["show", "V"],
    ["show", "V", "-o", "json"],
    ["log", "V"],
    ["get", "V"],
    ["get", "tickets", "--where", "V"],
    ["get", "tickets", "--where", "status=V", "-o", "ids"],
    ["validate", "V"],
    ["report", "V"],
    ["report", "kpi", "--month", "V"],
    ["report", "sla", "--from", "V", "--to", "V2"],
    ["audit", "--since", "V"],
    ["--repo", "V", "get", "tickets"],
    ["open", "ticket", "--channel", "V", "--category", "repair", "--unit", UNIT, "--description", "x", "--as", "王芳"],
    ["open", "ticket", "--channel", "phone", "--category", "V", "--unit", UNIT, "--description", "x", "--as", "王芳"],
    ["open", "ticket", "--channel", "phone", "--category", "repair", "--unit", "V", "--description", "x", "--as", "王芳"],
    ["open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT, "--description", "V",
     "--reporter", "V2", "--phone", "V2", "--as", "王芳"],
    ["open", "ticket", "--channel", "phone", "--category", "consult", "--building", "V", "--place", "V2",
     "--description", "x", "--as", "王芳"],
    ["open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT, "--description", "x",
     "--appointment", "V", "--urgency", "V2", "--as", "王芳"],
    ["open", "owner", "--unit", "V", "--name", "V2", "--as", "王芳"],
    ["open", "violation", "--category", "V", "--unit", UNIT, "--description", "V2", "--as", "王芳"],
    ["open", "V"],
    ["assign", "V", "--to", "李明", "--as", "王芳"],
    ["assign", TID, "--to", "V", "--as", "王芳"],
    ["assign", TID, "--to", "李明", "--as", "V"],
    ["assign", TID, "--to", "李明", "--dept", "V", "--as", "王芳"],
    ["assign", TID, "--to", "李明", "--at", "V", "--as", "王芳"],
    ["assign", TID, "--to", "李明", "--note", "V", "--as", "王芳"],
    ["update", TID, "--action", "V", "--as", "李明"],
    ["update", TID, "--action", "progress", "--set", "V", "--as", "李明"],
    ["update", TID, "--action", "contact", "--set", "appointment_at=V", "--as", "李明"],
    ["update", TID, "--action", "resolve", "--set", "result=V", "--set", "signed_by=V2", "--as", "李明"],
    ["escalate", TID, "--reason", "V", "--to", "V2", "--as", "赵强"],
    ["callback", "V", "--rating", "V2", "--as", "王芳"],
    ["staff", "add", "V", "--role", "V2", "--as", "刘主任"],
    ["init", "V", "--name", "V2", "--as", "刘主任"],
]


@pytest.fixture
def assigned(cli, new_ticket):
    tid = new_ticket()
    assert tid == TID
    assert cli("assign", TID, "--to", "李明", "--as", "王芳").code == 0
    return tid


@settings(max_examples=60, **SETTINGS)
@given(template=st.sampled_from(TEMPLATES), v=text, v2=text)
def test_hostile_option_values(cli, office, assigned, template, v, v2):
    args = [v if a == "V" else v2 if a == "V2" else a.replace("=V", "=" + v) if a.endswith("=V") else a
            for a in template]
    if args[0] == "init":     # never let a random `init` land outside the test's folder
        args[1] = str(office.parent / "new" / args[1].replace("\x00", "").lstrip("/"))
    check(cli, office, args)


@settings(max_examples=30, **SETTINGS)
@given(ids=st.lists(text, min_size=1, max_size=4), action=st.sampled_from([
    ["assign", "-", "--to", "李明", "--as", "王芳"],
    ["update", "-", "--action", "progress", "--as", "李明"],
    ["escalate", "-", "--reason", "x", "--as", "赵强"],
]))
def test_hostile_ids_on_standard_input(cli, office, assigned, ids, action):
    check(cli, office, action, input="\n".join(ids))


@settings(max_examples=40, **SETTINGS)
@given(noise=st.lists(st.sampled_from(["--as", "--repo", "--lang", "-o", "--at", "--where", "--set", "-", "--",
                                       "xx", "zh", "fr", "json", "ids", "table", "T-20261122-A001", "--help",
                                       "--version", "tickets", "show", "get", "assign", "open"]),
                      min_size=1, max_size=6))
def test_random_argument_soup(cli, office, assigned, noise):
    check(cli, office, noise)


# -- hostile record files ------------------------------------------------------------------
def _alias_bomb() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\nid: T-20261122-A002\n"


def _valid_ticket(tid: str = "T-20261122-A002") -> str:
    return (f"id: {tid}\nstatus: received\nchannel: phone\ncategory: repair\nurgency: normal\n"
            f"reporter:\n  name: 张先生\n  phone: '13800138000'\nunit: {UNIT}\ndescription: 漏水\n"
            "escalation_level: 0\nreceived_at: 2026-11-22T09:14:00+08:00\ntimeline:\n"
            "  - at: 2026-11-22T09:14:00+08:00\n    by: 王芳\n    action: receive\n")


def hostile_files(canary: str) -> list[bytes]:
    valid = _valid_ticket()
    return [
        _alias_bomb().encode(),
        f"id: !!python/object/apply:os.system ['touch {canary}']\nstatus: received\n".encode(),
        f"!!python/object/apply:os.system ['touch {canary}']\n".encode(),
        f"id: !!python/object/new:os.system ['touch {canary}']\n".encode(),
        "id: !!python/name:os.system\n".encode(),
        valid.replace("status: received", "status: !custom received").encode(),
        valid.replace("description: 漏水", "description: !!binary aGVsbG8=").encode(),
        b"\xef\xbb\xbf" + valid.encode(),                       # UTF-8 BOM
        valid.replace("\n", "\r\n").encode(),                   # CRLF
        valid.encode("utf-16"),                                 # UTF-16 with BOM
        valid.replace("漏水", "caf\xe9").encode("latin-1", "replace"),
        valid.encode()[:-7] + b"\xff\xfe\x80\n",                # broken UTF-8 at the end
        b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n",             # deep nesting (flow)
        "".join(f"{'  ' * i}k{i}:\n" for i in range(400)).encode(),   # deep nesting (block)
        b"\x00\x00\x00",
        b"",
        b"just a scalar\n",
        b"- a list\n- at the top\n",
        b"---\nid: a\n---\nid: b\n",
        valid.replace("status: received", "status: received\nstatus: closed").encode(),   # duplicate key
        b"base: &b {status: received}\n<<: *b\nid: T-20261122-A002\n",                     # merge key
        valid.replace("escalation_level: 0", "escalation_level: " + "9" * 5000).encode(),
        valid.replace("escalation_level: 0", "escalation_level: .nan").encode(),
        valid.replace("description: 漏水", "description: " + "x" * 300_000).encode(),
        b"? [a, b]\n: c\nid: T-20261122-A002\n",                 # a key that is a list
        valid.replace("id: T-20261122-A002", "id: ../../wuye").encode(),
        valid.replace("\n", "\n\t", 3).encode(),                 # tabs
        b"id: T-20261122-A002\nstatus: 'unterminated\n",
        valid.encode() + b"\x1b[2J\x07",
    ]


RECORD = ticket_path("T-20261122-A002")
READS = [["get", "tickets", "-o", "ids"], ["show", "T-20261122-A002"], ["show", "T-20261122-A002", "-o", "json"],
         ["validate"], ["log", "T-20261122-A002"], ["report", "kpi", "--month", "2026-11"]]
WRITES = [["assign", "T-20261122-A002", "--to", "李明", "--as", "王芳"],
          ["update", "T-20261122-A002", "--action", "cancel", "--note", "x", "--as", "王芳"],
          ["assign", TID, "T-20261122-A002", "--to", "李明", "--as", "王芳"]]


@pytest.fixture
def base(office, new_ticket, git):
    assert new_ticket() == TID
    return git("rev-parse", "HEAD").strip()


def _place(office, git, base_commit: str, content: bytes) -> None:
    git("reset", "-q", "--hard", base_commit)
    git("clean", "-q", "-fd")
    path = office / RECORD
    path.write_bytes(content)
    git("add", RECORD)
    git("commit", "-q", "--no-verify", "-m", "hostile hand edit")


def _exercise(cli, office, canary):
    for args in READS + WRITES:
        check(cli, office, args)
    assert not canary.exists(), "a YAML tag ran code"


def test_every_hostile_record_file_with_every_command(cli, office, git, base, tmp_path):
    """Each hostile file above, committed by hand, then every read and write command."""
    canary = tmp_path / "pwned"
    for content in hostile_files(str(canary)):
        _place(office, git, base, content)
        _exercise(cli, office, canary)


MUTATIONS = [b"", b"\x00", b"\r", b"\n", b"\t", b"&a ", b"*a", b": ", b"- ", b"!!python/object:os.system ", b"\xff",
             b"\xef\xbb\xbf", b"'", b'"', b"{", b"[", b"#", b"%YAML 1.1\n", b"---\n", b"|\n", b">-\n", b"\xe4\xb8", b"~",
             b"<<: *a\n", b"[" * 300, b"9" * 5000]


@settings(max_examples=40, **SETTINGS)
@given(data=st.data(), edits=st.lists(st.tuples(st.integers(min_value=0, max_value=400), st.sampled_from(MUTATIONS),
                                                st.integers(min_value=0, max_value=8)), max_size=5))
def test_hostile_record_files(cli, office, git, base, tmp_path, data, edits):
    """A hostile or a valid ticket, with random bytes inserted or deleted (a hand edit gone
    wrong), committed by hand; then some of the reading and writing commands."""
    canary = tmp_path / "pwned"
    content = bytearray(data.draw(st.sampled_from([_valid_ticket().encode(), *hostile_files(str(canary))])))
    for at, insert, delete in edits:
        at = min(at, len(content))
        content[at:at + delete] = insert
    _place(office, git, base, bytes(content))
    for args in data.draw(st.lists(st.sampled_from(READS + WRITES), min_size=1, max_size=3, unique_by=tuple)):
        check(cli, office, args)
    assert not canary.exists()


def test_report_over_a_record_with_an_impossible_time(cli, office, git, base):
    """A record whose time cannot be read is left out of a report, and the report says so."""
    _place(office, git, base, _valid_ticket().replace("  - at: 2026-11-22T09:14:00+08:00",
                                                      "  - at: 2026-02-30T25:00:00+08:00").encode())
    # kpi selects tickets by their (unreadable) dates and does not meet this one at all
    assert check(cli, office, ["report", "kpi", "--month", "2026-11"]).code == 0
    # sla reads every open ticket: it meets the record, leaves it out, and says so
    result = check(cli, office, ["report", "sla", "--month", "2026-11"])
    assert result.code == 0
    assert result.err == ("wuyectl: 1 record(s) with unreadable times were left out "
                          "(wuyectl validate shows them)\n")


def test_uncommitted_hostile_file_is_never_overwritten(cli, office, git, base):
    """The same hostile bytes left uncommitted: writes refuse (conflict or invalid), the bytes stay."""
    _place(office, git, base, _valid_ticket().encode())
    content = _alias_bomb().encode()
    (office / RECORD).write_bytes(content)
    result = check(cli, office, WRITES[0])
    assert result.code in (7, 8)
    assert (office / RECORD).read_bytes() == content


def test_hostile_wuye_yaml(cli, office, git, base):
    """wuye.yaml itself broken by hand: every command says so in one line (exit 7)."""
    for content in (b"name: [broken\n", _alias_bomb().encode(), b"\xff\xfe", b"staff: !!python/object/apply:os.system ['id']\n"):
        git("reset", "-q", "--hard", base)
        (office / "wuye.yaml").write_bytes(content)
        git("commit", "-q", "--no-verify", "-am", "broken config")
        for args in (["get", "tickets"], ["show", TID], ["assign", TID, "--to", "李明", "--as", "王芳"], ["validate"]):
            result = check(cli, office, args)
            assert result.code == 7, (content, args, result.err)
            assert result.err.startswith("wuye.yaml:"), result.err
