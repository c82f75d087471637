# host_exec: runs a program on the host over the task's connection without starting Python there.
#
# A module costs a Python start on the host for every task (0.2 s and more on loopback); the
# deploy's steps run our own scripts (co-app-release, co-app-ctl, a probe), which need none of it.
# This action sends the command line (argv, each word quoted for the remote shell) straight to the
# connection, with `stdin` on the program's standard input (what must not be in argv: secrets),
# after shipping the controller file `put` to the task's temporary directory (its remote path
# takes the place of each argv word that is exactly "@put"). Become applies as to any task.
#
#   - ansible.builtin.host_exec is not a module: name it `host_exec`.
#     argv: [list of words]   stdin: text (optional)   put: controller path (optional)
#
# Returns rc, stdout, stderr (and their _lines); fails when rc is not 0, unless failed_when says
# otherwise. Always reports changed (as command does): set changed_when.
import shlex

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

PUT_PLACEHOLDER = "@put"


class ActionModule(ActionBase):
    TRANSFERS_FILES = True
    _VALID_ARGS = frozenset(("argv", "stdin", "put"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        argv = self._task.args.get("argv")
        stdin = self._task.args.get("stdin")
        put = self._task.args.get("put")
        if not isinstance(argv, list) or not argv or not all(isinstance(word, str) for word in argv):
            raise AnsibleActionFail("host_exec: argv must be a non-empty list of strings")
        if stdin is not None and not isinstance(stdin, str):
            raise AnsibleActionFail("host_exec: stdin must be a string")
        if put is not None and (not isinstance(put, str) or PUT_PLACEHOLDER not in argv):
            raise AnsibleActionFail('host_exec: put needs a path, and an argv word "@put" to stand for it')
        try:
            if put is not None:
                source = self._loader.get_real_file(self._find_needle("files", put), decrypt=False)
                if not self._connection._shell.tmpdir:
                    self._make_tmp_path()
                remote = self._connection._shell.join_path(self._connection._shell.tmpdir, "put")
                self._transfer_file(source, remote)
                # Readable by the user the task becomes (the program runs as that user).
                self._fixup_perms2((self._connection._shell.tmpdir, remote))
                argv = [remote if word == PUT_PLACEHOLDER else word for word in argv]
            command = " ".join(shlex.quote(word) for word in argv)
            # ssh gives a command without stdin a terminal (-tt), which would merge stderr into
            # stdout; pipelining has no need of one, and neither do we.
            if "use_tty" in getattr(self._connection, "_options", {}):
                self._connection.set_option("use_tty", False)
            data = None if stdin is None else stdin.encode("utf-8")
            executed = self._low_level_execute_command(command, in_data=data, sudoable=True)
        finally:
            if self._connection._shell.tmpdir:
                self._remove_tmp_path(self._connection._shell.tmpdir)
        stdout = to_text(executed.get("stdout", ""), errors="surrogate_or_replace")
        stderr = to_text(executed.get("stderr", ""), errors="surrogate_or_replace")
        result.update(
            rc=executed.get("rc"),
            stdout=stdout,
            stderr=stderr,
            stdout_lines=stdout.splitlines(),
            stderr_lines=stderr.splitlines(),
            changed=True,
        )
        if executed.get("rc") != 0:
            result["failed"] = True
            result["msg"] = "non-zero return code"
        return result
