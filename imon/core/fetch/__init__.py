"""Figures that fetch themselves: an indicator's official table from the offices' web service.

`subscription` (what an indicator subscribes to, when it is due; plain functions), `client` (the
web service of GENESIS-Online, the Regionaldatenbank and the Zensus 2022 database), `run`
(download, then the importer's plan and atomic apply, as for an uploaded file).
"""
