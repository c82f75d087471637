"""Renders Copier templates with Python's Jinja2, as Copier does, for the executor's built-in engine.

One process per scaffold. Line-delimited JSON on stdin/stdout: first {"root", "envops", "cache",
"extensions"} (answered {"ready": jinja2's version}, or {"refused": why} when an extension the
template names cannot be loaded; the executor asks for extensions only of a trusted template), then {"id", "source", "context", "floats"} requests, each answered
{"id", "output"} or {"id", "error": {"message", "file"?, "line"?}}. Templates are untrusted: the
environment is sandboxed (as Copier's), includes and imports resolve only inside the template
root (where Copier's loader is rooted), and the process has a memory limit; the caller bounds
each render's time. `floats` names context values Copier holds as Python floats (answers of
`type: float`), which JSON cannot tell from integers. Compiling is most of Jinja2's cost (some
milliseconds a template, against microseconds to render it), so compiled templates are kept: in
memory for the process, and on disk in `cache` (a directory only the executor's user can write,
one per set of `_envops`, keyed by the source's digest and checked against its checksum, as
Jinja2's bytecode cache does).
"""

import base64
import hashlib
import json
import os
import posixpath
import re
import resource
import shlex
import sys
import uuid

import jinja2
import yaml
from jinja2.sandbox import SandboxedEnvironment

MEMORY_LIMIT = 1 << 30
# Compiled templates kept in memory (path segments and question templates repeat).
MEMORY_CACHE_SIZE = 4096
ANSIBLE_UUID_NAMESPACE = uuid.UUID("361E6D51-FAEC-444A-9079-341386DA8E2E")


class RootedLoader(jinja2.FileSystemLoader):
    """Jinja2's file loader, refusing a name that leads (through a link) out of the root."""

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        root = os.path.realpath(self.searchpath[0])
        if os.path.commonpath([root, os.path.realpath(filename)]) != root:
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate


# The filters of jinja2_ansible_filters that Copier loads, with Ansible's semantics.


def _flags(ignorecase=False, multiline=False):
    return (re.I if ignorecase else 0) | (re.M if multiline else 0)


def regex_search(value, regex, *args, **kwargs):
    match = re.search(regex, str(value), _flags(**kwargs))
    if not match:
        return None
    if not args:
        return match.group()
    return [match.expand(arg) for arg in args]


def regex_replace(value="", pattern="", replacement="", ignorecase=False, multiline=False):
    return re.sub(pattern, replacement, str(value), flags=_flags(ignorecase, multiline))


def regex_findall(value, regex, multiline=False, ignorecase=False):
    return re.findall(regex, str(value), _flags(ignorecase, multiline))


def to_bool(value):
    if value is None or isinstance(value, bool):
        return value
    return str(value).lower() in ("yes", "on", "1", "true")


def ternary(value, true_val, false_val, none_val=None):
    if value is None and none_val is not None:
        return none_val
    return true_val if value else false_val


def to_yaml(value, *args, **kwargs):
    flow = kwargs.pop("default_flow_style", None)
    return yaml.dump(value, allow_unicode=True, default_flow_style=flow, **kwargs)


def to_nice_yaml(value, indent=4, *args, **kwargs):
    return yaml.dump(value, indent=indent, allow_unicode=True, default_flow_style=False, **kwargs)


def to_nice_json(value, indent=4, *args, **kwargs):
    return json.dumps(value, indent=indent, sort_keys=True, separators=(",", ": "), **kwargs)


def get_hash(value, hashtype="sha1"):
    return hashlib.new(hashtype, str(value).encode("utf-8")).hexdigest()


def mandatory(value, msg=None):
    if isinstance(value, jinja2.Undefined):
        raise jinja2.UndefinedError(msg or "Mandatory variable not defined.")
    return value


def comment(text, style="plain", **kwargs):
    styles = {
        "plain": {"decoration": "# "},
        "erlang": {"decoration": "% "},
        "c": {"decoration": "// "},
        "cblock": {"beginning": "/*", "decoration": " * ", "end": " */"},
        "xml": {"beginning": "<!--", "decoration": " - ", "end": "-->"},
    }
    chosen = dict(styles.get(style, styles["plain"]))
    for key, name in (("decoration", "decoration"), ("beginning", "prefix"), ("end", "postfix")):
        if name in kwargs:
            chosen[key] = kwargs[name]
    decoration = chosen["decoration"]
    beginning = chosen.get("beginning", decoration.rstrip())
    end = chosen.get("end", decoration.rstrip())
    lines = [(decoration + line).rstrip() for line in str(text).split("\n")]
    return "\n".join([beginning, *lines, end])


def flatten(value, levels=None, skip_nulls=True):
    out = []
    for item in value:
        if item is None and skip_nulls:
            continue
        if isinstance(item, list) and (levels is None or levels > 0):
            out.extend(flatten(item, None if levels is None else levels - 1, skip_nulls))
        else:
            out.append(item)
    return out


def type_debug(value):
    return type(value).__name__


def quote(value):
    return shlex.quote("" if value is None else str(value))


def pathjoin(*parts):
    return posixpath.join(*[part for part in parts if isinstance(part, str)])


