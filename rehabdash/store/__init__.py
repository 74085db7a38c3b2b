"""The store: immutable Parquet snapshots, the DuckDB query runner over them (named queries of
queries/*.sql, bound parameters, the account's scope enforced before a row is read) and the shipped
boundary files.

May import the kernel; never topics, maps, charts, export, access, ingest or ui.
"""
