from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from core.errors import DomainError
from core.refusals import refusal_response


def chosen_language(request) -> str:
    """The language the visitor chose with the footer switcher, otherwise LANGUAGE_CODE."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the visitor chose another language with the switcher.

    Django's own middleware follows the browser's Accept-Language, so a phone set to
    English would get a half-translated page. Here the choice is explicit: the
    language cookie set by the footer switcher, otherwise LANGUAGE_CODE.
    """

    def process_request(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class RefusalMiddleware:
    """A ``DomainError`` no view caught becomes its refusal page (or JSON), not a 500.

    Views that show a refusal in place (a form's field, a banner) catch it themselves;
    the rest may let it rise, and it is answered here with the status of its kind.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError):
            return refusal_response(request, exception)
        return None