ANSIBLE_FILTERS = {
    "to_json": lambda value, *a, **kw: json.dumps(value, *a, **kw),
    "to_nice_json": to_nice_json,
    "to_yaml": to_yaml,
    "to_nice_yaml": to_nice_yaml,
    "from_json": json.loads,
    "from_yaml": lambda value: yaml.safe_load(str(value)),
    "regex_search": regex_search,
    "regex_replace": regex_replace,
    "regex_findall": regex_findall,
    "regex_escape": re.escape,
    "bool": to_bool,
    "ternary": ternary,
    "quote": quote,
    "b64encode": lambda value: base64.b64encode(str(value).encode("utf-8")).decode("utf-8"),
    "b64decode": lambda value: base64.b64decode(str(value).encode("utf-8")).decode("utf-8"),
    "hash": get_hash,
    "md5": lambda value: get_hash(value, "md5"),
    "sha1": lambda value: get_hash(value, "sha1"),
    "checksum": lambda value: get_hash(value, "sha1"),
    "comment": comment,
    "mandatory": mandatory,
    "basename": posixpath.basename,
    "dirname": posixpath.dirname,
    "splitext": lambda value: list(posixpath.splitext(str(value))),
    "flatten": flatten,
    "to_uuid": lambda value: str(uuid.uuid5(ANSIBLE_UUID_NAMESPACE, str(value))),
    "type_debug": type_debug,
}


class Compiler:
    """Templates from source strings, compiled once (memory, then the bytecode cache on disk)."""

    def __init__(self, env, cache_dir):
        self.env = env
        self.memory = {}
        self.disk = jinja2.FileSystemBytecodeCache(cache_dir) if cache_dir else None
        # Includes and imports (loaded by name) use the same cache.
        env.bytecode_cache = self.disk

    def template(self, source):
        found = self.memory.get(source)
        if found is not None:
            return found
        if self.disk is None:
            template = self.env.from_string(source)
        else:
            # Jinja2 keys a bucket by template name; a string's name is its digest.
            digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
            bucket = self.disk.get_bucket(self.env, digest, None, source)
            if bucket.code is None:
                bucket.code = self.env.compile(source)
                self.disk.set_bucket(bucket)
            template = self.env.template_class.from_code(self.env, bucket.code, self.env.make_globals(None))
        if len(self.memory) >= MEMORY_CACHE_SIZE:
            self.memory.clear()
        self.memory[source] = template
        return template


def environment(root, envops, extensions=()):
    options = {"keep_trailing_newline": True, **envops}
    options.pop("undefined", None)
    env = SandboxedEnvironment(
        loader=RootedLoader(root) if root else None,
        undefined=jinja2.Undefined,
        autoescape=False,
        extensions=list(extensions),
        **options,
    )
    env.filters.update(ANSIBLE_FILTERS)
    env.globals["pathjoin"] = pathjoin
    return env


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def slot(scope, key):
    """The dict key or list index `key` names in `scope`, or None when there is none."""
    if isinstance(scope, dict) and key in scope:
        return key
    if isinstance(scope, list) and key.isdigit() and int(key) < len(scope):
        return int(key)
    return None


def as_float(scope, key):
    at = slot(scope, key)
    if at is not None and is_int(scope[at]):
        scope[at] = float(scope[at])


def with_floats(context, floats):
    """Copier's float answers, at the top and in `_copier_answers`; a dotted name (external data) at its path."""
    for name in floats:
        *parents, leaf = name.split(".")
        if parents:
            scope = context
            for key in parents:
                at = slot(scope, key)
                scope = scope[at] if at is not None else None
            as_float(scope, leaf)
            continue
        for scope in (context, context.get("_copier_answers")):
            as_float(scope, name)
    return context


def located(error, root):
    """The template file (relative to the root; None for the string rendered) and line of an error."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        return error.name, error.lineno
    place = (None, None)
    trace = error.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename == "<template>":
            place = (None, trace.tb_lineno)
        elif root and filename.startswith(root + os.sep):
            place = (os.path.relpath(filename, root), trace.tb_lineno)
        trace = trace.tb_next
    return place


def answer(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    init = json.loads(sys.stdin.readline())
    root = os.path.realpath(init["root"]) if init.get("root") else None
    extensions = init.get("extensions") or []
    try:
        env = environment(root, init.get("envops") or {}, extensions)
    except Exception as error:  # noqa: BLE001 - an extension that does not import is the template's problem
        answer({"refused": f"cannot load the Jinja extensions {', '.join(extensions)}: {type(error).__name__}: {error}"})
        return
    compiler = Compiler(env, init.get("cache"))
    answer({"ready": jinja2.__version__})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            context = with_floats(request["context"], request.get("floats") or [])
            output = compiler.template(request["source"]).render(context)
            answer({"id": request["id"], "output": output})
        except Exception as error:  # noqa: BLE001 - every template error goes back to the caller
            file, line_number = located(error, root)
            message = error.message if isinstance(error, jinja2.TemplateError) and error.message else str(error)
            if isinstance(error, jinja2.TemplateNotFound):
                message = f"template not found: {error.name} (looked in the template's root)"
            failure = {"message": f"{type(error).__name__}: {message}" if not isinstance(error, jinja2.TemplateError) else message}
            if file:
                failure["file"] = file
            if line_number:
                failure["line"] = line_number
            answer({"id": request["id"], "error": failure})


if __name__ == "__main__":
    main()
