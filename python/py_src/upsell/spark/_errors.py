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
    """Runs Spark actions, raising an ``upsell`` error of their Python workers as that error.

    Inside the block, pyspark's ``PythonException`` whose worker traceback ends in an ``upsell``
    exception is raised again as that exception class with its message (the first line of it),
    the Spark exception attached as ``__cause__``; any other error passes unchanged.

    >>> with executor_errors():  # doctest: +SKIP
    ...     offers.collect()
    Traceback (most recent call last):
    upsell.exceptions.InvalidInputError: column 'plan': ...
    """
    try:
        yield
    except PythonException as error:
        raised = _RAISED.findall(str(error))
        kind = getattr(exceptions, raised[-1][0], None) if raised else None
        if isinstance(kind, type) and issubclass(kind, UpsellError):
            raise kind(raised[-1][1]) from error
        raise
