"""Realtime: functions publish messages that browsers receive over a WebSocket, with Inngest's
protocol (`@inngest/realtime` 0.4.x, `inngest.experimental.realtime`); see docs/realtime.md.

    protocol       the frames subscribers receive, the limits they must fit
    tokens         subscription tokens (HS256 JWTs) issued and checked
    publish        a publish request turned into frames
    subscriptions  who listens to what: DynamoDB items keyed by channel and topic
    fanout         frames posted to each subscribed connection (API Gateway management API)
    websocket      API Gateway WebSocket events ($connect, $disconnect, $default)
    routes         the HTTP routes on the API app (/v1/realtime/token, /publish, /connect)

Nothing here is imported at cold start: the API app imports `routes` when it is built, and
`routes` imports the rest when a realtime request arrives.
"""
