#!/usr/bin/python3
# The documentation of the host_exec action (action_plugins/host_exec.py), which runs on the
# controller: Ansible and ansible-lint read a task's options from here. Nothing of it runs on a host.
DOCUMENTATION = r"""
module: host_exec
short_description: Run a program on the host without starting Python there
description:
  - Sends the command line (each word quoted) over the task's connection, with stdin on the
    program's standard input, after shipping the controller file put to the task's temporary
    directory. Fails when the program exits with a status other than 0.
options:
  argv:
    description: The program and its arguments. A word that is exactly "@put" stands for the shipped file.
    type: list
    elements: str
  stdin:
    description: Text for the program's standard input (what must not be in argv, such as secrets).
    type: str
  put:
    description: A controller file to ship first.
    type: path
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec={
            "argv": {"type": "list", "elements": "str"},
            "stdin": {"type": "str"},
            "put": {"type": "path"},
        }
    )
    module.fail_json(msg="host_exec runs as an action on the controller (action_plugins/host_exec.py)")


if __name__ == "__main__":
    main()
