"""For the packages that were one module (``sessions.services``, ``sessions.views``): a
name set on the package (a test's ``monkeypatch.setattr(services, "_remind", fake)`` or
``monkeypatch.setattr("sessions.views.FEED_LIMIT", 2)``, and its undo) is set in each of
its modules holding the same object, so the code there uses what the test put in place,
as when it was one module."""

import sys
from types import ModuleType

_MISSING = object()


class _Package(ModuleType):
    def __setattr__(self, name, value):
        current = vars(self).get(name, _MISSING)
        if current is not _MISSING:
            for module in vars(self).get("_patched_with_it", ()):
                if vars(module).get(name, _MISSING) is current:
                    setattr(module, name, value)
        super().__setattr__(name, value)


def patch_through(package_name: str, modules) -> None:
    """Make setting a name on the package ``package_name`` reach ``modules`` (its own)."""
    package = sys.modules[package_name]
    package._patched_with_it = tuple(modules)
    package.__class__ = _Package
