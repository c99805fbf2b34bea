"""Loading rule files: YAML validated by a pydantic model, with errors that name the line.

Every rule file is data an operator edits (classification and routing in intake, the
escalation rules and holiday calendar, the notification policy: ARCHITECTURE.md
"Configuration"). A mistake must stop the service at start-up with a message such as
``classification.yaml:42:7: fields.medical.keywords.医保: Input should be a valid number``,
not a traceback, and must never be half-read: so the YAML is composed into nodes first,
every path of the document is remembered with its line and column, a key given twice is
refused (plain YAML loading keeps the last silently), and the model's error locations are
mapped back to those places. A check for meaning, run once the file parsed, reports its
findings at their places too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)

#: A path in a rule file as pydantic reports it: mapping keys and list indexes.
Loc = tuple[str | int, ...]
#: A problem a check for meaning finds in a file that parsed: where it is, what is wrong.
Finding = tuple[Loc, str]
#: Paths are indexed with every part as text, so that a mapping key written as a number
#: (a year, a region code) and a list index are found whatever type the model gave them.
_Key = tuple[str, ...]


@dataclass(frozen=True)
class RuleProblem:
    """One problem of a rule file: its line and column (1-based), its path, what is wrong."""

    line: int | None
    column: int | None
    path: str
    message: str


class RuleFileError(ValueError):
    """A rule file that cannot be used; ``problems`` lists every problem found, each shown
    as ``file:line:column: path: message``."""

    def __init__(self, source: str, problems: Sequence[RuleProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(_render(source, problem) for problem in self.problems))


def _render(source: str, problem: RuleProblem) -> str:
    where = source
    if problem.line is not None:
        where += f":{problem.line}"
        if problem.column is not None:
            where += f":{problem.column}"
    return (
        f"{where}: {problem.path}: {problem.message}"
        if problem.path
        else f"{where}: {problem.message}"
    )


@dataclass
class _Document:
    """The composed file: its value and the place of every path."""

    places: dict[_Key, yaml.Mark]
    duplicates: list[RuleProblem]


def _to_python(node: yaml.Node, path: _Key, document: _Document, loader: yaml.SafeLoader) -> Any:
    # The place of a mapping's entry is its key (set by the caller: the line an operator
    # looks at, even when the value is a block below); of a list item, the item itself.
    document.places.setdefault(path, node.start_mark)
    if isinstance(node, yaml.MappingNode):
        mapping: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, loader)
            child = (*path, str(key))
            if key in mapping:
                document.duplicates.append(
                    RuleProblem(
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        ".".join(child),
                        f"duplicate key {key!r} (first at line {first_line[key]})",
                    )
                )
                continue
            first_line[key] = key_node.start_mark.line + 1
            document.places[child] = key_node.start_mark
            mapping[key] = _to_python(value_node, child, document, loader)
        return mapping
    if isinstance(node, yaml.SequenceNode):
        return [
            _to_python(item, (*path, str(index)), document, loader)
            for index, item in enumerate(node.value)
        ]
    return _scalar(node, loader)


def _scalar(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
    # Resolve a scalar with the safe loader's rules (ints, floats, booleans, dates, null,
    # strings); keys that are not scalars are refused by the models, which expect scalars.
    if not isinstance(node, yaml.ScalarNode):
        return repr(node.value)
    return loader.construct_object(node, deep=True)


def _problem(loc: Iterable[str | int], message: str, places: dict[_Key, yaml.Mark]) -> RuleProblem:
    # The deepest part of the path the file holds: a missing key is reported at the mapping
    # that should hold it, a refused key of a mapping (pydantic's "[key]") at the key.
    path = tuple(str(part) for part in loc)
    for end in range(len(path), -1, -1):
        mark = places.get(path[:end])
        if mark is not None:
            return RuleProblem(mark.line + 1, mark.column + 1, ".".join(path) or "(top)", message)
    return RuleProblem(None, None, ".".join(path) or "(top)", message)


def load_rule_file(
    text: str,
    model: type[ModelT],
    source: str,
    check: Callable[[ModelT], Iterable[Finding]] | None = None,
) -> ModelT:
    """Parse ``text`` as YAML into ``model``, then ``check`` it for meaning.

    ``source`` names the file in messages. Raises :class:`RuleFileError` for invalid YAML,
    an empty file, keys given twice, every value the model refuses, or every finding of
    ``check``, each at its line.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        problem = RuleProblem(line, column, "", f"invalid YAML: {error.problem}")
        raise RuleFileError(source, [problem]) from error
    if root is None:
        raise RuleFileError(source, [RuleProblem(1, None, "", "the file is empty")])
    document = _Document(places={}, duplicates=[])
    loader = yaml.SafeLoader("")
    try:
        value = _to_python(root, (), document, loader)
    finally:
        loader.dispose()
    if document.duplicates:
        raise RuleFileError(source, document.duplicates)
    try:
        parsed = model.model_validate(value)
    except ValidationError as error:
        problems = [_problem(item["loc"], item["msg"], document.places) for item in error.errors()]
        raise RuleFileError(source, problems) from error
    findings = list(check(parsed)) if check is not None else []
    if findings:
        raise RuleFileError(
            source, [_problem(loc, message, document.places) for loc, message in findings]
        )
    return parsed


class UnreadableRuleFileError(OSError, ValueError):
    """A rule file that cannot be opened or read (missing, a directory, no permission).

    An ``OSError``, so that a caller that names its setting for an unreadable file goes on
    doing so; and a ``ValueError``, so that a settings validator that reads a rule file
    reports it as a bad setting (pydantic turns only ValueErrors into validation errors),
    never as a traceback, as ``io.UnsupportedOperation`` is both.
    """


def read_rule_text(path: Path) -> str:
    """The text of the rule file at ``path``.

    Raises :class:`UnreadableRuleFileError` (an OSError) when it cannot be read, and
    :class:`RuleFileError` at the line and column of the first byte that is not UTF-8.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableRuleFileError(error.errno, error.strerror, str(path)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RuleFileError(str(path), [_not_utf8(data, error)]) from None


def _not_utf8(data: bytes, error: UnicodeDecodeError) -> RuleProblem:
    # The bytes before the bad one decode (it is the first bad one): its column counts
    # characters, as an editor shows them.
    line_start = data.rfind(b"\n", 0, error.start) + 1
    line = data.count(b"\n", 0, error.start) + 1
    column = len(data[line_start : error.start].decode("utf-8")) + 1
    byte = data[error.start]
    return RuleProblem(line, column, "", f"not UTF-8: byte 0x{byte:02x} ({error.reason})")


def read_rule_file(
    path: Path,
    model: type[ModelT],
    check: Callable[[ModelT], Iterable[Finding]] | None = None,
) -> ModelT:
    """Read the rule file at ``path`` and load it; an unreadable file is a RuleFileError."""
    try:
        text = read_rule_text(path)
    except OSError as error:
        raise RuleFileError(
            str(path), [RuleProblem(None, None, "", f"cannot read: {error.strerror}")]
        ) from None
    return load_rule_file(text, model, str(path), check)
