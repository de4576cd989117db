from django.conf import settings
from django.utils import translation


class GermanFirstLocaleMiddleware:
    """German unless the user chose another language (language cookie).

    Django's LocaleMiddleware follows the browser's Accept-Language header; a
    municipal application is German first, whatever language the browser of
    the office computer happens to prefer."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class ContentSecurityPolicyMiddleware:
    """Sends the Content-Security-Policy of the settings with every response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class PublicCompressionMiddleware:
    """Compresses the answers of the public portal and its API (HTML, CSS, JSON, CSV) with gzip
    for clients that accept it. Staff pages stay uncompressed: they carry CSRF tokens and
    personal data, which compression would expose to length attacks (BREACH)."""

    PREFIXES = ("/portal/", "/api/")

    def __init__(self, get_response):
        from django.middleware.gzip import GZipMiddleware

        self.get_response = get_response
        self.gzip = GZipMiddleware(get_response)

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.PREFIXES):
            response = self.gzip.process_response(request, response)
        return response
