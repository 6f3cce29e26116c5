"""Encrypting sensitive values at rest: Fernet (AES-128-CBC + HMAC), several keys for rotation.

ENCRYPTED_FIELD_KEY holds one or more Fernet keys, comma-separated, newest first: values are
encrypted with the first and decrypted with whichever fits, so a new key can be added, the rows
re-encrypted (`response-bot secrets rotate`), and the old key dropped. Each value is bound to
where it is stored (e.g. `secret:pagerduty_token`), so one row's ciphertext copied into another
row does not decrypt there.
"""

from __future__ import annotations

from response_bot.errors import UserError

# `cryptography` is imported where it is used: a bot without ENCRYPTED_FIELD_KEY never loads it.

_SEPARATOR = "\x00"


class CannotDecrypt(UserError):
    def __init__(self, context: str) -> None:
        super().__init__(
            f"The stored value {context} can't be decrypted with ENCRYPTED_FIELD_KEY "
            "(a key was removed too soon, or the row was tampered with)."
        )


def parse_keys(value: str) -> list[str]:
    """The keys in ENCRYPTED_FIELD_KEY; ValueError names what is wrong with a malformed one."""
    keys = [k.strip() for k in value.split(",") if k.strip()]
    if keys:
        from cryptography.fernet import Fernet
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ValueError(
                f"key {position} is not a Fernet key (44 url-safe base64 characters); "
                "make one with `response-bot secrets new-key`"
            ) from None
    return keys


class FieldCipher:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        from cryptography.fernet import Fernet, MultiFernet

        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @staticmethod
    def new_key() -> str:
        from cryptography.fernet import Fernet

        return Fernet.generate_key().decode()

    def encrypt(self, context: str, value: str) -> str:
        return self._fernet.encrypt(f"{context}{_SEPARATOR}{value}".encode()).decode()

    def decrypt(self, context: str, token: str) -> str:
        from cryptography.fernet import InvalidToken

        try:
            plain = self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise CannotDecrypt(context) from None
        bound, _, value = plain.partition(_SEPARATOR)
        if bound != context:
            raise CannotDecrypt(context)
        return value

    def rotate(self, token: str) -> str:
        """The same value under the newest key (Fernet keeps the original timestamp)."""
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise CannotDecrypt("(rotating)") from None
