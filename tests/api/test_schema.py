"""The OpenAPI schema at /api/schema/ and the reference page at /api/docs/."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema
from playwright.sync_api import expect

from tests.browser.crawl import AXE_TAGS
from tests.browser.pages import watch

SCHEMA_JSON = "application/vnd.oai.openapi+json"


def _schema(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT=SCHEMA_JSON)
    assert response.status_code == 200
    return response.json()


def test_anyone_may_read_the_schema_and_it_is_valid_openapi(client, db):
    schema = _schema(client)
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/tokens/" in schema["paths"]
    assert client.get("/api/schema/").status_code == 200  # YAML by default


def test_the_schema_declares_bearer_tokens(client, db):
    schema = _schema(client)
    scheme = schema["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    for path_item in schema["paths"].values():
        for operation in path_item.values():
            assert {"bearerAuth": []} in operation["security"]


def test_every_operation_documents_its_errors_as_problems(client, db):
    schema = _schema(client)
    assert "Problem" in schema["components"]["schemas"]
    for path_item in schema["paths"].values():
        for operation in path_item.values():
            default = operation["responses"]["default"]
            assert "application/problem+json" in default["content"]


def test_the_reference_page_loads_its_files_from_static_under_the_csp(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    # No inline script or style for the policy to block: every one is a file.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html and " style=" not in html
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    files = [source for source in sources if "?script" not in source]
    assert files and all(source.startswith("/static/") for source in files)
    for source in files:
        assert finders.find(source.removeprefix("/static/")), source
    # The set-up script is served by the page itself, as JavaScript, and reads the schema.
    (script,) = [source for source in sources if "script" in source and "static" not in source]
    init = client.get(script.replace("&amp;", "&"))
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert b"/api/schema/" in init.content


@pytest.mark.browser
def test_the_reference_page_works_in_chromium_without_csp_or_axe_violations(page, live_server,
                                                                     transactional_db):
    failed, violations = [], []
    watch(page, live_server, failed, violations)
    page.goto(f"{live_server.url}/api/docs/")
    # Swagger UI has read the schema and lists the operations.
    expect(page.locator(".opblock-summary-path").first).to_be_visible(timeout=15000)
    expect(page.get_by_text("/api/v1/tokens/").first).to_be_visible()
    expect(page.locator("button.authorize")).to_be_visible()
    assert violations == []
    assert failed == []
    # The crawl's accessibility rules (tests/browser/crawl.py) hold on the reference too.
    result = Axe().run(page, options={"runOnly": AXE_TAGS})
    assert [(v["id"], [n["target"] for n in v["nodes"]])
            for v in result.response["violations"]] == []
