"""Importing WeasyPrint through imon.reports.weasyfast.load(): the libraries it opens without
asking `find_library` are the ones WeasyPrint opens on its own, and where the names cannot be
opened that way WeasyPrint is imported as usual, silently. Each case in a fresh interpreter (a
module is imported once per process)."""

import subprocess
import sys

import pytest

LIBRARIES = """
import sys
names = ("gobject", "pango", "harfbuzz", "fontconfig")
print(sorted({line.split()[-1] for line in open("/proc/self/maps") if any(n in line for n in names)}))
"""


def run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, text=True).stdout


def test_the_same_libraries_as_weasyprint_opens_itself():
    if not sys.platform.startswith("linux"):
        pytest.skip("load() is an ordinary import elsewhere")
    own = run("import weasyprint" + LIBRARIES)
    fast = run(
        "import ctypes.util\nfrom imon.reports import weasyfast\nasked = ctypes.util.find_library\n"
        "weasyfast.load()\nimport weasyprint\nassert ctypes.util.find_library is asked" + LIBRARIES
    )
    assert "libpango" in own
    assert fast == own


def test_names_that_do_not_open_as_they_are_fall_back_to_the_usual_import():
    out = run(
        """
import ctypes.util
import cffi.api
from imon.reports import weasyfast

opens = cffi.api._load_backend_lib

def only_by_search(backend, name, flags):  # a system where no name opens without find_library
    if ctypes.util.find_library is weasyfast._not_found:
        raise OSError(name)
    return opens(backend, name, flags)

cffi.api._load_backend_lib = only_by_search
weasyfast.load()
from weasyprint import HTML
print(HTML(string="<p>Bericht</p>").write_pdf()[:5])
"""
    )
    assert out == "b'%PDF-'\n"  # and nothing else: no installation hints
