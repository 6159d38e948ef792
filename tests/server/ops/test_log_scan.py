"""The whole-run log scan (tests/log_scan.py) finds what it is meant to find."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import jwt

from tests.log_scan import LogScanner, password_literals, remember_secrets


def _logged_by(scanner: LogScanner, message: str, **extra: object) -> None:
    logger = logging.getLogger(f"scan-check-{uuid.uuid4().hex}")
    logger.propagate = False
    logger.addHandler(scanner)
    logger.setLevel(logging.INFO)
    logger.info(message, extra=extra)


def test_a_remembered_password_in_an_extra_field_is_a_leak() -> None:
    scanner = LogScanner()
    password = f"pw-{uuid.uuid4().hex}"
    remember_secrets(password)
    _logged_by(scanner, "signed in", client_ip="127.0.0.1")
    assert scanner.leaks() == []
    _logged_by(scanner, "signed in", note=f"body was {password}")
    (leak,) = scanner.leaks()
    assert leak.secret == password
    assert password not in leak.describe()


def test_any_jwt_is_a_leak_even_one_the_tests_never_saw() -> None:
    scanner = LogScanner()
    token = jwt.encode({"sub": "someone", "iat": 1}, "k" * 32, algorithm="HS256")
    _logged_by(scanner, "rejected", header=token)
    assert [leak.secret for leak in scanner.leaks()] == [token]


def test_password_literals_are_read_from_sources(tmp_path: Path) -> None:
    source = tmp_path / "test_example.py"
    source.write_text('Login(password="literal pass 1")\nbody = {"new_password": "another one 2"}\nx = "short"\n')
    assert password_literals([source]) == {"literal pass 1", "another one 2"}
