"""YAML parsing that remembers where each value came from.

Content staff fix what they can find: every problem we report names the file and
line, so mappings and lists parsed here carry the line of each key and item.
"""

from __future__ import annotations

from typing import Any

import yaml


class LineDict(dict[Any, Any]):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int
    key_lines: dict[Any, int]
    duplicate_keys: list[tuple[Any, int]]


class LineList(list[Any]):
    """A list that knows its own line and the line of each item (1-based)."""

    line: int
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that builds LineDict/LineList and records duplicate keys instead of
    silently keeping the last one (a classic way for an edit to vanish)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    mapping.duplicate_keys = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        line = key_node.start_mark.line + 1
        if key in mapping:
            mapping.duplicate_keys.append((key, line))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    items = LineList(loader.construct_object(child, deep=True) for child in node.value)
    items.line = node.start_mark.line + 1
    items.item_lines = [child.start_mark.line + 1 for child in node.value]
    return items


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class YamlSyntaxError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def parse_yaml(text: str) -> Any:
    """Parse YAML text into Line* containers; raise YamlSyntaxError with a 1-based line."""
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at_end = mark is not None and mark.index >= len(text.rstrip())
        if at_end and exc.context_mark is not None:
            # "unexpected end of file": the unclosed bracket or quote is where to look.
            mark = exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        raise YamlSyntaxError(line, f"invalid YAML: {problem}{context}") from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, f"invalid YAML: {exc}") from exc


def line_of(container: Any, key: Any, default: int = 1) -> int:
    """Line of ``key`` in a LineDict (or item index in a LineList), else ``default``."""
    if isinstance(container, LineDict):
        return container.key_lines.get(key, container.line)
    if isinstance(container, LineList) and isinstance(key, int):
        if 0 <= key < len(container.item_lines):
            return container.item_lines[key]
        return container.line
    return default
