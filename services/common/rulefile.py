"""Loading rule files: YAML validated by a pydantic model, with errors that name the line.

The classification and routing tables are data that operators edit (ARCHITECTURE.md
"Configuration"). A mistake must stop the service at start-up with a message such as
``classification.yaml:42: fields.medical.keywords.医保: Input should be a valid number``,
not a traceback: so the YAML is composed into nodes first, every path in the document is
remembered with its line, and pydantic's error locations are mapped back to those lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)

_Path = tuple[str | int, ...]


class RuleFileError(ValueError):
    """A rule file that cannot be used; ``problems`` holds one 'file:line: path: message' each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


def _to_python(
    node: yaml.Node, path: _Path, lines: dict[_Path, int], source: str, loader: yaml.SafeLoader
) -> Any:
    # A path's line is where its key is written (set by the caller); lines in messages are
    # 1-based, yaml marks 0-based.
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, loader)
            if key in mapping:
                raise RuleFileError(
                    [f"{source}:{key_node.start_mark.line + 1}: duplicate key {key!r}"]
                )
            lines[(*path, str(key))] = key_node.start_mark.line + 1
            mapping[key] = _to_python(value_node, (*path, str(key)), lines, source, loader)
        return mapping
    if isinstance(node, yaml.SequenceNode):
        return [
            _to_python(item, (*path, index), lines, source, loader)
            for index, item in enumerate(node.value)
        ]
    return _scalar(node, loader)


def _scalar(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
    # Resolve a scalar with the safe loader's rules (ints, floats, booleans, null, strings);
    # keys that are not scalars are refused by the models, which expect string keys.
    if not isinstance(node, yaml.ScalarNode):
        return repr(node.value)
    return loader.construct_object(node, deep=True)


def load_rule_file(text: str, model: type[ModelT], source: str) -> ModelT:
    """Parse ``text`` as YAML and validate it as ``model``; ``source`` names the file in errors.

    Raises :class:`RuleFileError` for invalid YAML, a duplicate key (which YAML would
    otherwise silently overwrite) or a value the model refuses, each with its line.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else 0
        raise RuleFileError([f"{source}:{line}: invalid YAML: {error.problem}"]) from error
    if root is None:
        raise RuleFileError([f"{source}:1: the file is empty"])
    lines: dict[_Path, int] = {}
    loader = yaml.SafeLoader("")
    try:
        document = _to_python(root, (), lines, source, loader)
    finally:
        loader.dispose()
    try:
        return model.model_validate(document)
    except ValidationError as error:
        problems = []
        for detail in error.errors():
            path: _Path = tuple(detail["loc"])
            while path not in lines:
                path = path[:-1]
            where = ".".join(str(part) for part in detail["loc"]) or "(top)"
            problems.append(f"{source}:{lines[path]}: {where}: {detail['msg']}")
        raise RuleFileError(problems) from error
