"""No secret in the repository, no data inside the package: the data folder defaults to the platform's folder for
user data, `imon check --deploy` refuses a secret key that was ever published, and `git ls-files` holds no key,
password or token."""

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import imon
from imon.ops.checks import SHIPPED_KEY_HASHES, secret_key_problem

PROJECT = Path(__file__).resolve().parent.parent
PACKAGE = Path(imon.__file__).resolve().parent
OLD_KEY_PATH = "imon/var/secret_key"

# File names that hold secrets: key files, certificates' private parts, environment files, password stores.
SECRET_NAMES = re.compile(
    r"(^|/)(secret_key|[^/]*\.(pem|key|p12|pfx|jks|keystore|kdbx)|\.env(\.[^/]*)?|\.netrc|\.pgpass|\.htpasswd"
    r"|id_(rsa|dsa|ecdsa|ed25519)|[^/.]*(password|passwd|token|secret|credentials?)s?(\.txt)?)$",
    re.IGNORECASE,
)
# Content that is a secret wherever it appears.
SECRET_CONTENT = [
    re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(rb"\bAKIA[0-9A-Z]{16}\b"),  # AWS access key
    re.compile(rb"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),  # GitHub token
    re.compile(rb"\bglpat-[A-Za-z0-9_-]{20,}\b"),  # GitLab token
    re.compile(rb"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),  # Slack token
    re.compile(rb"\bSECRET_KEY\s*=\s*[\"'][^\"'\s]{20,}[\"']"),  # a hard-coded Django key
    re.compile(
        rb"\b(IMON_SECRET_KEY|PGPASSWORD|IMON_DATABASE_URL)=\S*[^\s/]:[^\s@/]{6,}@"
    ),  # password in a URL
]
# A file that is nothing but one long random-looking word is a generated key or token.
LONE_TOKEN = re.compile(rb"\s*[A-Za-z0-9_\-+/=]{32,}\s*")


def imon_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMON_")}
    env["DJANGO_SETTINGS_MODULE"] = "imon.settings"
    env.update(extra)
    return env


def imon_command() -> list[str]:
    """The installed `imon` command (as a user runs it), or the module where it is not installed."""
    script = Path(sys.executable).with_name("imon")
    return [str(script)] if script.exists() else [sys.executable, "-m", "imon.cli"]


def git(*args) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(PROJECT), *args], capture_output=True)


def tracked_files() -> list[str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    result = git("ls-files", "-z")
    if result.returncode != 0:
        pytest.skip("not a git checkout")
    return [name for name in result.stdout.decode().split("\0") if name]


def test_no_key_password_or_token_is_tracked_in_git():
    names, contents = [], []
    for name in tracked_files():
        if SECRET_NAMES.search(name):
            names.append(name)
        path = PROJECT / name
        if not path.is_file() or name.startswith("tests/vendor/"):
            continue
        data = path.read_bytes()
        if b"\0" in data[:8000]:  # binary (fonts, images)
            continue
        found = [pattern.pattern.decode() for pattern in SECRET_CONTENT if pattern.search(data)]
        if LONE_TOKEN.fullmatch(data):
            found.append("one random word (a generated key?)")
        if hashlib.sha256(data.strip()).hexdigest() in SHIPPED_KEY_HASHES:
            found.append("a secret key that was published")
        contents += [f"{name}: {what}" for what in found]
    assert names == [], "files that hold secrets are tracked"
    assert contents == [], "tracked files contain secrets"


def test_a_generated_key_file_is_ignored_by_git():
    tracked_files()
    assert git("check-ignore", "-q", OLD_KEY_PATH).returncode == 0
    assert git("check-ignore", "-q", "var/secret_key").returncode == 0


def test_the_secret_key_check_refuses_published_and_short_keys():
    assert secret_key_problem("k" * 20) == "short"
    assert secret_key_problem("x" * 49) == "short"
    good = "Zq3" * 20
    assert secret_key_problem(good) is None
    # A key counts as published by its SHA-256, kept in place of the key.
    assert hashlib.sha256(good.encode()).hexdigest() not in SHIPPED_KEY_HASHES
    assert len(SHIPPED_KEY_HASHES) >= 1 and all(len(h) == 64 for h in SHIPPED_KEY_HASHES)


def run_check_deploy(tmp_path, key: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*imon_command(), "check", "--deploy"],
        env=imon_env(IMON_HOME=str(tmp_path), IMON_SECRET_KEY=key),
        capture_output=True,
        text=True,
    )


def test_check_deploy_fails_with_the_key_that_was_in_the_repository(tmp_path):
    tracked_files()
    added = git("log", "--all", "--diff-filter=A", "--format=%H", "--", OLD_KEY_PATH).stdout.decode().split()
    if not added:
        pytest.skip("the history with the published key is not in this clone")
    old_key = git("show", f"{added[-1]}:{OLD_KEY_PATH}").stdout.decode().strip()
    assert secret_key_problem(old_key) == "shipped"
    result = run_check_deploy(tmp_path, old_key)
    assert result.returncode != 0
    assert "imon.E001" in result.stderr and "Repository" in result.stderr, result.stderr


def test_check_deploy_fails_with_a_short_key_and_passes_with_a_good_one(tmp_path):
    result = run_check_deploy(tmp_path, "kurz-und-schlecht")
    assert result.returncode != 0 and "imon.E002" in result.stderr, result.stderr
    result = run_check_deploy(tmp_path, "Zq3-" * 15)
    assert result.returncode == 0, result.stderr
    assert "imon.E00" not in result.stderr + result.stdout


def test_demo_run_inside_the_package_writes_nothing_into_the_package(tmp_path):
    """Without IMON_HOME, data goes into the platform's folder for user data (here XDG_DATA_HOME), wherever `imon`
    is started; never into the working directory, even inside the package."""

    def files():
        return {
            path.relative_to(PACKAGE)
            for path in PACKAGE.rglob("*")
            if "__pycache__" not in path.parts and not path.is_dir()
        }

    before = files()
    env = imon_env(HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "data"))
    result = subprocess.run(
        [*imon_command(), "demo", "--no-serve"], cwd=PACKAGE, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert files() == before
    home = tmp_path / "data" / "integrationsmonitor"
    assert (home / "imon.sqlite3").is_file() and (home / "secret_key").is_file()
    assert (home / "secret_key").stat().st_mode & 0o077 == 0  # readable by its owner only
