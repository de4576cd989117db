import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imon.settings")
from imon.portal.pagecache import Front  # noqa: E402 (after the settings are named)

# Kept portal pages are answered in front of Django (see Front).
application = Front(get_wsgi_application())
