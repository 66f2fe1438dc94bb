"""The command line: ``python -m airflow_provider_datameer <command>`` and, on Airflow 3.2+, ``airflow datameer``.

Commands: ``check`` (which commands the server has, see :mod:`~airflow_provider_datameer.core.discovery`),
``status``, ``history``, ``active``, ``trigger`` and ``stop``; each takes ``--conn-id`` and ``--output
table|json``. The commands are declared once (:data:`COMMANDS`) and built either into an ``argparse``
parser (:func:`main`) or into Airflow's CLI objects (:func:`get_cli_commands`, named by the provider info's
``cli`` key). Exit code 0 on success, 1 on failure; a failure is one line on stderr naming the problem and
the fix, never a traceback. Nothing heavy is imported before a command runs.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from airflow_provider_datameer.core.wait_settings import DEFAULT_CONN_ID

PROG = "python -m airflow_provider_datameer"


@dataclass(frozen=True)
class Option:
    """One argument, in the keyword arguments that ``argparse`` and Airflow's ``Arg`` both accept."""

    flags: tuple[str, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CommandResult:
    """What a command found: ``data`` for ``--output json``, ``rows`` (or ``lines``) for the table."""

    ok: bool
    data: Any
    rows: list[dict[str, Any]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    run: Callable[[Any, argparse.Namespace], CommandResult]
    options: tuple[Option, ...] = ()


# ---------------------------------------------------------------------------------------------- commands
def _check(hook: Any, args: argparse.Namespace) -> CommandResult:
    from airflow_provider_datameer.core.discovery import discover

    report = discover(hook)
    rows = [
        {"command": f.command, "route": f"{f.method} {f.path}", "result": f.state, "detail": f.detail}
        for f in report.findings
    ]
    lines = [report.summary()]  # the connection form's Test button says the same
    lines += [f"fix: {text}" for text in report.fixes]
    return CommandResult(report.complete, report.to_dict(), rows, lines)


def _status(hook: Any, args: argparse.Namespace) -> CommandResult:
    """``--output json`` has every field; the table one status, and progress as a percentage."""
    status = _plain(hook.get_job_status(args.job))
    row = {k: v for k, v in status.items() if k not in ("raw_status", "raw_estimate", "progress")}
    if status.get("progress") is not None:
        row["progress"] = f"{status['progress']:g} %"
    return CommandResult(True, status, [row])


def _history(hook: Any, args: argparse.Namespace) -> CommandResult:
    entries = [_plain(e) for e in hook.get_job_history(args.configuration_id, start=args.start, length=args.length)]
    return CommandResult(True, entries, entries, [] if entries else ["no executions"])


def _active(hook: Any, args: argparse.Namespace) -> CommandResult:
    """The table names each run's job as Datameer's answer does: path, file id or configuration id (last, the
    column a narrow table cuts)."""
    active = hook.list_active_jobs()
    jobs = [_plain(j) for j in active]
    rows = [
        {"execution_id": row["execution_id"], "status": row["status"], "job": _job_name(job)}
        for job, row in zip(active, jobs, strict=True)
    ]
    return CommandResult(True, jobs, rows, [] if jobs else ["no active executions"])


def _job_name(job: Any) -> str:
    if job.path:
        return str(job.path)
    if job.file_id is not None:
        return f"file {job.file_id}"
    return "?" if job.configuration_id is None else f"configuration {job.configuration_id}"


def _trigger(hook: Any, args: argparse.Namespace) -> CommandResult:
    """Start a run; with ``--wait``, tell on stderr what happens to it (the id and link at once, then each change
    the task log would show) and end with its outcome. Ctrl-C ends the wait, not the run (unless
    ``--stop-on-interrupt``), and says how to stop it."""
    from airflow_provider_datameer.core.verdict import WaitEnd, judge, status_name

    knobs = {"poll_interval": args.poll_interval, "timeout": args.timeout}
    settings = _from_flags(lambda: _settings(hook, args.job, **knobs)) if args.wait else None
    started = hook.trigger_job(args.job)
    data: dict[str, Any] = {"job": args.job, **_plain(started)}
    if settings is None:
        return CommandResult(True, data, [data])
    link = hook.job_url(execution_id=started.execution_id)
    _say(f"Started execution {started.execution_id} of job {args.job}: {link}")
    try:
        verdict = wait_for_execution(hook, settings, started.execution_id)
    except KeyboardInterrupt:
        raise Interrupted(_interrupted(hook, args, started.execution_id)) from None
    if verdict.status is WaitEnd.TIMEOUT:
        raise CommandError(
            f"execution {started.execution_id} of job {args.job} has not finished within {args.timeout:g} s (last "
            f"status {verdict.job_status or 'not visible yet'}); it keeps running: stop it with "
            f"`{_stop_command(args.job, started.execution_id)}` or wait longer with --timeout"
        )
    data["status"] = status_name(verdict.job_status)
    judgement = judge(verdict, _details(hook, verdict))
    passed = judgement.kind == "success"
    row = {**data, **_outcome_columns(judgement.summary or {}, link)}
    return CommandResult(passed, data, [row], [] if passed else [judgement.message])


def _details(hook: Any, verdict: Any) -> Any:
    """The run's job details when its outcome needs them (counters of a success, the why of an ERROR)."""
    from airflow_provider_datameer.core.errors import DatameerError
    from airflow_provider_datameer.core.verdict import details_unreadable, needs_details

    if not needs_details(verdict):
        return None
    try:
        return hook.get_job_details(verdict.execution_id)
    except DatameerError as exc:
        details_unreadable(verdict, exc, _PROGRESS)
        return None


def _interrupted(hook: Any, args: argparse.Namespace, execution_id: int | None) -> str:
    """What Ctrl-C did: the run goes on (and how to stop it), or, with ``--stop-on-interrupt``, it was stopped."""
    if not args.stop_on_interrupt:
        return (
            f"interrupted: execution {execution_id} of job {args.job} keeps running in Datameer; stop it with "
            f"`{_stop_command(args.job, execution_id)}`"
        )
    args.execution_id, args.any_job = execution_id, False
    stopped = _stop(hook, args).data
    done = "stopped" if stopped["stopped"] else f"not stopped ({stopped['status_before'] or 'already over'})"
    return f"interrupted: execution {execution_id} of job {args.job} {done}"


def _outcome_columns(summary: dict[str, Any], link: str) -> dict[str, Any]:
    """The table's end of a waited run: counts, duration and link (``--output json`` keeps its shape)."""
    duration = None
    with contextlib.suppress(TypeError, ValueError):  # a time missing or unreadable: no duration
        start, stop = (datetime.fromisoformat(str(summary.get(key))) for key in ("start_time", "stop_time"))
        duration = f"{(stop - start).total_seconds():g} s"
    return {
        "records": summary.get("success_count"),
        "failed_records": summary.get("failure_count"),
        "duration": duration,
        "link": link,
    }


def _stop_command(job: str, execution_id: int | None) -> str:
    return f"{PROG} stop {job} --execution-id {execution_id}"


def _stop(hook: Any, args: argparse.Namespace) -> CommandResult:
    """The operators' stop procedure: a named execution is stopped only if it is the job's (by id)."""
    from airflow_provider_datameer.core.procedures import stop

    if args.any_job and args.execution_id is None:
        raise CommandError("--any-job needs --execution-id: name the execution to stop whichever job it belongs to")
    settings = _from_flags(lambda: _settings(hook, args.job).bind(args.job, args.execution_id, owned=False))
    by_id = args.execution_id is not None
    stopped_run = hook.run(stop(settings, hook.config, hook.log, by_id=by_id, any_job=args.any_job))
    if stopped_run.refused:
        on_purpose = f"`{_stop_command(args.job, stopped_run.execution_id)} --any-job`"
        raise CommandError(f"{stopped_run.reason} Nothing was stopped. To stop it on purpose: {on_purpose}")
    status = stopped_run.status.value if stopped_run.status else None
    data = {
        "job": args.job,
        "execution_id": stopped_run.execution_id,
        "status_before": status,
        "stopped": stopped_run.stopped,
    }
    return CommandResult(True, data, [data], [] if stopped_run.stopped else [stopped_run.message])


def wait_for_execution(hook: Any, settings: Any, execution_id: int | None) -> Any:
    """Wait with the operators' own wait procedure, in this process; returns its verdict (timeout included)."""
    from airflow_provider_datameer.core.procedures import wait
    from airflow_provider_datameer.core.watch import ExecutionWatch

    bound = settings.bind(settings.job_id, execution_id, owned=True)
    return hook.run(wait(ExecutionWatch(bound, log=_PROGRESS), hook.config, hook.log))


def _from_flags(make: Callable[[], Any]) -> Any:
    """Settings made of command-line flags, built before anything reaches Datameer: a bad flag is refused with
    the settings' own words, and nothing was started."""
    try:
        return make()
    except ValueError as exc:
        raise CommandError(f"{exc}; nothing was sent to Datameer") from None


def _settings(hook: Any, job: str, **knobs: Any) -> Any:
    from airflow_provider_datameer.core.wait_settings import WaitSettings

    return WaitSettings(job_id=job, datameer_conn_id=hook.datameer_conn_id, min_poll_interval=0.1, **knobs)


class CommandError(Exception):
    """A command cannot do what was asked; the message names the problem and the fix."""


class Interrupted(CommandError):
    """Ctrl-C during a command: exit code 130, the message says what became of the run."""


def _say(text: str) -> None:
    """A line on stderr while a command works (stdout keeps the result, e.g. for ``--output json``)."""
    print(text, file=sys.stderr, flush=True)


class _ProgressLog:
    """The wait's log as the command line shows it: its info lines (each change of status, progress or estimate,
    the same the task log shows) on stderr; its debug lines not at all."""

    def info(self, message: str, *args: Any) -> None:
        _say(message % args if args else message)

    def warning(self, message: str, *args: Any) -> None:
        _say("warning: " + (message % args if args else message))

    def debug(self, message: str, *args: Any) -> None:
        pass

    error = warning


_PROGRESS = _ProgressLog()


def _plain(value: Any) -> Any:
    """A result object as JSON-safe primitives (enums by value, datetimes in ISO form)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _seconds(text: str) -> float:
    """An argparse type: a positive, finite number of seconds."""
    from airflow_provider_datameer.core.values import seconds

    value = seconds(text, text=True)
    if value is None or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _whole_number(text: str) -> int:
    """An argparse type: an id, as every id is read (digits only, at most 18)."""
    from airflow_provider_datameer.core.values import whole_number

    value = whole_number(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"expected a whole number (digits only), got {text!r}")
    return value


_JOB = Option(("job",), {"help": "the job: Datameer file id, file uuid or file path"})
_CONFIGURATION_ID = Option(
    ("configuration_id",),
    {
        "metavar": "CONFIGURATION_ID",
        "help": "the job's configuration id (the 'ID' in its information dialog, not the file id)",
    },
)
COMMANDS: tuple[Command, ...] = (
    Command("check", "which Datameer commands this server has (sends nothing that can change anything)", _check),
    Command("status", "status of the job's latest execution", _status, (_JOB,)),
    Command(
        "history",
        "executions of a job configuration, newest first",
        _history,
        (
            _CONFIGURATION_ID,
            Option(("--start",), {"type": int, "default": 0, "help": "skip this many executions (default 0)"}),
            Option(("--length",), {"type": int, "default": 10, "help": "list at most this many (default 10)"}),
        ),
    ),
    Command("active", "executions running or waiting now", _active),
    Command(
        "trigger",
        "start a run of the job",
        _trigger,
        (
            _JOB,
            Option(
                ("--wait",),
                {"action": "store_true", "help": "wait until the run has finished; exit 1 unless it succeeded"},
            ),
            Option(
                ("--timeout",),
                {
                    "type": _seconds,
                    "default": 3600.0,
                    "help": "with --wait: give up after this many seconds (default 3600)",
                },
            ),
            Option(
                ("--poll-interval",),
                {"type": _seconds, "default": 5.0, "help": "with --wait: seconds between status reads (default 5)"},
            ),
            Option(
                ("--stop-on-interrupt",),
                {"action": "store_true", "help": "with --wait: Ctrl-C stops the run too (by default it goes on)"},
            ),
        ),
    ),
    Command(
        "stop",
        "stop the job's current run",
        _stop,
        (
            _JOB,
            Option(
                ("--execution-id",),
                {"type": _whole_number, "help": "stop only if this execution is the job's current run"},
            ),
            Option(
                ("--any-job",),
                {
                    "action": "store_true",
                    "help": "with --execution-id: stop that execution even if Datameer does not say it is JOB's",
                },
            ),
        ),
    ),
)
_COMMON = (
    Option(
        ("--conn-id",),
        {"default": DEFAULT_CONN_ID, "help": f"the Airflow connection to use (default {DEFAULT_CONN_ID})"},
    ),
    Option(
        ("--output",), {"choices": ("table", "json"), "default": "table", "help": "a readable table (default) or JSON"}
    ),
)


# ---------------------------------------------------------------------------------------------- running
def execute(command: Command, args: argparse.Namespace, out: Any = None, err: Any = None) -> int:
    """Run one parsed command; print its result or a one-line error. Returns the exit code."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        with _airflow_kept_quiet():
            result = command.run(_command_line_hook(args.conn_id), args)
    except Interrupted as exc:
        print(str(exc), file=err)
        return 130
    except KeyboardInterrupt:  # Ctrl-C before a run was started: nothing to tell
        print("interrupted", file=err)
        return 130
    except Exception as exc:  # every failure is one line, never a traceback
        print(f"error: {describe_failure(exc, args.conn_id)}", file=err)
        return 1
    try:
        print(render(result, args.output), file=out, flush=True)
    except BrokenPipeError:  # `... | head`: the reader has gone; say nothing more
        _quiet_stdout()
    return 0 if result.ok else 1


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that Python's flush at exit does not fail on the closed pipe again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def describe_failure(exc: BaseException, conn_id: str) -> str:
    """One line that names the problem and the fix."""
    from airflow_provider_datameer.core.errors import DatameerError

    if isinstance(exc, CommandError):
        return str(exc)
    if isinstance(exc, DatameerError):
        return f"connection {conn_id!r}: {exc}"
    if type(exc).__name__ == "AirflowNotFoundException":
        return (
            f"there is no Airflow connection {conn_id!r}: create it (`airflow connections add {conn_id} "
            f"--conn-type datameer --conn-host ... --conn-login ... --conn-password ...`, or the environment "
            f"variable AIRFLOW_CONN_{conn_id.upper()}), or name another one with --conn-id"
        )
    if isinstance(exc, ValueError):
        return f"{exc} (check the arguments and the connection {conn_id!r})"
    text = " ".join(str(exc).split())
    return f"unexpected {type(exc).__name__}: {text[:300]}"


@contextlib.contextmanager
def _airflow_kept_quiet() -> Iterator[None]:
    """Keep Airflow's own notices out of the command's output (on 2.x its log handler writes to stdout).

    Importing Airflow prints deprecation notices (2.x); reading a connection logs "Retrieving connection"
    and, without a Fernet key, a warning; a metadata database without tables (2.x) logs a traceback before
    the environment variable is tried. None is about this command, whose own error line says what failed:
    stderr is held back while Airflow is imported, and the ``airflow`` loggers are silent while it runs.
    """
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        import airflow_provider_datameer.hooks.datameer  # noqa: F401
    airflow_logger = logging.getLogger("airflow")
    level = airflow_logger.level
    airflow_logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        airflow_logger.setLevel(level)


def _command_line_hook(conn_id: str) -> Any:
    """A hook that finds the connection where Airflow's own CLI does, and whose retry notices stay out of the
    output (the final error line says what happened).

    ``_log`` is where Airflow's ``LoggingMixin`` keeps the logger it would otherwise create (2.x and 3.x).
    """
    from airflow_provider_datameer.hooks.datameer import DatameerHook

    class CommandLineHook(DatameerHook):
        @classmethod
        def get_connection(cls, conn_id: str) -> Any:
            """Outside a task Airflow 3's task SDK sees environment variables and secrets backends only; the
            core model also reads the metadata database, where connections made in the UI live."""
            from airflow.models.connection import Connection

            return Connection.get_connection_from_secrets(conn_id)

    hook = CommandLineHook(datameer_conn_id=conn_id)
    quiet = logging.getLogger("airflow_provider_datameer.cli.hook")
    quiet.setLevel(logging.ERROR)
    hook._log = quiet  # type: ignore[assignment]  # a stdlib logger: the interface the hook uses on 2.x and 3.x
    return hook


def render(result: CommandResult, output: str) -> str:
    if output == "json":
        return json.dumps(result.data, indent=2, default=str)
    parts = [_table(result.rows)] if result.rows else []
    parts += result.lines
    return "\n".join(parts)


#: The widest a table may be; a wider one is shown one ``name  value`` block per row instead.
TABLE_WIDTH = 100


def _table(rows: Sequence[dict[str, Any]]) -> str:
    headers = list(dict.fromkeys(key for row in rows for key in row))
    cells = [["" if row.get(h) is None else str(row.get(h)) for h in headers] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    excess = sum(widths) + 2 * (len(widths) - 1) - TABLE_WIDTH
    if excess > 0 and len(cells) == 1:
        return _block(headers, cells[0])
    if excess > 0:  # several rows: the last column (free text by convention) gives way, cut with an ellipsis
        widths[-1] = max(len(headers[-1]), 12, widths[-1] - excess)
        for row in cells:
            row[-1] = _cut(row[-1], widths[-1])
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _block(headers: list[str], row: list[str]) -> str:
    """One row as ``name  value`` lines, the empty values left out."""
    width = max(len(h) for h in headers)
    return "\n".join(f"{h.ljust(width)}  {value}" for h, value in zip(headers, row, strict=True) if value)


# ---------------------------------------------------------------------------------------------- entry points
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Talk to Datameer through an Airflow connection.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command_parser = sub.add_parser(command.name, help=command.help, description=command.help)
        for option in command.options + _COMMON:
            command_parser.add_argument(*option.flags, **option.kwargs)
        command_parser.set_defaults(func=_runner(command))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m airflow_provider_datameer``: parse, run, return the exit code."""
    args = build_parser().parse_args(argv)
    return args.func(args, exit_code=True)


def _runner(command: Command) -> Callable[..., int]:
    def run(args: argparse.Namespace, exit_code: bool = False) -> int:
        code = execute(command, args)
        if code and not exit_code:  # under `airflow`, whose main() ignores what the command returns
            raise SystemExit(code)
        return code

    run.__name__ = f"datameer_{command.name}"
    return run


def get_cli_commands() -> list[Any]:
    """The ``airflow datameer`` command group (the provider info's ``cli`` key, Airflow 3.2+)."""
    from airflow.cli.cli_config import ActionCommand, Arg, GroupCommand

    return [
        GroupCommand(
            name="datameer",
            help="Check a Datameer server; read, trigger and stop Datameer jobs",
            subcommands=[
                ActionCommand(
                    name=command.name,
                    help=command.help,
                    func=_runner(command),
                    args=[Arg(option.flags, **option.kwargs) for option in command.options + _COMMON],
                )
                for command in COMMANDS
            ],
        )
    ]
