import logging
import sys

from django.http import HttpResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as default_server_error

from .faults import database_unavailable, first_line

logger = logging.getLogger("imon.ops")

RETRY_AFTER_SECONDS = 30


@requires_csrf_token
def server_error(request):
    """The 500 handler: a German 503 page when the database is unreachable, else the usual 500 page.

    Rendered without the request context, so that the page needs no database (no session, no user)."""
    error = sys.exc_info()[1]
    if not database_unavailable(error):
        return default_server_error(request)
    logger.error("database unavailable: %s", first_line(error))
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
