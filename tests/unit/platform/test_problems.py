from dwp.platform.problems import Problem, validation_errors


def test_problem_body_has_the_rfc_9457_members() -> None:
    problem = Problem(409, "Conflict", "Already there", type_="already-registered", existing="/v1/citizens/1")
    body = problem.body("/v1/citizens")
    assert body == {
        "type": "https://dwp.example.gov.uk/problems/already-registered",
        "title": "Conflict",
        "status": 409,
        "detail": "Already there",
        "instance": "/v1/citizens",
        "existing": "/v1/citizens/1",
    }


def test_about_blank_stays_as_it_is() -> None:
    assert Problem(404, "Not found").body()["type"] == "about:blank"


def test_validation_errors_point_at_the_field_in_the_body() -> None:
    errors = validation_errors(
        [
            {
                "loc": ("body", "contact_preferences", "channels", 0),
                "msg": "Input should be 'email'",
                "type": "literal",
            }
        ]
    )
    assert errors == [
        {
            "pointer": "#/contact_preferences/channels/0",
            "field": "contact_preferences.channels.0",
            "detail": "Input should be 'email'",
            "code": "literal",
        }
    ]


def test_validation_errors_name_query_parameters() -> None:
    errors = validation_errors([{"loc": ("query", "limit"), "msg": "too big", "type": "less_than_equal"}])
    assert errors[0]["pointer"] == "query#/limit"
