"""A small client of the offices' REST web service (GENESIS-Online, Regionaldatenbank, Zensus 2022; version 2020).

The three databases share one interface at different base URLs. Every call is a POST with the
parameters as a form (`application/x-www-form-urlencoded`) and the credentials in the request
headers `username` and `password` (an API token goes in `username` with an empty password); the
services no longer answer GET. A table comes from `data/tablefile` with `format=ffcsv`, as
text or as a ZIP archive holding one CSV file. A table too large for a direct answer is refused
with status code 98; it is then ordered as a background job (`job=true`, answered with code 99
and the job's name), looked for in `catalogue/results` and fetched with `data/resultfile`.
Errors come as a JSON status block (`{"Status": {"Code", "Content", "Type"}}`, or the block
alone) and are turned into German messages here.

Only the standard library: one POST at a time with a timeout, retries with growing pauses on
network errors, timeouts, rate limits (429, honouring Retry-After), server errors and
maintenance pages. Credentials are read when a fetch runs, sent only in the headers, and never
logged, stored or shown in a message.
"""

import datetime
import hashlib
import http.client
import json
import logging
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from ..importers import ImportFileError
from ..importers.decoding import unpack_zip

logger = logging.getLogger("imon.fetch")

ENV_PREFIX = {"genesis": "IMON_GENESIS", "regio": "IMON_REGIO", "zensus": "IMON_ZENSUS"}
NAMES = {
    "genesis": "GENESIS-Online",
    "regio": "Regionaldatenbank Deutschland",
    "zensus": "Zensus-Datenbank 2022",
}

# Status codes of the web service (its documentation and answers recorded from it).
CODE_OK = 0
CODE_ADJUSTED = 22  # successful, a parameter was adjusted (a warning)
CODE_TOO_LARGE = 98  # too large for a direct answer: order a job
CODE_JOB_CREATED = 99  # the job was created; its name follows in the content
CODE_NO_OBJECTS = 104  # no object matches the selection
CODE_NOT_ALLOWED = 15  # not allowed, or the headers lack the credentials
CODE_LOGIN_FAILED = 2  # "Ein Fehler ist aufgetreten. (Bitte prüfen und korrigieren Sie Ihren Nutzernamen …)"
JOB_NAME = re.compile(r":\s*([A-Za-z0-9][A-Za-z0-9\-]*_\d+)")
ZIP_MAGIC = b"PK\x03\x04"


class FetchError(Exception):
    """A fetch failed; the message is German and never holds credentials."""

    def __init__(self, message: str, retry: bool = False):
        super().__init__(message)
        self.retry = retry


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)
    token: bool = False

    def __repr__(self):
        return f"Credentials({'token' if self.token else 'user'}, ***)"

    def headers(self) -> dict:
        return {"username": self.username, "password": self.password}


def read_credentials_file(path: str) -> dict:
    """NAME=value lines (as systemd's EnvironmentFile); '#' starts a comment."""
    values = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


def credentials_for(database: str, environ=None, file: str = "") -> Credentials:
    """The credentials of a database from the environment (IMON_REGIO_TOKEN, or IMON_REGIO_USER and
    IMON_REGIO_PASSWORD; likewise GENESIS and ZENSUS), else from the credentials file. Username and
    password win over a token: only they may order background jobs."""
    environ = os.environ if environ is None else environ
    values = {}
    if file:
        try:
            values = read_credentials_file(file)
        except OSError:
            raise FetchError(
                _("The credentials file named in IMON_FETCH_CREDENTIALS cannot be read.")
            ) from None
    values |= {k: v for k, v in environ.items() if k.startswith(ENV_PREFIX[database])}
    prefix = ENV_PREFIX[database]
    user, password, token = (values.get(f"{prefix}_{n}", "") for n in ("USER", "PASSWORD", "TOKEN"))
    if user and password:
        return Credentials(user, password)
    if token:
        return Credentials(token, "", token=True)
    raise FetchError(
        _(
            "No credentials for %(database)s: set %(prefix)s_TOKEN, or %(prefix)s_USER and %(prefix)s_PASSWORD."
        )
        % {"database": NAMES[database], "prefix": prefix}
    )


@dataclass
class Download:
    """One table as the service delivered it."""

    data: bytes  # the flat file (taken out of its ZIP archive)
    url: str
    params: dict  # the form parameters, without credentials
    sha256: str  # of the response body as received
    retrieved_at: str  # ISO timestamp
    job: str = ""

    def origin(self) -> dict:
        return {
            "url": self.url,
            "params": self.params,
            "sha256": self.sha256,
            "retrieved_at": self.retrieved_at,
            **({"job": self.job} if self.job else {}),
        }


