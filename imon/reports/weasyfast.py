"""Places where WeasyPrint 70 (with pydyf 0.13) does the same work many times over, made to do it
once; what it draws stays what it drew. `load()` imports WeasyPrint, `install()` is called before a
PDF is made (idempotent; nothing changes if the library's internals are not the expected ones).

- Importing WeasyPrint opens Pango, HarfBuzz, Fontconfig and GObject through cffi, trying up to
  six names of each library (for Linux, macOS and Windows) until one opens. cffi asks
  `ctypes.util.find_library` for every name that is not a file, and on Linux that runs
  `ldconfig -p`, then `gcc` and `ld` in subprocesses: 22 names, about 0.3 s of every PDF process
  (a third of WeasyPrint's start-up). On Linux `load()` answers "not found" at once during the
  import, so the names are opened as they are (the dynamic loader finds `libpango-1.0.so.0` in
  its cache and the library path, as `find_library` would have): the same libraries are loaded.
  Should none of the names open that way, WeasyPrint is imported again as usual.
- The widths a table's columns need are measured from the min- and max-content widths of every
  cell, and WeasyPrint measures a text for them line by line (for the min-content width one
  layout per word, and one per syllable of a long word it may hyphenate). It measures the same
  text in the same style more than once (a cell's widths are asked again as the table is laid out,
  split across pages, or its width resolved): a third of these measurements in the demo. Within
  one document the result of a measurement (the width of the first line and where the next one
  starts) is kept for the same text, computed style object, width and flags, and given again.
- Before a box is laid out (again on every attempt, for every page it may go on) WeasyPrint turns
  its margins, paddings, width and height into used lengths, in 20 calls of two small functions
  per box: a tenth of the layout time of the demo. `_resolve_percentages` does the same in one
  loop, with the same cases in the same order.
- pydyf compresses every stream (page contents, fonts, charts) at zlib's level 9, which takes
  four to five times as long as the default level 6 for 3 % more bytes (large concept: 0.70 s ->
  0.15 s, 1,613 -> 1,660 KB). The streams are compressed at level 6: the same content, lossless,
  a slightly larger file.
- pydyf's `PDF.page_references` builds the tuple of every page's reference anew on each call,
  and the tagging calls it for every structure element (elements times pages: about two seconds
  for 200 pages). The tuple is kept until a page is added (pydyf only appends pages).
- WeasyPrint draws a text of an SVG letter by letter, with a text layout and a text object for
  every letter, so that each may be placed on its own (x, dx, rotate ... lists). The charts
  place a label as a whole (one x and y, no dx, dy, rotate, letter-spacing or textLength): such
  a label is laid out and drawn in one piece, as a browser and the PNG of DOCX and PPTX draw it
  (with the font's kerning), at the same start, baseline and anchor. Every other text is drawn
  as before.
"""

import sys
from math import inf
from typing import Any

_PER_LETTER = ("dx", "dy", "rotate", "letter-spacing", "textLength", "lengthAdjust")


def load() -> None:
    """Import WeasyPrint (its libraries opened without `find_library` on Linux, see above)."""
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        import weasyprint  # noqa: F401

        return
    import contextlib
    import ctypes.util
    import io

    find_library = ctypes.util.find_library
    ctypes.util.find_library = _not_found
    try:
        # WeasyPrint prints its installation hints before it gives up: not for this attempt
        with contextlib.redirect_stdout(io.StringIO()):
            import weasyprint  # noqa: F401
    except OSError:
        for name in [name for name in sys.modules if name == "weasyprint" or name.startswith("weasyprint.")]:
            del sys.modules[name]
    finally:
        ctypes.util.find_library = find_library
    import weasyprint  # noqa: F401, F811 (again, as usual, if the first attempt failed)


def _not_found(name: str) -> None:
    return None


def install() -> None:
    _memoise_page_references()
    _whole_svg_labels()
    _remember_content_widths()
    _resolve_percentages_in_one_loop()
    _default_compression()


def _memoise_page_references() -> None:
    import pydyf

    made = pydyf.PDF.__dict__.get("page_references")
    if not isinstance(made, property) or made.fget is None or getattr(made.fget, "memoised", False):
        return
    build = made.fget

    def page_references(pdf):
        count = len(pdf.pages["Kids"])
        kept = pdf.__dict__.get("_page_references")
        if kept is None or kept[0] != count:
            kept = pdf.__dict__["_page_references"] = (count, build(pdf))
        return kept[1]

    page_references.memoised = True  # type: ignore[attr-defined]
    pydyf.PDF.page_references = property(page_references)


