"""The documentation of the concept file names every section and field the program reads."""

from pathlib import Path

from imon.core import conceptfile

DOC = (Path(__file__).parent.parent / "docs" / "concept-file.md").read_text(encoding="utf-8")


def test_every_section_and_field_is_documented():
    for section, fields in conceptfile.SCHEMA.items():
        if section not in ("next_steps", "dimension_values"):
            assert f"### {section}" in DOC, section
        for name, _kind, opts in fields:
            assert f"`{name}`" in DOC, f"{section}.{name}"
            for choice in opts.get("choices", []):
                if choice:
                    assert f"`{choice}`" in DOC, f"{section}.{name}: {choice}"
    for name in conceptfile.OBSERVATION_FIELDS:
        assert f"`{name}`" in DOC
