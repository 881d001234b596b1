"""How an invoked child and its caller find each other: the correlation id both events carry."""

from inngest_lambda.events import invocations


def test_the_correlation_id_round_trips_through_the_finished_event():
    corr = invocations.correlation_id("01RUN", "step.with.dots")
    target = invocations.resume_target({"data": {"correlation_id": corr}})
    assert target == invocations.Target("01RUN", "step.with.dots")
    assert invocations.resume_target({"data": {"correlation_id": "no-dot"}}) is None
    event = invocations.child_event({"payload": {"data": {"n": 1}}}, "01RUN", "app-fn", "s1", "ev1")
    assert event["data"]["_inngest"]["invoke_correlation_id"] == "01RUN.s1"
    assert (event["name"], event["id"], event["data"]["n"]) == (
        "inngest/function.invoked",
        "ev1",
        1,
    )
