"""Security headers and cookies: CSP, Permissions-Policy, framing, HTTPS in production."""

import os

import csp.constants as csp

from config.settings.environment import (
    PRODUCTION,
    env_bool,
)

# --- Security ---------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp, config.security.SiteCSPMiddleware): everything from
# this site; an inline <script> or <style> runs only with the response's nonce
# ({{ request.csp_nonce }}), so injected markup cannot run script. Pictures may also be
# data: URLs (the favicon); QR codes are inline <svg> or PNGs from this site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        # 500.html keeps its styles inline (it is rendered with no request, so no nonce):
        # the hash of that <style> element; tests/test_security_headers.py recomputes it.
        "style-src": [
            csp.SELF,
            csp.NONCE,
            "'sha256-J4zQnm5RnfEOpyph4H87ocFP8BbEuWKlWPd93oNMzzA='",
        ],
        "img-src": [csp.SELF, "data:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}
# The Wagtail admin (and its previews) writes inline scripts and styles, evaluates chooser
# markup and previews uploads from blob: URLs; its own, looser policy, chosen by path
# (config.security explains why not per view). Nothing outside these paths gets it.
CSP_ADMIN_PATHS = ["/admin/"]
CSP_ADMIN_DIRECTIVES = {
    "script-src": [csp.SELF, csp.UNSAFE_INLINE, csp.UNSAFE_EVAL],
    "style-src": [csp.SELF, csp.UNSAFE_INLINE],
    "img-src": [csp.SELF, "data:", "blob:"],
    "frame-ancestors": [csp.SELF],  # the editor's live preview frames the page
}
# Permissions-Policy (config.security.PermissionsPolicyMiddleware): off everywhere, on for
# this site only on the pages that ask, by URL name.
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
}
PERMISSIONS_POLICY_VIEWS = {
    # The organiser's phone reads volunteers' codes with its camera.
    "volunteers:checkin_scanner": {"camera": ["self"]},
    # 扫一扫: a volunteer's phone reads the activity's check-in QR.
    "volunteers:scan_activity": {"camera": ["self"]},
    # The QR's landing page asks where the phone is when the activity has a geofence.
    "volunteers:checkin_scan": {"geolocation": ["self"]},
}
# The admin's dashboard would ask releases.wagtail.io for new versions: no calls from
# the browser to hosts outside the site. Nor a "what's new" banner pointing at
# guide.wagtail.org, nor avatars from gravatar.com (the help menu's links to Wagtail's
# guide are dropped by cms.admin_dashboard.no_external_help).
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Wagtail marks its own preview views SAMEORIGIN, so everything else can refuse framing.
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