# The WeasyPrint versions whose content width measuring `_remember_content_widths` follows.
CONTENT_WIDTHS_FOR = ("70.0",)


def _remember_content_widths() -> None:
    import importlib

    import weasyprint

    if weasyprint.__version__ not in CONTENT_WIDTHS_FOR:
        return
    preferred: Any = importlib.import_module("weasyprint.layout.preferred")
    line_break: Any = importlib.import_module("weasyprint.text.line_break")
    measure = line_break.split_first_line
    if preferred.split_first_line is not measure:
        return  # another version, or installed already

    # `inline_line_widths` (the only caller in the module) uses the resume index and the width
    def split_first_line(
        text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False
    ):
        kept = context.__dict__.setdefault("_imon_content_widths", {})
        key = (text, id(style), max_width, justification_spacing, is_line_start, minimum)
        found = kept.get(key)
        if found is None or found[0] is not style:  # the style is kept with it: its id stays its own
            _, _, resume_index, width, _, _ = measure(
                text,
                style,
                context,
                max_width,
                justification_spacing,
                is_line_start=is_line_start,
                minimum=minimum,
            )
            found = kept[key] = (style, resume_index, width)
        return None, None, found[1], found[2], None, None

    preferred.split_first_line = split_first_line


# The WeasyPrint versions whose `layout.percent.resolve_percentages` `_resolve_percentages` follows.
PERCENTAGES_FOR = ("70.0",)


def _resolve_percentages_in_one_loop() -> None:
    import importlib

    import weasyprint

    if weasyprint.__version__ not in PERCENTAGES_FOR:
        return
    percent: Any = importlib.import_module("weasyprint.layout.percent")
    original = percent.resolve_percentages
    if getattr(original, "in_one_loop", False):
        return
    resolve = _resolve_percentages()
    resolve.replaces = original
    for name in ("absolute", "block", "column", "flex", "float", "grid", "inline", "page", "table"):
        module: Any = importlib.import_module(f"weasyprint.layout.{name}")
        if getattr(module, "resolve_percentages", None) is original:
            module.resolve_percentages = resolve
    percent.resolve_percentages = resolve


def _resolve_percentages():
    """WeasyPrint 70's `layout.percent.resolve_percentages`, its `resolve_one_percentage` and the
    usual cases of `percentage` (a length in px, a percentage, auto) written out in one loop; a
    calc() value goes to `percentage` as before."""
    from weasyprint.css.functions import check_math
    from weasyprint.formatting_structure.boxes import Box, PageBox
    from weasyprint.layout.percent import adjust_box_sizing, percentage

    borders = ("border_top_width", "border_right_width", "border_bottom_width", "border_left_width")

    def resolve_percentages(box, containing_block) -> None:
        if isinstance(containing_block, Box):
            cb_width, cb_height = containing_block.width, containing_block.height
        else:
            cb_width, cb_height = containing_block
        maybe_height = cb_height if isinstance(box, PageBox) else cb_width
        style = box.style
        if cb_height == "auto":
            # the containing block's height depends on its content
            height = style["height"]
            if height == "auto" or check_math(height) or height.unit == "%":
                box.height = "auto"
            else:
                assert height.unit.lower() == "px"
                box.height = height.value
            heights: tuple = (("min_height", 0), ("max_height", inf))
        else:
            heights = (("height", cb_height), ("min_height", cb_height), ("max_height", cb_height))
        for name, refer_to in (
            ("margin_left", cb_width),
            ("margin_right", cb_width),
            ("margin_top", maybe_height),
            ("margin_bottom", maybe_height),
            ("padding_left", cb_width),
            ("padding_right", cb_width),
            ("padding_top", maybe_height),
            ("padding_bottom", maybe_height),
            ("width", cb_width),
            ("min_width", cb_width),
            ("max_width", cb_width),
            *heights,
        ):
            value = style[name]
            if value is None or value == "auto":
                used = value
            else:
                unit = getattr(value, "unit", None)
                if unit == "%":
                    used = refer_to * value.value / 100
                elif unit is None:
                    used = percentage(value, style, refer_to)
                else:
                    used = value.value
            if used == "auto" and name in ("min_width", "min_height"):
                used = 0
            setattr(box, name, used)

        collapse = style["border_collapse"] == "collapse"
        for prop in borders:
            # a collapsed border's width was set when the borders were resolved
            if not (collapse and hasattr(box, prop)):
                setattr(box, prop, style[prop])
        adjust_box_sizing(box, "width")
        adjust_box_sizing(box, "height")

    resolve_percentages.in_one_loop = True  # type: ignore[attr-defined]
    return resolve_percentages


