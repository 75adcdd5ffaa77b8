"""Shared helpers for the RT 5 profile tests: the fixtures, and a connector on a mocked transport."""

from __future__ import annotations

import json
from pathlib import Path

from baton_itsm.connectors.http import HttpClient, RetryPolicy
from baton_itsm.connectors.rest.connector import RestConnector
from baton_itsm.connectors.rest.profile import load_profile
from tests.reference import RT5_FIXTURES, reference_payloads

REPO = Path(__file__).resolve().parents[3]
CAPTURED = RT5_FIXTURES  # captured from the real RT 5 by scripts/rt5-smoke.py
BASE = "http://rt.test/REST/2.0"
PROFILE = load_profile("request-tracker5")


def captured(name: str):
    return json.loads((CAPTURED / name).read_text())


def reference_dir() -> Path:
    return reference_payloads("rt")


def connector(**kwargs) -> RestConnector:
    http = HttpClient(
        BASE, headers=PROFILE.request.headers, auth=("baton", "pw"), retry=RetryPolicy(attempts=1), sleep=lambda s: None
    )
    return RestConnector("rt", PROFILE, http, account="baton", **kwargs)
