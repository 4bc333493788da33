"""The staff console: a server-rendered web app for civil servants, served by the services process (/console).

Modules: ``db`` (its tables in the records file), ``accounts`` (argon2 hashes, roles, lock-out),
``sessions`` (server-side sessions, CSRF tokens), ``audit`` (the change log), ``security`` (headers,
cookies, the login/CSRF/role guard), ``app`` (assembly), ``views_*`` (the pages).
"""

from bot.console.app import Console, console_blueprint, mount_console

__all__ = ["Console", "console_blueprint", "mount_console"]