def _default_compression() -> None:
    import types
    import zlib

    import pydyf

    if getattr(pydyf.zlib, "default_level", False):
        return
    shim: Any = types.ModuleType("zlib", "zlib for pydyf: streams compressed at the default level")
    shim.__dict__.update({name: getattr(zlib, name) for name in dir(zlib) if not name.startswith("__")})

    def compressobj(level=zlib.Z_DEFAULT_COMPRESSION, *args, **kwargs):
        return zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, *args, **kwargs)

    shim.compressobj = compressobj
    shim.default_level = True
    pydyf.zlib = shim


# The WeasyPrint versions whose SVG text drawing `_whole_label` follows (it calls their internals).
WHOLE_LABELS_FOR = ("70.0",)


def _whole_svg_labels() -> None:
    import importlib

    import weasyprint

    if weasyprint.__version__ not in WHOLE_LABELS_FOR:
        return  # another version draws as it always did, letter by letter
    svg: Any = importlib.import_module("weasyprint.svg")
    # the module weasyprint.svg.text (the package's name "text" is the function imported from it)
    letter_by_letter: Any = importlib.import_module("weasyprint.svg.text").text
    if svg.text is not letter_by_letter or any(
        svg.TAGS.get(tag) is not letter_by_letter for tag in ("text", "textPath", "tspan")
    ):
        return  # another version, or installed already

    def text(svg_drawing, node, font_size) -> None:
        if _placed_as_a_whole(node):
            _whole_label(svg_drawing, node, font_size)
        else:
            letter_by_letter(svg_drawing, node, font_size)

    svg.text = text  # the drawing code asks `TAGS.get(tag) == text` for text anchors
    for tag in ("text", "textPath", "tspan"):
        svg.TAGS[tag] = text


def _single(value) -> bool:
    from weasyprint.svg.utils import normalize

    return value is None or " " not in normalize(value)


def _placed_as_a_whole(node) -> bool:
    attrib = node.attrib
    return (
        node.tag == "text"
        and bool(node.text)
        and not any(name in attrib for name in _PER_LETTER)
        and _single(attrib.get("x"))
        and _single(attrib.get("y"))
    )


def _whole_label(svg, node, font_size) -> None:
    """WeasyPrint's `svg.text.text` for one label: the same style, start, anchor and bounding box,
    one layout for all its letters."""
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.text import Style, TextBox
    from weasyprint.svg.utils import size
    from weasyprint.text.line_break import split_first_line

    style = Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
    style["font_style"] = node.get("font-style", "normal")
    style["font_weight"] = node.get("font-weight", 400)
    style["font_size"] = font_size
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")
    if style["font_weight"] == "normal":
        style["font_weight"] = 400
    elif style["font_weight"] == "bold":
        style["font_weight"] = 700
    else:
        try:
            style["font_weight"] = int(style["font_weight"])
        except ValueError:
            style["font_weight"] = 400

    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)

    x = size(node.attrib["x"], font_size, svg.inner_width) if node.attrib.get("x") else None
    y = size(node.attrib["y"], font_size, svg.inner_height) if node.attrib.get("y") else None

    ascent, descent = font_size * 0.8, font_size * 0.2
    y_align = 0.0
    display_anchor = node.get("display-anchor")
    alignment_baseline = node.get("dominant-baseline", node.get("alignment-baseline"))
    if display_anchor == "middle":
        y_align = -height / 2
    elif display_anchor == "top":
        pass
    elif display_anchor == "bottom":
        y_align = -height
    elif alignment_baseline in ("central", "middle"):
        y_align = (ascent + descent) / 2 - descent
    elif alignment_baseline in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
        y_align = ascent
    elif alignment_baseline in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        y_align = -descent

    # As for the first letter: an x or y given resets the shift by dx, dy before it.
    if x:
        svg.cursor_d_position[0] = 0
    if y:
        svg.cursor_d_position[1] = 0
    x = svg.cursor_position[0] if x is None else x
    y = svg.cursor_position[1] if y is None else y
    svg.cursor_position = x + width, y
    x_position = x + svg.cursor_d_position[0]
    y_position = y + svg.cursor_d_position[1] + y_align
    points = ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height))
    node.text_bounding_box = extend_bounding_box(node.text_bounding_box, points)

    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    matrix = Matrix(a=1, d=-1, e=x_position, f=y_position)  # no rotate attribute: upright
    text_box = TextBox(layout, style)
    text_box.baseline = baseline
    emojis = draw_first_line(svg.stream, text_box, "none", "none", matrix)
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)
