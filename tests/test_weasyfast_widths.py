"""Column widths of a table in the PDF: with the measurements of cell texts kept
(imon.reports.weasyfast) every cell is where WeasyPrint puts it measuring each text anew, also
for long German words it hyphenates and texts repeated in many cells."""

import importlib

TABLE = (
    """<html lang="de"><style>
@page { size: A4; margin: 20mm }
table { border-collapse: collapse; width: 100%; font-size: 9pt }
th, td { hyphens: auto; hyphenate-limit-chars: 10 4 4; overflow-wrap: break-word; padding: 2pt }
td.num { white-space: nowrap; text-align: right }
</style><table><thead><tr><th>Maßnahme</th><th>Zuständigkeit</th><th>Status</th><th>Kosten</th>
<th>Fördermittel</th></tr></thead><tbody>
"""
    + "".join(
        f"<tr><th>Integrationskursbegleitung und Sprachmittlerpool {i}</th>"
        f"<td>Kommunales Integrationszentrum, Fachbereich {i % 3}</td><td>in Umsetzung</td>"
        f"<td class=num>{i * 1234:,} €</td><td class=num>{i * 77} €</td></tr>"
        for i in range(1, 16)
    )
    + "</tbody></table></html>"
)


def cell_boxes(document):
    def walk(box):
        if type(box).__name__ == "TableCellBox":
            yield (
                round(box.position_x, 6),
                round(box.position_y, 6),
                round(box.width, 6),
                round(box.height, 6),
            )
        for child in getattr(box, "children", ()):
            yield from walk(child)

    return [cell for page in document.pages for cell in walk(page._page_box)]


def test_cells_are_where_weasyprint_puts_them_measuring_anew():
    from weasyprint import HTML

    from imon.reports import weasyfast

    weasyfast.install()
    preferred = importlib.import_module("weasyprint.layout.preferred")
    line_break = importlib.import_module("weasyprint.text.line_break")
    kept = preferred.split_first_line
    assert kept is not line_break.split_first_line  # installed (WeasyPrint 70)
    with_kept_measurements = cell_boxes(HTML(string=TABLE).render())
    preferred.split_first_line = line_break.split_first_line
    try:
        measured_anew = cell_boxes(HTML(string=TABLE).render())
    finally:
        preferred.split_first_line = kept
    assert len(with_kept_measurements) == 5 * 16
    assert with_kept_measurements == measured_anew
