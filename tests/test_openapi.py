"""The OpenAPI document is valid, lists every route, and documents every answer."""

import re

from openapi_spec_validator import validate


def _spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi_3(client):
    validate(_spec(client))


def test_every_api_route_is_in_the_document(app, client):
    paths = _spec(client)["paths"]
    documented = {(path, method.upper()) for path, operations in paths.items() for method in operations}
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/v1/") or rule.rule == "/healthz") or "openapi" in rule.rule:
            continue
        if rule.rule.startswith("/api/v1/docs"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule)  # a converter may take arguments
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, (path, method)


def test_protected_routes_document_401_and_transitions_document_403_404_409(client):
    spec = _spec(client)
    claim = spec["paths"]["/api/v1/wishes/{wish_id}/claim"]["post"]
    assert {"200", "401", "403", "404", "409"} <= set(claim["responses"])
    review = spec["paths"]["/api/v1/wishes/{wish_id}/review"]["post"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(review["responses"])
    login = spec["paths"]["/api/v1/auth/login"]["post"]
    assert {"200", "401", "422", "503"} <= set(login["responses"])


def test_error_responses_use_the_one_error_shape(client):
    spec = _spec(client)
    conflict = spec["components"]["responses"]["CONFLICT"]["content"]["application/json"]["schema"]
    assert conflict == {"$ref": "#/components/schemas/Error"}
    error = spec["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["$ref"].endswith("/ErrorBody")


def test_request_schemas_in_the_document_are_the_validating_ones(client):
    spec = _spec(client)
    create = spec["components"]["schemas"]["WishCreate"]
    assert create["properties"]["title"]["maxLength"] == 50
    assert create["properties"]["contact_phone"]["pattern"] == r"^1[3-9]\d{9}$"
    assert set(create["required"]) == {"title", "description", "category", "address", "contact_phone"}


def test_the_docs_page_and_its_assets_are_served_locally(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert b"/api/v1/docs-assets/swagger-ui-bundle.js" in page.data
    asset = client.get("/api/v1/docs-assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert len(asset.data) > 100_000


def test_the_docs_page_asks_no_outside_host(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    addresses = re.findall(r'(?:src=|href=|url:\s*)"([^"]*)"', page)
    assert addresses and all(address.startswith("/api/v1/") for address in addresses), addresses
    assert "//" not in page
    # Else Swagger UI loads its validator badge from https://validator.swagger.io.
    assert re.search(r'"validatorUrl":\s*null', page)