def status_of(body: bytes) -> dict | None:
    """The status block of a JSON answer ({"Code", "Content", "Type"}), None for a file."""
    if body[:64].lstrip()[:1] != b"{":
        return None
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if isinstance(answer, dict):
        status = answer["Status"] if isinstance(answer.get("Status"), dict) else answer
        if "Code" in status:
            return status
    return None


def explain(status: dict, http_status: int, database: str, table: str) -> FetchError:
    """The German message of a status block the service answered with instead of a table."""
    code, content = status.get("Code"), str(status.get("Content") or "").strip()
    name = NAMES[database]
    if http_status in (401, 403) or code == CODE_NOT_ALLOWED:
        return FetchError(
            _(
                "%(database)s did not accept the credentials for this service (%(content)s). Check the token or user and password."
            )
            % {"database": name, "content": content or http_status}
        )
    if code == CODE_LOGIN_FAILED or "passwort" in content.lower():
        return FetchError(
            _("%(database)s refused the login: user name, password or token are wrong (%(content)s).")
            % {"database": name, "content": content}
        )
    if code == CODE_NO_OBJECTS:
        return FetchError(
            _(
                "%(database)s has no table %(table)s, or the selection (regions, classifications, years) matches no value: %(content)s"
            )
            % {"database": name, "table": table, "content": content}
        )
    return FetchError(
        _("%(database)s answered with error %(code)s for table %(table)s: %(content)s")
        % {"database": name, "code": code, "table": table, "content": content or http_status}
    )


def unzip(body: bytes) -> bytes:
    """The one CSV file of a ZIP answer (with the importer's guard against ZIP bombs)."""
    try:
        kind, data = unpack_zip(body)
    except ImportFileError as exc:
        raise FetchError(str(exc), retry=True) from None
    if kind != "csv":
        raise FetchError(_("The service sent a workbook instead of a flat file (ffcsv)."))
    return data


