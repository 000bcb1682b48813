"""``upsell`` on Apache Spark: the heavy jobs run inside the executors on the Rust core.

Install with ``pip install upsell[spark]`` (PySpark 4, Java 17). Every call takes and returns Spark
DataFrames; data moves between the JVM and the core as Arrow batches (``mapInArrow``,
``groupBy(...).applyInArrow``), never one Python object per row, and the driver never collects the
baskets. Jobs show in Spark's own progress bar and UI, and are cancelled as any Spark job is
(``SparkContext.cancelAllJobs``, or Ctrl-C in the shell that runs the driver).

The frames these calls return are lazy: the core runs in the executors when they are used, and an
error it finds there (a value of the wrong type, a limit exceeded) reaches the driver inside
pyspark's ``PythonException``. Run the action under :func:`executor_errors` to get the ``upsell``
exception instead (the jobs these calls run themselves already do)::

    with executor_errors():
        offers.write.parquet("offers")

>>> from upsell.spark import frequent_itemsets  # doctest: +SKIP
>>> frequent_itemsets(orders, 0.001, items_col="items").show()  # doctest: +SKIP
"""

from __future__ import annotations

try:
    import pyspark  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError("upsell.spark needs PySpark 4: pip install 'upsell[spark]'") from error

from upsell.spark import triggers
from upsell.spark._errors import executor_errors
from upsell.spark.mining import association_rules, frequent_itemsets
from upsell.spark.recommend import recommend
from upsell.spark.sequence import sequential_affinity

__all__ = [
    "association_rules",
    "executor_errors",
    "frequent_itemsets",
    "recommend",
    "sequential_affinity",
    "triggers",
]
