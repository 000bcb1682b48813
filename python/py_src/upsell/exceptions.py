"""The exceptions of ``upsell``, declared once and rooted at :class:`UpsellError`.

Each class matches one stable error kind of the core (``exc.kind``), so code can branch on the class
or on ``kind`` without parsing messages. Errors about a place in the input carry it as ``path``,
``line``, ``column`` and ``column_name`` (``None`` when unknown). Files that cannot be opened raise
the builtin :class:`FileNotFoundError`, :class:`PermissionError` or :class:`OSError` instead.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

__all__ = [
    "CancelledError",
    "InvalidInputError",
    "InvalidParameterError",
    "LimitExceededError",
    "ModelFileError",
    "RuleSyntaxError",
    "UpsellError",
]


class UpsellError(Exception):
    """The root of every error ``upsell`` raises (except builtin file errors)."""

    #: The default kind of the class; instances carry the core's kind.
    default_kind = "upsell"

    def __init__(
        self,
        message: str,
        *,
        kind: Optional[str] = None,
        path: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
        column_name: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.kind: str = kind if kind is not None else self.default_kind
        self.path = path
        self.line = line
        self.column = column
        self.column_name = column_name


class InvalidInputError(UpsellError, ValueError):
    """The data is malformed: a bad basket, row, item or column."""

    default_kind = "invalid_input"


class InvalidParameterError(UpsellError, ValueError):
    """A parameter is out of range or inconsistent with another."""

    default_kind = "invalid_parameter"


class RuleSyntaxError(UpsellError):
    """A rule or model file does not parse or type-check.

    ``line`` and ``column`` say where the first problem is; ``diagnostics`` lists every problem found
    as dicts with ``subject`` (such as ``"rule 'pro-upgrade'"``), ``path``, ``line``, ``column`` and
    ``message``.
    """

    default_kind = "parse"

    def __init__(self, message: str, *, diagnostics: Optional[List[Dict[str, Any]]] = None, **details: Any) -> None:
        super().__init__(message, **details)
        self.diagnostics: List[Dict[str, Any]] = list(diagnostics or [])


class ModelFileError(RuleSyntaxError):
    """A model file (or model bytes or JSON) that is not a valid ``upsell`` model: truncated,
    corrupt, of another format or of a newer version. A :class:`RuleSyntaxError`, as model and
    rule files share the parse kind."""


class LimitExceededError(UpsellError):
    """A budget (itemsets, memory) was exceeded; raise the limit or the support."""

    default_kind = "limit_exceeded"


class CancelledError(UpsellError):
    """The work was cancelled (Ctrl-C raises ``KeyboardInterrupt`` instead)."""

    default_kind = "cancelled"