class Client:
    def __init__(
        self,
        database: str,
        base_url: str,
        credentials: Credentials,
        timeout: float = 120,
        tries: int = 4,
        job_polls: int = 40,
        job_wait: float = 30,
        max_bytes: int = 200 * 1024 * 1024,
        sleep=None,
    ):
        self.database, self.credentials = database, credentials
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout, self.tries, self.max_bytes = timeout, max(1, tries), max_bytes
        self.sleep = sleep or time.sleep
        self.job_polls, self.job_wait = job_polls, job_wait
        self._retry_after: float | None = None  # seconds a rate limit asked to wait

    def url(self, method: str) -> str:
        return urllib.parse.urljoin(self.base_url, method)

    def _post_once(self, method: str, params: dict) -> tuple[int, bytes, dict]:
        request = urllib.request.Request(
            self.url(method),
            data=urllib.parse.urlencode(params).encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded", **self.credentials.headers()},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, self._read(response), dict(response.headers)
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, self._read(exc), dict(exc.headers or {})

    def _read(self, response) -> bytes:
        """The whole body; a body shorter than its Content-Length (the connection broke off)
        raises IncompleteRead, which `read(amount)` alone would not."""
        body = response.read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            raise FetchError(_("The answer is larger than the import limit (IMON_IMPORT_MAX_MB)."))
        declared = (response.headers or {}).get("Content-Length")
        if declared and declared.isdigit() and int(declared) != len(body):
            raise http.client.IncompleteRead(body, int(declared) - len(body))
        return body

    def post(self, method: str, params: dict) -> tuple[int, bytes]:
        """(HTTP status, body) of one call, tried again with growing pauses on network errors,
        timeouts, rate limits, server errors and maintenance pages."""
        problem = ""
        for attempt in range(self.tries):
            if attempt:
                self.sleep(self._pause(attempt, problem))
            logger.info("POST %s (%s, try %s)", self.url(method), params.get("name", ""), attempt + 1)
            try:
                status, body, headers = self._post_once(method, params)
            except (TimeoutError, OSError, http.client.HTTPException) as exc:
                problem = self._network_problem(exc)
                logger.warning("%s: %s", self.url(method), problem)
                continue
            if status == 429 or status >= 500 or body[:64].lstrip()[:1] == b"<":
                problem = self._server_problem(status, body, headers)
                logger.warning("%s: %s", self.url(method), problem)
                continue
            return status, body
        raise FetchError(
            _("%(database)s could not be reached after %(tries)s tries: %(problem)s Nothing was written.")
            % {"database": NAMES[self.database], "tries": self.tries, "problem": problem},
            retry=True,
        )

    def _pause(self, attempt: int, problem) -> float:
        retry_after, self._retry_after = self._retry_after, None
        if retry_after is not None:
            return min(retry_after, 300.0)
        return float(min(60, 2**attempt))

    @staticmethod
    def _network_problem(exc) -> str:
        if isinstance(exc, TimeoutError) or "timed out" in str(exc):
            return _("no answer within the time limit.")
        if isinstance(exc, http.client.IncompleteRead):
            return _("the connection broke off during the download.")
        reason = getattr(exc, "reason", exc)
        return _("connection failed (%(reason)s).") % {"reason": type(reason).__name__}

    def _server_problem(self, status: int, body: bytes, headers: dict) -> str:
        if status == 429:
            try:
                self._retry_after = float(headers.get("Retry-After", ""))
            except ValueError:
                self._retry_after = None
            return _("too many requests (HTTP 429); waiting before the next try.")
        if body[:64].lstrip()[:1] == b"<":
            return _("the service shows a web page instead of data (maintenance?), HTTP %(status)s.") % {
                "status": status
            }
        return _("server error HTTP %(status)s.") % {"status": status}

    def _answer(self, method: str, params: dict, table: str) -> tuple[bytes, dict | None]:
        """(body, its status block or None for a file); a status other than success, "too
        large" and "job created" raises."""
        http_status, body = self.post(method, params)
        status = status_of(body)
        if status is not None:
            code, kind = status.get("Code"), str(status.get("Type", "")).lower()
            failed = kind in ("fehler", "error") or code not in (CODE_OK, CODE_ADJUSTED)
            if failed and code not in (CODE_TOO_LARGE, CODE_JOB_CREATED):
                raise explain(status, http_status, self.database, table)
        elif http_status >= 400:
            raise FetchError(
                _("%(database)s answered HTTP %(status)s for table %(table)s.")
                % {"database": NAMES[self.database], "status": http_status, "table": table}
            )
        return body, status

    def tablefile(self, params: dict) -> Download:
        """One table as a flat file: directly, or through a background job if it is too large."""
        table = params["name"]
        retrieved_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        body, status = self._answer("data/tablefile", params, table)
        url, used, job = self.url("data/tablefile"), dict(params), ""
        if status is not None and status.get("Code") == CODE_TOO_LARGE:
            job = self._order_job(params, table)
            used = {"name": job, "area": "all", "compress": "false", "format": "ffcsv", "language": "de"}
            body, status = self._answer("data/resultfile", used, table)
            url = self.url("data/resultfile")
        if status is not None:
            raise FetchError(
                _("%(database)s sent no table for %(table)s: %(content)s")
                % {"database": NAMES[self.database], "table": table, "content": status.get("Content", "")}
            )
        data = unzip(body) if body.startswith(ZIP_MAGIC) else body
        return Download(data, url, used, hashlib.sha256(body).hexdigest(), retrieved_at, job)

    def _order_job(self, params: dict, table: str) -> str:
        """Order the table as a background job and wait until its result is listed; its name."""
        if self.credentials.token:
            raise FetchError(
                _(
                    "Table %(table)s is too large for a direct download; a background job needs user name and password (%(prefix)s_USER, %(prefix)s_PASSWORD) instead of a token."
                )
                % {"table": table, "prefix": ENV_PREFIX[self.database]}
            )
        _body, status = self._answer("data/tablefile", params | {"job": "true"}, table)
        match = JOB_NAME.search(str((status or {}).get("Content", "")))
        if status is None or status.get("Code") != CODE_JOB_CREATED or not match:
            raise FetchError(
                _("%(database)s did not confirm the background job for table %(table)s.")
                % {"database": NAMES[self.database], "table": table}
            )
        job = match.group(1)
        logger.info("%s: background job %s ordered", table, job)
        for poll in range(self.job_polls):
            if poll:
                self.sleep(self.job_wait)
            _status, body = self.post(
                "catalogue/results", {"selection": job, "area": "all", "pagelength": "100", "language": "de"}
            )
            try:
                listed = json.loads(body.decode("utf-8")).get("List") or []
            except (UnicodeDecodeError, ValueError, AttributeError):
                listed = []
            if any(isinstance(entry, dict) and entry.get("Code") == job for entry in listed):
                return job
        raise FetchError(
            _("The background job %(job)s for table %(table)s was not ready in time; try again later.")
            % {"job": job, "table": table},
            retry=True,
        )
