from tests.helpers import csrf_token, text_of


def test_unexpected_errors_give_a_clear_500_without_traceback(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = client.get("/boom")
    assert response.status_code == 500
    body = text_of(response)
    assert "Something went wrong on our side" in body
    assert "secret internal detail" not in body and "Traceback" not in body


def test_unknown_pages_and_api_errors_match_what_was_asked_for(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "We could not find that page." in text_of(page)
    as_json = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.get_json()["error"]["message"]


def test_oversized_requests_are_refused_with_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    token = csrf_token(client, "/signup")
    response = client.post("/signup", data={"csrf_token": token, "name": "x" * 5000})
    assert response.status_code == 413 and "too large" in text_of(response)
