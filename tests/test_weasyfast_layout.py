"""The layout with imon.reports.weasyfast's shortcuts is WeasyPrint's own: with the measurements
of cell texts kept every cell is where WeasyPrint puts it measuring each text anew (also for long
German words it hyphenates and texts repeated in many cells), and with percentages resolved in one
loop every box has the margins, paddings, borders and sizes WeasyPrint gives it."""

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


BOXES = """<html lang="de"><style>
@page { size: A5; margin: 10mm 5% }
body { margin: 0 2% }
.a { width: 50%; padding: 1% 2mm; margin: 0 auto; border: 2px solid; min-height: 3em }
.b { width: calc(100% - 4em); max-width: 90%; box-sizing: border-box; padding: 5%; border: 1px solid }
.c { display: inline-block; width: 30%; height: 2cm; margin: 2% }
.d { float: right; width: 25%; min-width: 3cm; max-height: 50% }
table { border-collapse: collapse; width: 80% } td { width: 20%; padding: 1%; border: 3px solid }
</style><div class=a>Ein Absatz in einem Kasten</div><div class=b>Noch einer, mit calc()</div>
<p><span class=c>eins</span><span class=c>zwei</span></p><div class=d>rechts</div>
<table><tr><td>Zelle</td><td>Zelle mit mehr Text</td></tr></table>
<div style="height: 50%; padding-top: 10%">Höhe in Prozent</div></html>"""

GEOMETRY = (
    "position_x",
    "position_y",
    "width",
    "height",
    "min_width",
    "max_width",
    "min_height",
    "max_height",
    "margin_top",
    "margin_right",
    "margin_bottom",
    "margin_left",
    "padding_top",
    "padding_right",
    "padding_bottom",
    "padding_left",
    "border_top_width",
    "border_right_width",
    "border_bottom_width",
    "border_left_width",
)


def geometry(document):
    def walk(box):
        yield type(box).__name__, tuple(getattr(box, name, None) for name in GEOMETRY)
        for child in getattr(box, "children", ()):
            yield from walk(child)

    return [box for page in document.pages for box in walk(page._page_box)]


def test_boxes_have_the_lengths_weasyprint_resolves():
    from weasyprint import HTML

    from imon.reports import weasyfast

    weasyfast.install()
    percent = importlib.import_module("weasyprint.layout.percent")
    modules = [
        importlib.import_module(f"weasyprint.layout.{name}") for name in ("block", "inline", "page", "table")
    ]
    in_one_loop = percent.resolve_percentages
    assert getattr(in_one_loop, "in_one_loop", False)  # installed (WeasyPrint 70)
    original = in_one_loop.replaces
    assert all(module.resolve_percentages is in_one_loop for module in modules)
    with_one_loop = geometry(HTML(string=BOXES).render())
    for module in modules:
        module.resolve_percentages = original
    try:
        resolved_by_weasyprint = geometry(HTML(string=BOXES).render())
    finally:
        for module in modules:
            module.resolve_percentages = in_one_loop
    assert len(with_one_loop) > 20
    assert with_one_loop == resolved_by_weasyprint
