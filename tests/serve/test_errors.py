from __future__ import annotations

from serve.errors import ApiError, error_body, validation_details


def test_validation_details_keep_where_and_what_but_not_the_input() -> None:
    errors = [{"loc": ("body", "messages", 0, "role"), "msg": "Input should be 'user'", "type": "literal_error",
               "input": "x" * 100_000, "ctx": {"expected": "'user'"}}]
    details = validation_details(errors)
    assert details == [{"loc": ["body", "messages", 0, "role"], "msg": "Input should be 'user'",
                        "type": "literal_error"}]


def test_validation_details_are_bounded() -> None:
    errors = [{"loc": ("body", "x" * 500), "msg": "m" * 1000, "type": "t"}] * 100
    details = validation_details(errors)
    assert len(details) == 20  # at most 20 errors reported
    assert len(details[0]["loc"][1]) == 100 and len(details[0]["msg"]) == 300


def test_error_body_shape_and_message_cap() -> None:
    body = error_body("m" * 1000, "invalid_request_error")
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type"}
    assert len(body["error"]["message"]) == 300


def test_api_error_types_follow_status() -> None:
    assert ApiError(429, "busy").type == "rate_limit_error"
    assert ApiError(404, "nope").type == "not_found_error"
    assert ApiError(422, "bad", "custom").type == "custom"
