"""The one boundary: everything that leaves for the public passes this package.

- `cells`: which observations the public may see (suppression of small counts and of the cells
  they could be recomputed from, rounding, too-uncertain shares), decided on everything published
  together; `suppression` holds the plain functions behind it.
- `view`: the public document of a snapshot (only the fields listed as public, no internal notes,
  no unpublished measures or contact points) and `PublicView`, its look-ups for public pages.

Entry points: `public_document(snapshot)` for reports and the portal (through `PublicView`),
`public_table(release, indicator, area)` for `imon export-data --public`, `hidden_cells(keys)` where staff
pages show what is blocked. Public templates see only what these return.
"""

from .view import PublicView, public_document

__all__ = ["PublicView", "hidden_cells", "public_document", "public_table"]


def hidden_cells(indicator_keys) -> dict:
    """{(indicator, area, date, dim_key): reason} of the cells of these indicators the public must not see."""
    from .cells import hidden_cells

    return hidden_cells(indicator_keys)


def public_table(
    snapshot: dict, indicator: str | None = None, area: str | None = None
) -> tuple[list[str], list[dict]]:
    """Header and rows of the long format of a released snapshot document, as the public sees
    them (hidden cells become '.'): the same cells as every other output of that release."""
    from imon.core.exports import long_format

    from .view import public_records

    return long_format(public_records(public_document(snapshot), indicator, area))
