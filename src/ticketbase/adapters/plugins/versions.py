"""Plugin versions ordered by the ``packaging`` library's rules (PEP 440, which reads the
usual ``1.2.3``, ``2.0.0rc1`` and ``1.0.0.post1``; a semantic-version pre-release such as
``1.0.0-beta.1`` normalises to ``1.0.0b1``). A version it cannot read satisfies nothing."""

from __future__ import annotations

from packaging.version import InvalidVersion, Version


class PackagingVersionRules:
    def valid(self, version: str) -> bool:
        try:
            Version(version)
        except InvalidVersion:
            return False
        return True

    def satisfies(self, version: str, minimum: str) -> bool:
        try:
            return Version(version) >= Version(minimum)
        except InvalidVersion:
            return False
