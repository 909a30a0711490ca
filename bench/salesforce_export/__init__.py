"""A synthetic Salesforce export for the import benchmark: ``python -m bench.salesforce_export``.

:mod:`~bench.salesforce_export.export` writes the Account, Contact and Opportunity CSVs
(usage and how to time the import: its docstring and docs/import-format.md, "Large exports").
"""
