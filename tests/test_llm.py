"""The optional AI rewrite against a loopback OpenAI-compatible stand-in: invented numbers are refused,
a faithful rewrite is kept, failures fall back, and nothing is asked when it is not configured."""

from __future__ import annotations

import json
import logging
import time
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from tests.loopback import Server, drip, gzip_bomb, loopback, send
from tracker import llm

FINDINGS = (
    "Vietnam gained 3.00 pp of the United States market for Toys since 2023, reaching 12.0% in 2024, while "
    "selling below China's price (3.00 USD/kg against 4.00 USD/kg); market imports $5.00 bn, about $150.0 m at "
    "stake.\nGermany: China's share fell 5.00 pp since 2023, to 10.0% in 2024; with imports of $2.00 bn, about "
    "$1,234.5 m of sales at stake."
)


def answering(content: object):
    def respond(handler: BaseHTTPRequestHandler, server: Server) -> None:
        body = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
        send(handler, 200, body, Content_Type="application/json")
    return respond


def settings(server: Server, **extra: object) -> llm.LlmSettings:
    return llm.LlmSettings(f"{server.url}/v1", "tiny-model", **extra)  # type: ignore[arg-type]


def test_llm_rewrite_with_an_invented_number_is_rejected() -> None:
    invented = "Vietnam gained 3 pp in the United States, about $150 m, while China lost 7.5% in Germany."
    with loopback(answering(invented)) as server:
        result = llm.rewrite_findings(FINDINGS, "en", settings(server, api_key="secret-key"))
    assert result.text is None and result.reason == "invented_number"
    assert result.detail == "7.5"  # 3 and 150 m are in the findings (3.00, $150.0 m); 7.5 is not
    path, headers = server.seen[0]
    assert path == "/v1/chat/completions" and headers["authorization"] == "Bearer secret-key"
    sent = json.loads(server.bodies[0])
    assert sent["model"] == "tiny-model" and sent["messages"][1]["content"] == FINDINGS


def test_llm_faithful_rewrite_is_accepted_whatever_the_number_format() -> None:
    paragraph = ("越南在美国市场份额上升 3 个百分点，达到 12%，售价 3.00 美元/千克，低于中国的 4.00；"
                 "美国市场 50 亿美元，涉及 1.5 亿美元。德国份额下降 5 个百分点至 10%，"
                 "涉及 1,234.50 million 美元（12.345 亿）。")
    with loopback(answering(f"  {paragraph}\n")) as server:
        result = llm.rewrite_findings(FINDINGS, "zh", settings(server))
    assert result == llm.Rewrite(paragraph)
    assert "authorization" not in server.seen[0][1]  # no key, no header
    assert json.loads(server.bodies[0])["messages"][0]["content"] == llm.INSTRUCTIONS["zh"]


@pytest.mark.parametrize(("rewrite", "invented"), [
    ("rose 1,234.5 m and 12.0% and 5.00 bn", []),
    ("rose 1234.50 m, 2024, 0.15 bn", []),  # $150.0 m written as 0.15 bn
    ("rose 1,235 m", ["1,235 m"]),  # rounded: not the same number
    ("up 12.5%", ["12.5"]),
    ("in 2025", ["2025"]),
    ("150 亿美元 and 150.0", ["150 亿"]),  # the figure 150 is there, but as $150.0 m, not 15 bn
])
def test_llm_unsupported_numbers_normalise_formats(rewrite: str, invented: list[str]) -> None:
    assert llm.unsupported_numbers(rewrite, FINDINGS) == invented


def test_llm_settings_need_both_variables_and_hide_the_key() -> None:
    assert llm.settings_from_env({}) is None
    assert llm.settings_from_env({"TRACKER_LLM_BASE_URL": "http://127.0.0.1:9/v1"}) is None
    assert llm.settings_from_env({"TRACKER_LLM_MODEL": "m", "TRACKER_LLM_BASE_URL": " "}) is None
    found = llm.settings_from_env({"TRACKER_LLM_BASE_URL": "http://127.0.0.1:9/v1/", "TRACKER_LLM_MODEL": "m",
                                   "TRACKER_LLM_API_KEY": "sk-hidden"})
    assert found == llm.LlmSettings("http://127.0.0.1:9/v1", "m", "sk-hidden")
    assert "sk-hidden" not in repr(found)


def test_llm_errors_and_timeouts_fall_back_with_a_reason() -> None:
    with loopback(lambda handler, server: send(handler, 500, b"boom")) as server:
        assert llm.rewrite_findings(FINDINGS, "en", settings(server)) == llm.Rewrite(None, "error", "HTTP 500")
    with loopback(lambda handler, server: send(handler, 200, b"not json")) as server:
        assert llm.rewrite_findings(FINDINGS, "en", settings(server)).reason == "bad_answer"
    with loopback(answering(None)) as server:
        assert llm.rewrite_findings(FINDINGS, "en", settings(server)).reason == "bad_answer"

    def slow(handler: BaseHTTPRequestHandler, server: Server) -> None:
        server.stopping.wait(3)  # longer than the timeout; ends when the test leaves the block
        if not server.stopping.is_set():
            send(handler, 200, b"{}")

    with loopback(slow) as server:
        started = time.monotonic()
        result = llm.rewrite_findings(FINDINGS, "en", settings(server, timeout_seconds=0.3))
        assert time.monotonic() - started < 2.5
    assert result == llm.Rewrite(None, "timeout", "0.3")


def test_llm_unreachable_endpoint_falls_back() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    result = llm.rewrite_findings(FINDINGS, "en", llm.LlmSettings("http://127.0.0.1:9/v1", "m"),
                                  transport=httpx.MockTransport(refuse))
    assert result == llm.Rewrite(None, "unreachable")


def test_llm_endpoint_that_drips_ends_at_the_deadline() -> None:
    """The timeout bounds the whole exchange: a byte every 0.4 s never trips a read timeout, the deadline does."""
    with loopback(lambda handler, server: drip(handler, server, seconds_per_byte=0.4)) as server:
        started = time.monotonic()
        result = llm.rewrite_findings(FINDINGS, "en", settings(server, timeout_seconds=1.0))
        elapsed = time.monotonic() - started
    assert result == llm.Rewrite(None, "timeout", "1")
    assert 1.0 <= elapsed < 1.8


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_llm_oversized_answer_is_refused(encoding: str) -> None:
    body = gzip_bomb(20) if encoding == "gzip" else b" " * (llm.MAX_ANSWER_BYTES + 1)

    def answer(handler: BaseHTTPRequestHandler, server: Server) -> None:
        send(handler, 200, body, Content_Encoding=encoding, Content_Type="application/json")

    with loopback(answer) as server:
        assert llm.rewrite_findings(FINDINGS, "en", settings(server)) == llm.Rewrite(None, "bad_answer")


def test_llm_key_never_logged_nor_sent_to_another_host(caplog: pytest.LogCaptureFixture) -> None:
    key = "sk-llm-hidden-0123456789"
    with (loopback(answering("Vietnam gained 3.00 pp.")) as other,
          loopback(lambda handler, server: send(handler, 307, Location=f"{other.url}/v1/chat/completions")) as home,
          caplog.at_level(logging.DEBUG)):
        result = llm.rewrite_findings(FINDINGS, "en", settings(home, api_key=key))
    assert result == llm.Rewrite("Vietnam gained 3.00 pp.")
    assert home.seen[0][1]["authorization"] == f"Bearer {key}"
    assert ["authorization" in headers for _, headers in other.seen] == [False]
    assert "HTTP Request: POST" in caplog.text and key not in caplog.text
