"""Drop-in replacements for other libraries' APIs, running on the ``upsell`` core.

- :mod:`upsell.compat.mlxtend`: mlxtend's ``frequent_patterns`` (``apriori``, ``fpgrowth``,
  ``fpmax``, ``hmine``, ``association_rules``).
"""
