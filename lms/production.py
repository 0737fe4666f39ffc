"""Settings that must hold before the app serves anything: the secret key in production, and
which X-Forwarded-* headers to believe (ProxyFix for exactly LMS_TRUSTED_PROXIES proxies)."""
from werkzeug.middleware.proxy_fix import ProxyFix

from config import ConfigError, check_secret_key


def init_app(app):
    """Refuse a production app without a proper secret key (raises ConfigError), and trust
    X-Forwarded-For/-Proto/-Host/-Port from as many proxies as configured (none by default:
    a client could otherwise claim any address, e.g. to dodge the login rate limit)."""
    if app.config.get("PRODUCTION"):
        check_secret_key(app.config.get("SECRET_KEY"))
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if isinstance(hops, bool) or not isinstance(hops, int) or hops < 0:
        raise ConfigError(f"LMS_TRUSTED_PROXIES must be a whole number of proxies (0 or more), not {hops!r}")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
