"""Errors raised inside the executors, raised again on the driver as the ``upsell`` exception they were.

An ``upsell`` error in ``mapInArrow`` or ``applyInArrow`` reaches the driver as pyspark's
``PythonException``, whose text holds the worker's Python traceback and the JVM's stack. Where a
call runs the job itself, the traceback's last ``upsell`` exception line gives the class and the
original message back; the Spark exception stays attached as its ``__cause__``.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterator

from pyspark.errors import PythonException

from upsell import exceptions
from upsell.exceptions import UpsellError

# "upsell.exceptions.InvalidInputError: invalid input at ...", as the worker's traceback ends.
_RAISED = re.compile(r"^upsell(?:\.\w+)*\.(\w+Error): (.*)$", re.MULTILINE)


@contextmanager
def executor_errors() -> Iterator[None]:
    """Runs a Spark action, turning an ``upsell`` error of its Python workers into that error."""
    try:
        yield
    except PythonException as error:
        raised = _RAISED.findall(str(error))
        kind = getattr(exceptions, raised[-1][0], None) if raised else None
        if isinstance(kind, type) and issubclass(kind, UpsellError):
            raise kind(raised[-1][1]) from error
        raise
