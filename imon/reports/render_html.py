"""The report as one self-contained HTML file (inline CSS and SVG) and as tagged PDF/UA-1 (WeasyPrint)."""

import base64
from pathlib import Path

from django.template.loader import render_to_string

from . import charts, fonts, hatchtiles, weasyfast
from .document.blocks import Figure, Report, generated

CSS = (Path(__file__).parent / "templates" / "reports" / "report.css").read_text(encoding="utf-8")


def _prepare(report: Report, inline_svg: bool):
    figures = [block.chart for block in report.blocks if isinstance(block, Figure)]
    charts.draw_ahead(
        [job for spec in figures for job in charts.responsive_jobs(spec)]
        if inline_svg
        else [charts.svg_job(spec) for spec in figures]
    )
    for block in report.blocks:
        if isinstance(block, Figure):
            if inline_svg:
                block.svg = charts.render_responsive_svg(block.chart)
            else:
                svg = hatchtiles.compact(charts.render_svg(block.chart))  # WeasyPrint redraws a tile per use
                encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
                block.svg_uri = "data:image/svg+xml;base64," + encoded


def html(report: Report, inline_svg: bool = True, embed_fonts: bool = False) -> str:
    _prepare(report, inline_svg)
    return render_to_string(
        "reports/report.html",
        {
            "report": report,
            "toc": report.headings(2),
            "css": CSS,
            "fonts_css": fonts.css(report.style.font) if embed_fonts else "",
            "inline_svg": inline_svg,
            "created": generated(),
        },
    )


def pdf(report: Report) -> bytes:
    """Tagged PDF/UA-1: language, title, bookmarks from the headings, table headers, figures with alt text."""
    import gc
    import logging

    weasyfast.load()
    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    _hyphenation_patterns("de-DE")
    weasyfast.install()
    document = HTML(string=html(report, inline_svg=False, embed_fonts=True), base_url=None)
    # WeasyPrint makes hundreds of thousands of boxes, styles and text layouts, which set off the
    # garbage collector's rounds over and over and leave little for it to free. The collector is
    # paused while the PDF is made: 17 % less CPU time for the large report of bench/run_report.py
    # (22.4 -> 18.7 s), 6 % less for the demo, 2.5 % more peak memory (523 -> 536 MB).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False)
    finally:
        if collecting:
            gc.enable()


def _hyphenation_patterns(lang: str) -> None:
    """WeasyPrint hyphenates with pyphen, which parses the 1 MB pattern file of a language in every
    process (about 0.6 s for German). The parsed patterns are kept in IMON_HOME/cache/hyphenation
    (marshal: plain strings, numbers and tuples, no code) and handed to pyphen's own cache; a
    pattern file with nonstandard hyphenation (objects marshal cannot keep) is parsed as before."""
    import marshal

    from django.conf import settings

    try:
        import pyphen  # WeasyPrint's own dependency
    except ImportError:
        return

    source = pyphen.LANGUAGES.get(pyphen.language_fallback(lang) or "")
    if source is None or source in pyphen.hdcache:
        return
    stat = source.stat()
    cached = (
        Path(settings.IMON_HOME)
        / "cache"
        / "hyphenation"
        / f"{source.stem}-{pyphen.__version__}-{stat.st_size}-{stat.st_mtime_ns}.marshal"
    )
    try:
        patterns, maxlen = marshal.loads(cached.read_bytes())
        patterns_of = pyphen.HyphDict.__new__(pyphen.HyphDict)
        patterns_of.patterns, patterns_of.cache, patterns_of.maxlen = patterns, {}, maxlen
    except (OSError, ValueError, EOFError, TypeError):
        patterns_of = pyphen.HyphDict(source)
        plain = all(type(v) is int for _start, values in patterns_of.patterns.values() for v in values)
        if plain:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                partial = cached.with_name(f".{cached.name}.part")
                partial.write_bytes(marshal.dumps((patterns_of.patterns, patterns_of.maxlen)))
                partial.replace(cached)
            except OSError:
                pass  # a read-only data folder: parsed again next time
    pyphen.hdcache[source] = patterns_of
