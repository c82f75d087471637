# The stdout callback of the orchestrator's ansible runner: one JSON object per line, nothing else.
# Results reach callbacks already cleaned (TaskResult.clean_copy): a no_log result holds only the
# "censored" placeholder, and this plugin never prints result data beyond a failure's message.
from __future__ import annotations

DOCUMENTATION = """
    name: orchestrator_jsonl
    type: stdout
    short_description: one JSON object per line for Codegen Orchestrator's ansible runner
    description:
      - Prints playbook_start, play_start, task_start, task_result and stats events, one JSON
        object per line on stdout, and nothing else there. Warnings go to stderr.
      - play_start carries tasks, how many tasks the play starts when nothing fails, which
        progress is counted against. That is its facts gathering and every task of its compiled
        blocks, roles and imports included, but not handlers, rescue sections or dynamic includes.
      - task_start of a handler carries handler true.
      - task_result carries host, task, status (ok, changed, failed, ignored, unreachable, skipped)
        and, for failed/ignored/unreachable, msg. A no_log result's msg is the censored placeholder.
      - stats carries the recap per host and, when the play used set_stats (per_host false), its
        data (project_logs returns the service's output that way).
    requirements:
      - set as the stdout callback (ansible.cfg stdout_callback = orchestrator_jsonl)
"""

import json
import os

from ansible import constants as C
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.playbook.block import Block
from ansible.plugins.callback import CallbackBase

# What TaskResult.clean_copy puts in place of a no_log result.
CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"
MAX_MESSAGE = 8000
# The lines of a failed task's stdout its message ends with, when it has no stderr.
STDOUT_LINES = 20


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "orchestrator_jsonl"

    def _emit(self, event, **fields):
        line = json.dumps(dict(event=event, **fields), ensure_ascii=False, default=str)
        self._display.display(line, screen_only=True)

    # -- playbook, plays, tasks ---------------------------------------------------------------

    def v2_playbook_on_start(self, playbook):
        self._emit("playbook_start", playbook=os.path.basename(playbook._file_name))

    def v2_playbook_on_play_start(self, play):
        self._emit("play_start", name=play.get_name().strip(), tasks=_task_count(play))

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._emit("task_start", name=task.get_name().strip(), path=task.get_path())

    def v2_playbook_on_handler_task_start(self, task):
        self._emit("task_start", name=task.get_name().strip(), path=task.get_path(), handler=True)

    # -- per-host results ---------------------------------------------------------------------

    def _result(self, result, status, with_message=False):
        fields = dict(host=result._host.get_name(), task=result._task.get_name().strip(), status=status)
        if with_message:
            fields["msg"] = _message(result)
        self._handle_warnings(result._result)  # to stderr, like every other display warning
        self._emit("task_result", **fields)

    def v2_runner_on_ok(self, result):
        self._result(result, "changed" if result._result.get("changed", False) else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, "ignored" if ignore_errors else "failed", with_message=True)

    def v2_runner_on_unreachable(self, result):
        self._result(result, "unreachable", with_message=True)

    def v2_runner_on_skipped(self, result):
        self._result(result, "skipped")

    # -- the recap ----------------------------------------------------------------------------

    def v2_playbook_on_stats(self, stats):
        hosts = {}
        for host in sorted(stats.processed.keys()):
            summary = stats.summarize(host)
            hosts[host] = dict(
                ok=summary["ok"],
                changed=summary["changed"],
                failed=summary["failures"],
                unreachable=summary["unreachable"],
                skipped=summary["skipped"],
                rescued=summary["rescued"],
                ignored=summary["ignored"],
            )
        # What the play returned with set_stats (per_host false): project_logs' service output.
        data = stats.custom.get("_run", {}) if isinstance(stats.custom, dict) else {}
        self._emit("stats", hosts=hosts, **({"data": data} if data else {}))


def _task_count(play):
    """The task_start events the play sends when nothing fails: as the play iterator runs it."""
    # The facts gathering, as the play iterator decides it (ansible/executor/play_iterator.py).
    implied = play.gather_facts is None or boolean(play.gather_facts, strict=False)
    gathering = C.DEFAULT_GATHERING
    gathers = (gathering == "explicit" and boolean(play.gather_facts, strict=False)) or (
        gathering != "explicit" and implied
    )
    return int(gathers) + _blocks_tasks(play.compile())


def _blocks_tasks(items):
    """Tasks of these blocks and their nested blocks, but the implicit ones (callbacks never see those)."""
    count = 0
    for item in items:
        if isinstance(item, Block):
            count += _blocks_tasks(item.block) + _blocks_tasks(item.always)
        elif not item.implicit:
            count += 1
    return count


def _message(result):
    """A failure's message: the module's msg (plus stderr when it adds something, else the tail of
    stdout), never no_log data."""
    res = result._result
    if res.get("censored") or res.get("_ansible_no_log") or result._task.no_log is True:
        return CENSORED
    parts = []
    for key in ("msg", "reason", "stderr", "module_stderr"):
        value = res.get(key)
        if isinstance(value, str) and value.strip() and not any(value.strip() in part for part in parts):
            parts.append(value.strip())
    # raw and script run in a terminal, where stderr arrives as stdout: its tail says what failed.
    stdout = res.get("stdout")
    if not (res.get("stderr") or "").strip() and isinstance(stdout, str) and stdout.strip():
        parts.append("\n".join(stdout.strip().splitlines()[-STDOUT_LINES:]))
    if not parts and res.get("exception"):
        parts.append(str(res["exception"]).strip().splitlines()[-1])
    message = "\n".join(parts) or "failed"
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "\u2026"
    return message
