"""The respondent code an export shows instead of the Telegram id.

Staff need to see that two responses came from the same person (a survey taken twice, a person
who answered two surveys) without learning who the person is: a Telegram id is a public handle
(anyone can open tg://user?id=...), so it never leaves the bot. The code is an HMAC-SHA256 of
the id under a secret that never leaves the database: stable from export to export, but without
the secret nobody can go from an id to its code, or guess ids by trying them all (Telegram ids
are few enough to try every one against a plain hash).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

# 12 base32 characters: 60 bits. Among a million respondents, the chance that two share a code
# is about 1 in 2,000,000; short enough to read out on the phone.
CODE_LENGTH = 12
PREFIX = "R-"


class Pseudonyms:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the pseudonym secret needs at least 16 bytes")
        self._key = hmac.new(secret, digestmod=hashlib.sha256)

    def code(self, user_id: int) -> str:
        """R- and 12 letters and digits (base32: A-Z, 2-7), the same for the same person."""
        # Not remembered: a cache would grow with the respondents, and an export must not.
        mac = self._key.copy()  # the keyed state, copied: cheaper than a new HMAC per row
        mac.update(b"respondent:%d" % user_id)
        # The first 10 bytes make 16 base32 characters: the same first 12 as the whole digest's.
        return PREFIX + base64.b32encode(mac.digest()[:10]).decode("ascii")[:CODE_LENGTH]
