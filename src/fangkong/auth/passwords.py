"""Argon2id password hashing (pwdlib), with the cost tuned for this machine class."""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

MIN_LENGTH = 8
# OWASP's argon2id floor (m=19 MiB, t=2, p=1) rather than pwdlib's 64 MiB/t=3 default, which
# measured ~330 ms per hash on a 2-core VM (shared/reference/stack-notes.md §7): too slow for
# a login burst at shift change, while 19 MiB keeps GPU cracking costly.
_ARGON2 = dict(memory_cost=19 * 1024, time_cost=2, parallelism=1)


@lru_cache
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(**_ARGON2),))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, hashed: str) -> bool:
    try:
        return _hasher().verify(password, hashed)
    except Exception:  # a malformed hash is a failed login, never a 500
        return False


def password_problem(password: str, *, username: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"a password has at least {MIN_LENGTH} characters"
    if password.lower() == username.lower():
        return "a password may not equal the user name"
    if len(set(password)) < 4:
        return "a password needs at least 4 distinct characters"
    return None
